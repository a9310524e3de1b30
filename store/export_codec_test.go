package store

// DecodeDoc is decodeDoc, for codec_test.go.
var DecodeDoc = decodeDoc

// ExportDoc is docJSON, for codec_test.go.
var ExportDoc = docJSON
