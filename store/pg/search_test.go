package pg_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/store/storetest"
)

// The same history on bbolt and PostgreSQL gives the same results for
// every documented kind of search, in the same order, each from its own
// index; and a copy of the bbolt store into PostgreSQL is indexed by the
// copy.
func TestSearchSameOnBothBackends(t *testing.T) {
	b, p := bothBackends(t)
	storetest.BuildSearchStore(t, b)
	storetest.BuildSearchStore(t, p)
	want := storetest.SearchResults(t, b)
	got := storetest.SearchResults(t, p)
	for q, ids := range want {
		if !slices.Equal(ids, got[q]) {
			t.Errorf("%s: bbolt %d %v, PostgreSQL %d %v", q, len(ids), ids[:min(5, len(ids))], len(got[q]), got[q][:min(5, len(got[q]))])
		}
	}
	// the rows written by ingests are narrow: their tsvectors out of line
	var perRow float64
	if err := p.(*pg.Store).Pool().QueryRow(context.Background(),
		"SELECT pg_relation_size('conv_search')::float8 / count(*) FROM conv_search").Scan(&perRow); err != nil {
		t.Fatal(err)
	}
	t.Logf("conv_search: %.0f bytes a row", perRow)
	if perRow > 400 {
		t.Errorf("conv_search: %.0f bytes of table a row: the tsvectors are not out of line", perRow)
	}
	p2 := open(t, newDB(t))
	defer p2.Close()
	if err := store.Copy(context.Background(), b, p2, nil); err != nil {
		t.Fatal(err)
	}
	st, err := p2.IndexStatus(context.Background())
	if err != nil || !st.Complete {
		t.Fatalf("after a copy: %+v %v", st, err)
	}
	copied := storetest.SearchResults(t, p2)
	for q, ids := range want {
		if !slices.Equal(ids, copied[q]) {
			t.Errorf("copied: %s: bbolt %d, PostgreSQL %d", q, len(ids), len(copied[q]))
		}
	}
}

// bothBackends opens a fresh bbolt store and a fresh PostgreSQL one, both
// closed when the test ends.
func bothBackends(t *testing.T) (bbolt, postgres store.Store) {
	t.Helper()
	b, err := store.Open(filepath.Join(t.TempDir(), "hark.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	p := open(t, newDB(t))
	t.Cleanup(func() { p.Close() })
	return b, p
}

// TestSearchRowsMigrated: a database from before the search rows (schema
// 6, its conversations already there) is marked behind by the migration
// (searches read every conversation meanwhile), and hark store reindex
// builds the rows: the same results as the rows kept by the writes.
func TestSearchRowsMigrated(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	p := open(t, dsn)
	storetest.BuildSearchStore(t, p)
	want := storetest.SearchResults(t, p)
	for _, q := range []string{"DROP TABLE conv_search", "DROP AGGREGATE hark_tsv_cat(tsvector)",
		"CREATE INDEX posts_tsv ON posts USING gin (tsv)", "UPDATE hark_meta SET value = '6' WHERE key = 'schema'"} {
		if _, err := p.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	p = open(t, dsn) // migrates
	defer p.Close()
	if st, err := p.IndexStatus(ctx); err != nil || st.Complete {
		t.Fatalf("migrated: %+v %v", st, err)
	}
	if _, err := p.Search(ctx, store.ViewAll, []store.SearchClause{{Kind: store.ClauseWord, Words: []string{"a"}}}, nil); !errors.Is(err, store.ErrIndexBehind) {
		t.Fatalf("search before the reindex: %v", err)
	}
	if err := p.Reindex(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	got := storetest.SearchResults(t, p)
	for q, ids := range want {
		if !slices.Equal(ids, got[q]) {
			t.Errorf("%s: kept %d %v, reindexed %d %v", q, len(ids), ids[:min(5, len(ids))], len(got[q]), got[q][:min(5, len(got[q]))])
		}
	}
}
