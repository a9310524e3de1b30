package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// odd are texts the documents must survive: invalid UTF-8, NUL, a UTF-8
// encoded surrogate, the separators JSON leaves alone but JavaScript does
// not, HTML, control characters.
var odd = []string{"\x00", "a\x00b", "\xff", "ab\xc3", "\xed\xa0\x80x", "\u2028\u2029", `<a href="x">&amp;</a>`,
	"\t\n\r\b\f\x01\x1f\x7f", `\"/`, "żółć ß 日本 🎉", "\ufffd", "a\xffb\x00c\u2028"}

// TestDecodeDocSameValues: decodeDoc (go-json) reads every conversation,
// post and contact document of a generated store, and of posts with odd
// texts, names and handles, as encoding/json does, and the value encodes
// to the same bytes.
func TestDecodeDocSameValues(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := benchgen.Build(ctx, st, benchgen.Gen{N: 300}, nil); err != nil {
		t.Fatal(err)
	}
	at := benchgen.End()
	var posts []social.Post
	for i, s := range odd {
		posts = append(posts, social.Post{Network: social.Mastodon, Account: "acme", RemoteID: "odd" + string(rune('a'+i)),
			Kind: social.KindMention, Text: s + " rebooking " + s, CreatedAt: at.Add(time.Duration(i) * time.Second),
			Author: social.Author{Handle: "h" + s, DisplayName: s}, Meta: map[string]string{s: s}, Lang: "en"})
	}
	if _, err := st.Ingest(ctx, "odd", "1", posts, nil, at); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := map[string]int{}
	check := func(bucket string, k, v []byte, a, b any) {
		t.Helper()
		// binary in the file (bincodec.go): its JSON, as Export gives it
		var err error
		if v, err = store.ExportDoc(v); err != nil {
			t.Fatalf("%s %q: %v", bucket, k, err)
		}
		if err := json.Unmarshal(v, a); err != nil {
			t.Fatalf("%s %q: encoding/json: %v", bucket, k, err)
		}
		if err := store.DecodeDoc(v, b); err != nil {
			t.Fatalf("%s %q: decodeDoc: %v", bucket, k, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s %q: decoded differently:\n%+v\n%+v", bucket, k, a, b)
		}
		// the bytes a write makes of it: the same (the stored ones too,
		// but for \ufffd, which encoding/json writes escaped for invalid
		// UTF-8 and as is when it reads it back)
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		if !bytes.Equal(x, y) || !bytes.Equal(y, v) && !bytes.Contains(v, []byte(`\ufffd`)) {
			t.Fatalf("%s %q: encodes to\n%s\n%s\nstored\n%s", bucket, k, x, y, v)
		}
		counts[bucket]++
	}
	if err := db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"convs", "posts", "contacts"} {
			if err := tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				switch name {
				case "convs":
					check(name, k, v, &social.Conversation{}, &social.Conversation{})
				case "posts":
					check(name, k, v, &store.StoredPost{}, &store.StoredPost{})
				case "contacts":
					check(name, k, v, &store.Contact{}, &store.Contact{})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if counts["convs"] < 300 || counts["posts"] < 900 || counts["contacts"] < 70 {
		t.Fatalf("too few documents checked: %v", counts)
	}
}

// TestDecodeDocOddJSON: documents not written by encoding/json (escaped
// NUL and surrogates, raw invalid UTF-8, nulls, unknown fields, keys in
// another case) read as encoding/json reads them.
func TestDecodeDocOddJSON(t *testing.T) {
	for _, doc := range []string{
		`{"id":"1","preview":"a\u0000b \ud800 \udc00\ud800 \ud83c\udf89 \u2028"}`,
		"{\"id\":\"1\",\"preview\":\"a\xffb\xed\xa0\x80c\"}",
		`{"id":"1","preview":null,"post_keys":null,"answered":null,"created_at":null}`,
		`{"id":"1","unknown":{"a":[1,2,{"b":"c"}]},"PREVIEW":"x","Post_Keys":["k"]}`,
		`{"id":"1","answered":{"b":"2026-01-02T03:04:05.000000006+01:00","a":"2026-01-02T03:04:05Z"}}`,
	} {
		var a, b social.Conversation
		ea, eb := json.Unmarshal([]byte(doc), &a), store.DecodeDoc([]byte(doc), &b)
		if (ea == nil) != (eb == nil) || !reflect.DeepEqual(a, b) {
			t.Errorf("%s:\nencoding/json %+v (%v)\ndecodeDoc     %+v (%v)", doc, a, ea, b, eb)
		}
	}
}

// TestDecodeDocKeepsNoInput: a decoded document refers to none of the
// bytes it was read from (bbolt's mapping, valid only during the
// transaction).
func TestDecodeDocKeepsNoInput(t *testing.T) {
	doc := []byte(`{"id":"7","preview":"plain text","post_keys":["a/b/c"],"contact":{"handle":"h","name":"N"},"reasons":["r"]}`)
	var c social.Conversation
	if err := store.DecodeDoc(doc, &c); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(c)
	for i := range doc {
		doc[i] = 'x'
	}
	if got, _ := json.Marshal(c); !bytes.Equal(got, want) {
		t.Fatalf("the decoded value changed with its input:\n%s\n%s", got, want)
	}
}

// TestDecodeDocDamaged: damaged documents (cut short, bytes flipped,
// garbage) give encoding/json's answer: an error where it errs, never a
// panic.
func TestDecodeDocDamaged(t *testing.T) {
	good, err := json.Marshal(social.Conversation{ID: "7", Brand: "Skylark Air", Preview: "no power since 6am",
		PostKeys: []string{"demo/a/1", "demo/a/2"}, CreatedAt: time.Unix(1e9, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{nil, {}, []byte("{"), []byte(`{"id":`), []byte(`{"id":"1","post_keys":[`), []byte("\x00\xff{}"),
		[]byte(`{"id":"1","created_at":"not a time"}`), []byte(`{"id":1}`), []byte(`[1,2,3]`), []byte(`"x"`)}
	for i := range len(good) {
		docs = append(docs, good[:i]) // every cut
		flipped := bytes.Clone(good)
		flipped[i] ^= 0x5a
		docs = append(docs, flipped)
	}
	for _, doc := range docs {
		var a, b social.Conversation
		ea, eb := json.Unmarshal(doc, &a), store.DecodeDoc(doc, &b)
		if (ea == nil) != (eb == nil) || ea != nil && ea.Error() != eb.Error() {
			t.Errorf("%q: encoding/json %v, decodeDoc %v", doc, ea, eb)
		}
		if ea == nil && !reflect.DeepEqual(a, b) {
			t.Errorf("%q: encoding/json %+v, decodeDoc %+v", doc, a, b)
		}
	}
}
