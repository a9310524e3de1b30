package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/social"
)

// A store file cut short, or empty, is refused with a clear message before
// bbolt maps it (a truncated file crashed the process with SIGBUS); a whole
// store, and an empty file opened for writing, open.
func TestOpenChecksTheFileAgainstItsHeader(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.db")
	st, err := Open(whole, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var posts []social.Post
	for i := range 500 {
		posts = append(posts, social.Post{Network: "t", Account: "a", RemoteID: strings.Repeat("r", 50) + string(rune('a'+i%26)) + time.Duration(i).String(),
			Author: social.Author{Handle: "@c"}, Text: strings.Repeat("long text ", 40), CreatedAt: time.Unix(int64(i), 0)})
	}
	if _, err := st.Ingest(context.Background(), "t:a", "", posts, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	if err := pageCheck(whole); err != nil {
		t.Fatalf("a whole store fails the page check: %v", err)
	}
	// the file may be longer than its pages (bbolt grows it ahead): cut
	// into what the header says it holds
	f, _ := os.Open(whole)
	m, ok := headerMeta(f, int64(len(raw)))
	f.Close()
	used := int(m.pages) * int(m.pageSize)
	if !ok || used < 8*int(m.pageSize) || used > len(raw) {
		t.Fatalf("header: %+v %v, file %d bytes", m, ok, len(raw))
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name     string
		path     string
		readOnly bool
		want     string // "" = opens
	}{
		{"whole", whole, true, ""},
		{"whole, writing", whole, false, ""},
		{"cut in half", write("half.db", raw[:used/2]), true, "the file is damaged"},
		{"cut in half, writing", write("half-w.db", raw[:used/2]), false, "cut short"},
		{"one page short", write("short.db", raw[:used-int(m.pageSize)]), true, "cut short"},
		{"header only", write("head.db", raw[:4096]), true, "the file is damaged"},
		{"empty, reading", write("empty.db", nil), true, "empty (0 bytes)"},
		{"empty, writing", write("empty-w.db", nil), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Open(tc.path, Options{ReadOnly: tc.readOnly})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				st.Close()
				return
			}
			if err == nil {
				st.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %q lacks %q or the path", err, tc.want)
			}
		})
	}
}

// A store whose pages fail bbolt's check is reported through Warn before
// Open writes anything, and still opens (the data is the operator's).
func TestOpenWarnsOfAStoreFailingThePageCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "damaged.db")
	st, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var posts []social.Post
	for i := range 400 {
		posts = append(posts, social.Post{Network: "t", Account: "a", RemoteID: fmt.Sprint("post-", i),
			Author: social.Author{Handle: "@c"}, Text: strings.Repeat("text ", 40), CreatedAt: time.Unix(int64(i), 0)})
	}
	if _, err := st.Ingest(context.Background(), "t:a", "", posts, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// turn the first leaf page in use (one of a bucket's, written before
	// the buckets above it) into a page of no known type; a freed page
	// may still carry a leaf's flags, and the check never reads it
	leaf := -1
	db, err := bolt.Open(path, 0o600, nil) // read-write: Page needs the free list
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		for id := 2; id < int(tx.Size()/int64(db.Info().PageSize)) && leaf < 0; id++ {
			if pi, err := tx.Page(id); err == nil && pi != nil && pi.Type == "leaf" {
				leaf = id
			}
		}
		return nil
	})
	pageSize := db.Info().PageSize
	db.Close()
	if leaf < 0 {
		t.Fatal("no leaf page to damage")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0x40, 0}, int64(leaf*pageSize)+8); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before, _ := os.ReadFile(path)

	var warned []string
	st, err = Open(path, Options{Warn: func(msg string) {
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Error("the store was written before the warning")
		}
		warned = append(warned, msg)
	}})
	if err != nil {
		t.Fatalf("a store failing the page check must still open: %v", err)
	}
	st.Close()
	if len(warned) != 1 || !strings.Contains(warned[0], "fails its page check") || !strings.Contains(warned[0], path) ||
		!strings.Contains(warned[0], "invalid type 0x40") {
		t.Fatalf("warnings %q", warned)
	}
}

// The page check passes a healthy store that has free pages, overflow
// pages and nested buckets after many writes and deletes.
func TestPageCheckPassesAHealthyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "churn.db")
	st, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 6 {
		var posts []social.Post
		for i := range 400 {
			posts = append(posts, social.Post{Network: "t", Account: "a", RemoteID: fmt.Sprint(round, "-", i),
				Author: social.Author{Handle: fmt.Sprint("@c", i%50)}, Text: strings.Repeat("x", 100+i*13%9000), CreatedAt: time.Unix(int64(round*1000+i), 0)})
		}
		if _, err := st.Ingest(context.Background(), "t:a", fmt.Sprint(round), posts, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			st.SaveDraft(context.Background(), fmt.Sprint(i+1), strings.Repeat("d", round*1000))
			st.SaveDraft(context.Background(), fmt.Sprint(i+1), "")
		}
	}
	st.Close()
	if err := pageCheck(path); err != nil {
		t.Fatal(err)
	}
	var warned []string
	st, err = Open(path, Options{Warn: func(m string) { warned = append(warned, m) }})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if len(warned) > 0 {
		t.Fatalf("warned %q", warned)
	}
}
