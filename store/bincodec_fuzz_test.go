package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hark-tui/hark/social"
)

// FuzzBinDocs: any bytes given to the binary documents' readers (a
// damaged or hostile file) give a value or an error, never a panic; a
// document they read encodes again to bytes that read back the same (so a
// poll that rewrites it loses nothing), and its JSON (hark export) is
// valid.
func FuzzBinDocs(f *testing.F) {
	var c social.Conversation
	var sp StoredPost
	var ct Contact
	n := 0
	fill(reflect.ValueOf(&c).Elem(), &n)
	fill(reflect.ValueOf(&sp).Elem(), &n)
	fill(reflect.ValueOf(&ct).Elem(), &n)
	for _, enc := range []func() ([]byte, error){
		func() ([]byte, error) { return convBin.encode(&c) },
		func() ([]byte, error) { return postBin.encode(&sp) },
		func() ([]byte, error) { return contactBin.encode(&ct) },
		func() ([]byte, error) { return convBin.encode(&social.Conversation{ID: "1"}) },
		func() ([]byte, error) { return postBin.encode(&StoredPost{}) },
	} {
		b, err := enc()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"1"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if x, err := convBin.decode(raw); err == nil {
			again(t, "conversation", x, convBin.encode, convBin.decode)
		}
		if x, err := postBin.decode(raw); err == nil {
			again(t, "post", x, postBin.encode, postBin.decode)
		}
		if x, err := contactBin.decode(raw); err == nil {
			again(t, "contact", x, contactBin.encode, contactBin.decode)
		}
		// a binary document exports as JSON (anything else is passed
		// through as the JSON it was stored as)
		if len(raw) > 0 && (raw[0] == binConv || raw[0] == binPost || raw[0] == binCont) {
			if j, err := docJSON(raw); err == nil && !bytes.Equal(j, raw) && !json.Valid(j) {
				t.Fatalf("export of %q is not JSON: %q", raw, j)
			}
		}
	})
}

// again encodes x and reads it back twice: after the first pass (which
// writes invalid UTF-8 as U+FFFD, as the JSON form did) the value no
// longer changes, so a poll that rewrites the document loses nothing.
func again[T any](t *testing.T, what string, x T, enc func(*T) ([]byte, error), dec func([]byte) (T, error)) {
	t.Helper()
	b, err := enc(&x)
	if err != nil {
		return // a value the codec refuses to write (a year outside 0–9999) is refused, not lost silently
	}
	y, err := dec(b)
	if err != nil {
		t.Fatalf("%s: its own encoding does not read back: %v", what, err)
	}
	b2, err := enc(&y)
	if err != nil {
		t.Fatalf("%s: what was read back does not encode: %v", what, err)
	}
	z, err := dec(b2)
	if err != nil || !reflect.DeepEqual(y, z) {
		t.Fatalf("%s: not stable over a second rewrite: %#v then %#v (%v)", what, y, z, err)
	}
}
