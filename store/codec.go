package store

import (
	gojson "github.com/goccy/go-json"
)

// decodeDoc decodes a conversation, post or contact document. The
// documents are written by encoding/json (their bytes are the interchange:
// Export, PostgreSQL, `hark export`), and read back by go-json, which
// gives the same values four times faster (TestDecodeDocSameValues: every
// document of a generated store, invalid UTF-8, NUL, lone surrogates);
// a poll reads every conversation and contact it touches. go-json copies
// raw before decoding, so raw may be bbolt's read-only mapping.
func decodeDoc(raw []byte, v any) error { return gojson.Unmarshal(raw, v) }
