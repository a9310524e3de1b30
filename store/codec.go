package store

import (
	"encoding/json"

	gojson "github.com/goccy/go-json"
)

// decodeDoc decodes a conversation, post or contact document. The
// documents are written by encoding/json (their bytes are the interchange:
// Export, PostgreSQL, `hark export`), and read back by go-json, which
// gives the same values four times faster (TestDecodeDocSameValues: every
// document of a generated store, invalid UTF-8, NUL, lone surrogates).
// The bbolt file keeps its documents in a binary form since schema 11
// (bincodec.go), so the JSON read here is PostgreSQL's (a poll there reads
// every conversation and contact it touches), Import's and a bbolt file's
// not yet migrated. go-json copies raw before decoding, so raw may be
// bbolt's read-only mapping.
//
// A document go-json refuses, or one it panics on (a damaged file), is
// decoded again by encoding/json: its error is the one reported, with
// encoding/json's wording, and a damaged record is an error, never a
// crash (TestDecodeDocDamaged).
func decodeDoc(raw []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = json.Unmarshal(raw, v)
		}
	}()
	if gojson.Unmarshal(raw, v) != nil {
		return json.Unmarshal(raw, v)
	}
	return nil
}
