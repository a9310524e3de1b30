package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// SearchGen is the history the search contract builds (small: the suite
// runs on every backend).
var SearchGen = benchgen.Gen{N: 700}

// BuildSearchStore fills s with SearchGen's history through the engine and
// completes its index.
func BuildSearchStore(t testing.TB, s store.Store) {
	ctx := context.Background()
	if err := benchgen.Build(ctx, s, SearchGen, nil); err != nil {
		t.Fatal(err)
	}
	if x, ok := s.(store.Searcher); ok {
		if err := x.Reindex(ctx, false, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// SearchResults runs every SearchQueries entry on s in the view "all" and
// returns the ids found, in order.
func SearchResults(t testing.TB, s store.Store) map[string][]string {
	out := map[string][]string{}
	for _, raw := range SearchQueries {
		q, err := query.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		refs, _, err := query.Search(context.Background(), s, q, store.ViewAll, nil, benchgen.End(), time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		out[raw] = store.RefIDs(refs)
	}
	return out
}

// searchContract: every documented kind of term, answered by the store's
// index, finds exactly what a scan of every conversation, its posts and
// contacts finds, in queue order; the index follows later changes (a
// contact's tags and notes, a state change, new posts); a word that only
// occurs in customers' first posts is found.
func searchContract(t *testing.T, s store.Store) {
	ctx := context.Background()
	BuildSearchStore(t, s)
	check := func(stage string) {
		t.Helper()
		// the scan reads each conversation's posts and contacts once per
		// stage, not once per query (the store does not change meanwhile)
		ref := newScanCache(s)
		for _, raw := range SearchQueries {
			q, _ := query.Parse(raw)
			got, scanned, err := query.Search(ctx, s, q, store.ViewAll, nil, benchgen.End(), time.UTC)
			if err != nil {
				t.Fatalf("%s: %s: %v", stage, raw, err)
			}
			if _, ok := s.(store.Searcher); ok && scanned {
				t.Fatalf("%s: %s: answered by a scan, not the index", stage, raw)
			}
			want, err := query.Scan(ctx, ref, q, store.ViewAll, func(r store.Ref) bool { return q.MatchRefAt(r, benchgen.End()) }, benchgen.End(), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s: %d", stage, raw, len(got))
			if !slices.Equal(store.RefIDs(got), store.RefIDs(want)) {
				t.Errorf("%s: %s: index found %d %v…, a scan %d %v…", stage, raw, len(got), head(store.RefIDs(got)), len(want), head(store.RefIDs(want)))
			}
		}
	}
	check("built")
	q, _ := query.Parse(benchgen.RareWord)
	refs, _, err := query.Search(ctx, s, q, store.ViewAll, nil, benchgen.End(), time.UTC)
	if err != nil || len(refs) == 0 {
		t.Fatalf("%q found %d conversations (%v)", benchgen.RareWord, len(refs), err)
	}
	// later changes: a contact's tags and notes, a state, a new post
	c, err := s.Conversation(ctx, refs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateContact(ctx, c.Network, c.Contact.Handle, func(ct *store.Contact) {
		ct.Tags = append(ct.Tags, "press")
		ct.Notes = "no power since Tuesday"
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateConv(ctx, refs[1].ID, func(c *social.Conversation) error {
		c.State = social.StatePending
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := benchgen.Gen{N: SearchGen.N}.Posts(3)[0]
	p.RemoteID, p.ThreadRoot, p.ReplyTo, p.Text = "late-1", "", "", "Rebooking again: no power at the gate"
	p.CreatedAt = benchgen.End().Add(-time.Hour)
	if _, err := s.Ingest(ctx, "late", "1", []social.Post{p}, nil, benchgen.End()); err != nil {
		t.Fatal(err)
	}
	check("changed")
}

// scanCache is a store.Reader that keeps the posts, contacts and
// conversations it has read: the reference scan of searchContract reads
// the same ones for every query, one round trip each on PostgreSQL. It
// serves one scan at a time (query.Scan reads in order).
type scanCache struct {
	store.Reader
	convs    map[string]social.Conversation
	posts    map[string][]store.StoredPost
	contacts map[string]store.Contact
}

func newScanCache(r store.Reader) *scanCache {
	return &scanCache{Reader: r, convs: map[string]social.Conversation{}, posts: map[string][]store.StoredPost{}, contacts: map[string]store.Contact{}}
}

func (c *scanCache) Conversations(ctx context.Context, ids []string) ([]social.Conversation, error) {
	var missing []string
	for _, id := range ids {
		if _, ok := c.convs[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		got, err := c.Reader.Conversations(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, cv := range got {
			c.convs[cv.ID] = cv
		}
	}
	out := make([]social.Conversation, 0, len(ids))
	for _, id := range ids {
		if cv, ok := c.convs[id]; ok {
			out = append(out, cv)
		}
	}
	return out, nil
}

func (c *scanCache) Posts(ctx context.Context, convID string) ([]store.StoredPost, error) {
	if ps, ok := c.posts[convID]; ok {
		return ps, nil
	}
	ps, err := c.Reader.Posts(ctx, convID)
	if err == nil {
		c.posts[convID] = ps
	}
	return ps, err
}

func (c *scanCache) Contact(ctx context.Context, n social.Network, handle string) (store.Contact, error) {
	k := store.ContactKey(n, handle)
	if ct, ok := c.contacts[k]; ok {
		return ct, nil
	}
	ct, err := c.Reader.Contact(ctx, n, handle)
	if err == nil {
		c.contacts[k] = ct
	}
	return ct, err
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// BenchSearches runs the documented searches (benchgen.Searches) over
// every conversation of s (view "all"), each as a sub-benchmark
// "<name>/index" answered by the index (a scan fails b), and, with
// before, "<name>/before": the same search the way before answers it, the
// baseline in the same run. Each reports its hits.
func BenchSearches(b *testing.B, s store.Store, before func(s store.Store, q *query.Query, now time.Time) ([]store.Ref, error)) {
	now := benchgen.End()
	for _, tc := range benchgen.Searches {
		q, err := query.Parse(tc.Query)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.Name+"/index", func(b *testing.B) {
			benchHits(b, func() ([]store.Ref, error) {
				refs, scanned, err := query.Search(context.Background(), s, q, store.ViewAll, nil, now, time.UTC)
				if err == nil && scanned {
					err = fmt.Errorf("%s: answered by a scan, not the index", tc.Query)
				}
				return refs, err
			})
		})
		if before != nil {
			b.Run(tc.Name+"/before", func(b *testing.B) {
				benchHits(b, func() ([]store.Ref, error) { return before(s, q, now) })
			})
		}
	}
}

// benchHits runs search b.N times and reports its hits.
func benchHits(b *testing.B, search func() ([]store.Ref, error)) {
	var hits int
	for b.Loop() {
		refs, err := search()
		if err != nil {
			b.Fatal(err)
		}
		hits = len(refs)
	}
	b.ReportMetric(float64(hits), "hits")
}
