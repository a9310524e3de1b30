package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/social"
)

// fill sets every field of v (a pointer) to a value of its own, so a
// field the codec forgets shows in a round trip.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d\xff\u2028", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(-*n * 1000003))
	case reflect.Uint64:
		v.SetUint(uint64(*n) << 40)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			t := time.Unix(int64(1e9+*n*3600), int64(*n)).In(time.FixedZone("", 3600*(1+*n%13)))
			if *n%3 == 0 {
				t = t.UTC()
			}
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("fill: " + v.Kind().String())
	}
}

// TestBinCodecFields: every field of a conversation, a post and a contact survives
// the binary form, and its JSON (Export's) is the document's JSON.
func TestBinCodecFields(t *testing.T) {
	n := 0
	var c social.Conversation
	fill(reflect.ValueOf(&c).Elem(), &n)
	binRoundTrip(t, "conversation", &c, convBin.encode, convBin.decode, jsonOf[social.Conversation])
	var sp StoredPost
	fill(reflect.ValueOf(&sp).Elem(), &n)
	if got := binRoundTrip(t, "post", &sp, postBin.encode, postBin.decode, marshalPost); got.Text != sp.Text {
		t.Fatalf("post text %q read back as %q", sp.Text, got.Text)
	}
	var ct Contact
	fill(reflect.ValueOf(&ct).Elem(), &n)
	binRoundTrip(t, "contact", &ct, contactBin.encode, contactBin.decode, jsonOf[Contact])
	// nil and empty stay apart (post_keys: null or [])
	for _, keys := range [][]string{nil, {}} {
		raw, _ := convBin.encode(&social.Conversation{ID: "1", PostKeys: keys})
		got, err := convBin.decode(raw)
		if err != nil || (got.PostKeys == nil) != (keys == nil) {
			t.Fatalf("post keys %#v read back as %#v (%v)", keys, got.PostKeys, err)
		}
	}
	// a time encoding/json cannot write is refused, as it was
	if _, err := convBin.encode(&social.Conversation{ID: "1", DueAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Fatal("year 10000 encoded")
	}
}

// viaJSON is v written and read back by encoding/json.
// binRoundTrip encodes v (enc), reads it back (dec) and checks that it
// gives the values its JSON document gave (invalid UTF-8 as U+FFFD), and
// that Export's JSON of the binary document (docJSON) is marshal's of those
// values (U+FFFD as is). It returns the values read back.
func binRoundTrip[T any](t *testing.T, what string, v *T, enc func(*T) ([]byte, error), dec func([]byte) (T, error), marshal func(T) ([]byte, error)) T {
	t.Helper()
	raw, err := enc(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dec(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := viaJSON(t, *v)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n%+v\n%+v", what, got, want)
	}
	x, _ := marshal(want)
	if y, err := docJSON(raw); err != nil || !bytes.Equal(x, y) {
		t.Fatalf("%s JSON:\n%s\n%s (%v)", what, x, y, err)
	}
	return got
}

func jsonOf[T any](v T) ([]byte, error) { return json.Marshal(v) }

func viaJSON[T any](t *testing.T, v T) T {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBinDamaged: a binary document cut short, with a byte flipped, or
// of garbage, is an error or a value, never a panic; cut short, an error.
func TestBinDamaged(t *testing.T) {
	n := 0
	var c social.Conversation
	fill(reflect.ValueOf(&c).Elem(), &n)
	var sp StoredPost
	fill(reflect.ValueOf(&sp).Elem(), &n)
	var ct Contact
	fill(reflect.ValueOf(&ct).Elem(), &n)
	conv, _ := convBin.encode(&c)
	post, _ := postBin.encode(&sp)
	cont, _ := contactBin.encode(&ct)
	for _, good := range [][]byte{conv, post, cont} {
		docs := [][]byte{{good[0]}, {good[0], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}}
		for i := range len(good) {
			if _, err := convBin.decode(good[:i]); err == nil && i > 0 {
				t.Errorf("conversation cut at %d: no error", i)
			}
			if _, err := postBin.decode(good[:i]); err == nil && i > 0 {
				t.Errorf("post cut at %d: no error", i)
			}
			if _, err := contactBin.decode(good[:i]); err == nil && i > 0 {
				t.Errorf("contact cut at %d: no error", i)
			}
			for _, x := range []byte{0x5a, 0x80, 0xff, 0x01} {
				d := bytes.Clone(good)
				d[i] ^= x
				docs = append(docs, d)
			}
		}
		for _, d := range docs {
			_, _ = convBin.decode(d)
			_, _ = postBin.decode(d)
			_, _ = contactBin.decode(d)
			_, _ = docJSON(d)
		}
	}
	if _, err := convBin.decode([]byte{binConv, 0x05, 'a'}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("damaged")) {
		t.Fatalf("damaged conversation: %v", err)
	}
}

// TestMigrateBinary: a schema 9 store (JSON documents) opens as schema
// 10 with binary documents, rewritten a few a transaction, and exports the
// same records, byte for byte; one left half way reads as it is
// read-only, and is finished by the next open.
func TestMigrateBinary(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st := openAt(t, path, Options{})
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var posts []social.Post
	for i := range 40 {
		p := social.Post{Network: social.Mastodon, Account: "acme", RemoteID: fmt.Sprint(i), Kind: social.KindMention,
			Text: fmt.Sprintf("post %d \xff <b>", i), CreatedAt: at.Add(time.Duration(i) * time.Minute),
			Author: social.Author{Handle: fmt.Sprintf("h%d", i%7)}, Meta: map[string]string{"k": "v"}}
		if i%3 != 0 {
			p.ReplyTo, p.ThreadRoot = fmt.Sprint(i-i%3), fmt.Sprint(i-i%3)
		}
		posts = append(posts, p)
	}
	if _, err := st.Ingest(ctx, "f", "1", posts, nil, at); err != nil {
		t.Fatal(err)
	}
	export := func(st *Bolt) []Record {
		var out []Record
		if err := st.Export(ctx, func(r Record) error {
			r.Doc = bytes.Clone(r.Doc) // the mapping's, valid in the transaction
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := export(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { binaryChunk = n }(binaryChunk)
	binaryChunk = 7 // several chunks a bucket, each its own transaction
	// back to JSON documents: schema 10, or half way through (schema 11 and
	// the key that says so), when a read-only open reads them as they are
	toJSON := func(schema string, pending bool) {
		t.Helper()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bConvs, bPosts, bContacts} {
				b := tx.Bucket(name)
				kv := map[string][]byte{}
				b.ForEach(func(k, v []byte) error {
					j, err := docJSON(v)
					kv[string(k)] = j
					return err
				})
				n := 0
				for k, v := range kv {
					if n++; pending && n%2 == 0 {
						continue // half way: some binary, some JSON
					}
					if err := b.Put([]byte(k), v); err != nil {
						return err
					}
				}
			}
			if pending {
				if err := tx.Bucket(bMeta).Put(keyBinaryPending, []byte("1")); err != nil {
					return err
				}
			}
			return tx.Bucket(bMeta).Put(keySchema, []byte(schema))
		}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(st *Bolt) {
		t.Helper()
		if err := st.db.View(func(tx *bolt.Tx) error {
			if v := schemaOf(tx); v != SchemaVersion || tx.Bucket(bMeta).Get(keyBinaryPending) != nil {
				t.Fatalf("schema %d, pending %q", v, tx.Bucket(bMeta).Get(keyBinaryPending))
			}
			for _, b := range []struct {
				name []byte
				tag  byte
			}{{bConvs, binConv}, {bPosts, binPost}, {bContacts, binCont}} {
				n := 0
				tx.Bucket(b.name).ForEach(func(k, v []byte) error {
					n++
					if v[0] != b.tag {
						t.Errorf("%s %q not migrated: %q", b.name, k, v)
					}
					return nil
				})
				if n == 0 {
					t.Errorf("%s: empty", b.name)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	toJSON("11", true)
	ro := openAt(t, path, Options{ReadOnly: true})
	half := export(ro)
	ro.Close()
	st = openAt(t, path, Options{}) // finishes the rewrite
	check(st)
	st.Close()
	toJSON("10", false)
	st = openAt(t, path, Options{})
	defer st.Close()
	check(st)
	got := export(st)
	if len(got) != len(want) {
		t.Fatalf("export after migration: %d records, before %d", len(got), len(want))
	}
	// byte for byte, but for invalid UTF-8 in a conversation: its JSON
	// document held it as \ufffd, which reads back as U+FFFD, written as
	// is (the same JSON string)
	same := func(a, b Record) bool {
		if a.Kind != b.Kind || a.Key != b.Key {
			return false
		}
		if bytes.Equal(a.Doc, b.Doc) {
			return true
		}
		var x, y any
		return bytes.Contains(b.Doc, []byte(`\ufffd`)) && json.Unmarshal(a.Doc, &x) == nil &&
			json.Unmarshal(b.Doc, &y) == nil && reflect.DeepEqual(x, y)
	}
	for _, got := range [][]Record{got, half} {
		if len(got) != len(want) {
			t.Fatalf("export: %d records, before %d", len(got), len(want))
		}
		for i := range got {
			if !same(got[i], want[i]) {
				t.Errorf("export after migration differs:\n%s %s %s\n%s %s %s", got[i].Kind, got[i].Key, got[i].Doc, want[i].Kind, want[i].Key, want[i].Doc)
			}
		}
	}
}
