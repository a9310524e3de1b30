package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Start is the time of the first generated post.
var Start = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

var (
	mu     sync.Mutex
	stores = map[int]store.Store{}
	dirs   []string
)

// Big returns a store with n conversations, built once per process and
// size. Call Cleanup from TestMain.
func Big(tb testing.TB, n int) store.Store {
	mu.Lock()
	defer mu.Unlock()
	if s := stores[n]; s != nil {
		return s
	}
	dir, err := os.MkdirTemp("", "hark-bench-")
	if err != nil {
		tb.Fatal(err)
	}
	dirs = append(dirs, dir)
	s, err := store.Open(filepath.Join(dir, "big.db"), store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	Fill(tb, s, n)
	stores[n] = s
	return s
}

// Fill ingests n conversations into s, in batches of 1000: mostly
// resolved, the newest 500 open, over three brands (the same on every
// backend).
func Fill(tb testing.TB, s store.Store, n int) {
	open := Start.Add(time.Duration(n-500) * time.Second)
	tri := func(c *social.Conversation, p social.Post, _ store.Contact) {
		c.Priority = int(c.CreatedAt.Unix() % 97)
		c.DueAt = c.WaitingSince.Add(time.Hour)
		if c.CreatedAt.Before(open) { // all but the newest 500 are done
			c.State = social.StateResolved
			c.ResolvedAt = c.CreatedAt.Add(time.Hour)
		}
	}
	brands := []string{"Skylark Air", "Petal & Stem", "Northwind Energy"}
	const batch = 1000
	for i := 0; i < n; i += batch {
		posts := make([]social.Post, 0, batch)
		for j := i; j < i+batch && j < n; j++ {
			posts = append(posts, social.Post{
				Network: social.Mastodon, Account: "acme", Brand: brands[j%3],
				RemoteID: fmt.Sprintf("%09d", j), Author: social.Author{Handle: fmt.Sprintf("@user%d@example.social", j%50000)},
				Text:      "my flight was cancelled and nobody at the desk can tell me anything about the rebooking",
				CreatedAt: Start.Add(time.Duration(j) * time.Second), Kind: social.KindMention,
			})
		}
		if _, err := s.Ingest(context.Background(), "bench", strconv.Itoa(i), posts, tri, Start); err != nil {
			tb.Fatal(err)
		}
	}
}

// Cleanup closes and removes every store Big made.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range stores {
		s.Close()
	}
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	stores = map[int]store.Store{}
	dirs = nil
}

// Healthy fails t (without stopping it) for each of the store's
// consistency checks that does not pass; when says at which point.
func Healthy(t testing.TB, s store.Store, when string) {
	t.Helper()
	fs, err := s.Doctor(context.Background())
	if err != nil {
		t.Errorf("%s: store check: %v", when, err)
		return
	}
	for _, f := range fs {
		if !f.OK {
			t.Errorf("%s: store check %s: %s", when, f.Name, f.Detail)
		}
	}
}

// withHistory returns s as the capability T, after building a history of
// n generated conversations through the engine into it; it skips t on a
// backend without T (what names T in the message).
func withHistory[T any](t *testing.T, s store.Store, what string, n int) T {
	t.Helper()
	x, ok := s.(T)
	if !ok {
		t.Skip("no " + what + " on " + s.Backend())
	}
	if err := benchgen.Build(context.Background(), s, benchgen.Gen{N: n}, nil); err != nil {
		t.Fatal(err)
	}
	return x
}

// StatusIndexMigrates: a store written before the outbox's status index
// gains it when it is next opened, and the status entries already in its
// outbox are listed from it. open opens the store (again); downgrade, run
// with the store closed, takes it back to the schema before the index.
func StatusIndexMigrates(t *testing.T, open func() store.Store, downgrade func()) {
	ctx := context.Background()
	now := Start.Add(48 * time.Hour)
	s := open()
	for i, ref := range []string{"7", store.StatusRef("s1", false), "9", store.StatusRef("s1", true)} {
		// the post answered holds what polled text may: a NUL, invalid UTF-8
		to := social.Post{Text: "a\x00b \xff"}
		r := social.Reply{ID: fmt.Sprint("r", i), Key: fmt.Sprint("r", i), Network: social.Mastodon, ConvID: ref, To: to, Text: "hello", CreatedAt: now}
		if _, err := s.Enqueue(ctx, r, false, now); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	downgrade()
	s = open()
	defer s.Close()
	si, ok := s.(store.StatusIndexer)
	if !ok {
		t.Fatalf("%s has no status index", s.Backend())
	}
	sts, err := si.OutboxStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range sts {
		got = append(got, e.Reply.ConvID)
	}
	if want := []string{"status:s1", "status:s1:follow"}; !slices.Equal(got, want) {
		t.Fatalf("status entries after the migration %q, want %q", got, want)
	}
	list, err := store.Statuses(ctx, s, "", 0)
	if err != nil || len(list) != 1 || !list[0].Resolved {
		t.Fatalf("status posts %+v %v", list, err)
	}
}
