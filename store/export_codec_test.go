package store

// DecodeDoc is decodeDoc, for codec_test.go.
var DecodeDoc = decodeDoc
