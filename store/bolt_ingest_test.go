package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// searchIDs is the ids of the conversations a word finds.
func searchIDs(t *testing.T, s *Bolt, word string) ([]string, error) {
	t.Helper()
	refs, err := s.Search(context.Background(), ViewAll, []SearchClause{{Kind: ClauseWord, Words: []string{word}}}, nil)
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids, err
}

func pendingPosts(t *testing.T, s *Bolt) int {
	t.Helper()
	var n int
	if err := s.view(context.Background(), func(tx *bolt.Tx) error { _, n = pendingState(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// indexDump is the search index's keys and values.
func indexDump(t *testing.T, s *Bolt) string {
	t.Helper()
	var out strings.Builder
	if err := s.view(context.Background(), func(tx *bolt.Tx) error {
		return tx.Bucket(bIndex).ForEach(func(k, v []byte) error {
			fmt.Fprintf(&out, "%q=%x\n", k, v)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// copyOpen copies the file of an open store (as a crash would leave it:
// every commit is in it) and opens the copy.
func copyOpen(t *testing.T, s *Bolt, ro bool) *Bolt {
	t.Helper()
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "crashed.db")
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenBolt(p, Options{ReadOnly: ro})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A poll's postings wait in fts_pending; a search finds the post at once,
// a crash loses nothing, and they are written once enough are pending.
func TestPendingPostings(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Ingest(ctx, "demo", "c1", []social.Post{post("1", "@ann", "my rebooking failed", 0),
		post("2", "@bob", "lost luggage", time.Minute)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if n := pendingPosts(t, s); n != 2 {
		t.Fatalf("%d posts pending, want 2", n)
	}
	for _, tc := range []struct {
		word string
		want []string
	}{{"rebook", []string{"1"}}, {"luggage", []string{"2"}}, {"ann", []string{"1"}}, {"nothing", nil}} {
		if got, err := searchIDs(t, s, tc.word); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("search %q: %v, %v; want %v", tc.word, got, err, tc.want)
		}
	}

	// the postings written from memory are the ones written from the
	// posts (as after a crash): byte for byte
	fromMemory, fromPosts := copyOpen(t, s, false), copyOpen(t, s, false)
	fromMemory.pend.entries = s.pend.entries
	for _, c := range []*Bolt{fromMemory, fromPosts} {
		if err := c.CatchUpIndex(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := indexDump(t, fromMemory), indexDump(t, fromPosts); a != b || a == indexDump(t, copyOpen(t, s, true)) {
		t.Errorf("the index written from memory and from the posts differ, or neither wrote anything:\n%s\n%s", a, b)
	}

	// a crash: the copy's process holds no pending postings; the first
	// search writes them, read-only it says the index is behind
	crashed := copyOpen(t, s, false)
	if got, err := searchIDs(t, crashed, "rebook"); err != nil || !slices.Equal(got, []string{"1"}) {
		t.Errorf("after a crash: %v, %v", got, err)
	}
	if n := pendingPosts(t, crashed); n != 0 {
		t.Errorf("after the search, %d posts still pending", n)
	}
	ro := copyOpen(t, s, true)
	if _, err := searchIDs(t, ro, "rebook"); !errors.Is(err, ErrIndexBehind) {
		t.Errorf("read-only with postings pending: %v, want ErrIndexBehind", err)
	}

	// enough pending: the poll's commit writes them all
	defer func(n int) { ftsPendingPosts = n }(ftsPendingPosts)
	ftsPendingPosts = 4
	if _, err := s.Ingest(ctx, "demo", "c2", []social.Post{post("3", "@cy", "refund please", 2*time.Minute)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if n := pendingPosts(t, s); n != 3 {
		t.Fatalf("%d posts pending, want 3", n)
	}
	if _, err := s.Ingest(ctx, "demo", "c3", []social.Post{post("4", "@dee", "refund now", 3*time.Minute)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if n := pendingPosts(t, s); n != 0 {
		t.Fatalf("%d posts pending after the fourth, want 0", n)
	}
	if got, err := searchIDs(t, s, "refund"); err != nil || !slices.Equal(got, []string{"3", "4"}) {
		t.Errorf("search refund: %v, %v", got, err)
	}
	if got, err := searchIDs(t, s, "rebook"); err != nil || !slices.Equal(got, []string{"1"}) {
		t.Errorf("search rebook: %v, %v", got, err)
	}

	// Close writes what is pending
	if _, err := s.Ingest(ctx, "demo", "c4", []social.Post{post("5", "@eve", "delayed flight", 4*time.Minute)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	p := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenBolt(p, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := searchIDs(t, r, "delay"); err != nil || !slices.Equal(got, []string{"5"}) {
		t.Errorf("after Close, read-only: %v, %v", got, err)
	}
}

// A repeat author's new post moves the contact's LastSeen beside its
// document; every read, and Export, see the later time.
func TestContactLastSeenBeside(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Ingest(ctx, "demo", "c1", []social.Post{post("1", "@ann", "hello", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	doc := func() []byte {
		var raw []byte
		_ = s.view(ctx, func(tx *bolt.Tx) error {
			raw = bytes.Clone(tx.Bucket(bContacts).Get(contactKey(social.Demo, "@ann")))
			return nil
		})
		return raw
	}
	before := doc()
	reply := post("2", "@ann", "still there?", time.Hour)
	reply.ThreadRoot, reply.ReplyTo, reply.Kind = "1", "1", social.KindReply
	if _, err := s.Ingest(ctx, "demo", "c2", []social.Post{reply}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc(), before) {
		t.Errorf("the contact's document was rewritten for its LastSeen:\n%s\n%s", before, doc())
	}
	want := t0.Add(time.Hour)
	ct, err := s.Contact(ctx, social.Demo, "@ann")
	if err != nil || !ct.LastSeen.Equal(want) {
		t.Errorf("Contact: LastSeen %v, %v; want %v", ct.LastSeen, err, want)
	}
	var each Contact
	if err := s.ForEachContact(ctx, func(c Contact) bool { each = c; return false }); err != nil || !each.LastSeen.Equal(want) {
		t.Errorf("ForEachContact: LastSeen %v, %v", each.LastSeen, err)
	}
	wantDoc, _ := json.Marshal(ct)
	var got []byte
	if err := s.Export(ctx, func(r Record) error {
		if r.Kind == RecContact {
			got = bytes.Clone(r.Doc)
		}
		return nil
	}); err != nil || !bytes.Equal(got, wantDoc) {
		t.Errorf("Export: %s, %v; want %s", got, err, wantDoc)
	}
	// an older post changes nothing; a new conversation rewrites the document
	old := post("3", "@ann", "earlier", -time.Hour)
	old.ThreadRoot, old.ReplyTo, old.Kind = "1", "1", social.KindReply
	if _, err := s.Ingest(ctx, "demo", "c3", []social.Post{old}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc(), before) {
		t.Errorf("an older post rewrote the contact")
	}
	if _, err := s.Ingest(ctx, "demo", "c4", []social.Post{post("4", "@ann", "new topic", 2*time.Hour)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	ct, err = s.Contact(ctx, social.Demo, "@ann")
	onDisk, _ := contactBin.decode(doc())
	if err != nil || !ct.LastSeen.Equal(t0.Add(2*time.Hour)) || !onDisk.LastSeen.Equal(ct.LastSeen) || len(onDisk.ConvIDs) != 2 {
		t.Errorf("after a new conversation: %+v, %v; document %+v", ct, err, onDisk)
	}
}

// A poll that brings only posts stored before, with the same cursor,
// commits nothing.
func TestRepollCommitsNothing(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	batch := []social.Post{post("1", "@ann", "hello", 0), post("2", "@bob", "hi", time.Minute)}
	if _, err := s.Ingest(ctx, "demo", "c1", batch, prio, t0); err != nil {
		t.Fatal(err)
	}
	before := s.Commits()
	r, err := s.Ingest(ctx, "demo", "c1", batch, prio, t0)
	if err != nil || len(r.New)+len(r.Changed) != 0 {
		t.Fatalf("re-poll: %+v, %v", r, err)
	}
	if n := s.Commits() - before; n != 0 {
		t.Errorf("a re-poll with the same cursor committed %d transactions", n)
	}
	if _, err := s.Ingest(ctx, "demo", "c2", batch, prio, t0); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.Cursor(ctx, "demo"); cur != "c2" || s.Commits()-before != 1 {
		t.Errorf("a new cursor: %q after %d commits, want c2 after 1", cur, s.Commits()-before)
	}
}
