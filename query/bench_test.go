package query_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

// BenchmarkSearch runs the documented searches over every conversation
// (view "all") of the generated store: "index" answers from the full-text
// index; "before" is the path hark took before it (the queue index's
// refs, then every conversation decoded and matched on its preview, as
// the TUI did), the baseline, in the same run. Its hits differ: it did not
// look into the posts (the rare word, in customers' first posts only,
// found nothing) and took tag: as free text. HARK_KEEP_MAPPED=1 leaves
// the store's mapped pages resident, as bbolt does (the store gives them
// back past a threshold: store/bolt_mmap.go), to see what that costs.
func BenchmarkSearch(b *testing.B) {
	st := benchgen.Open(b, benchgen.Size())
	if km, ok := st.(interface{ KeepMapped(bool) }); ok && os.Getenv("HARK_KEEP_MAPPED") != "" {
		km.KeepMapped(true) // the mapping as bbolt leaves it (the cost of giving pages back)
	}
	storetest.BenchSearches(b, st, before)
}

// before is the search of hark before the index (tui's filterConvs).
func before(st store.Store, q *query.Query, now time.Time) ([]store.Ref, error) {
	refs, err := st.QueueRefs(context.Background(), store.ViewAll, q.MatchRef)
	if err != nil || !q.NeedsConv() {
		return refs, err
	}
	out := refs[:0:0]
	const batch = 512
	for i := 0; i < len(refs); i += batch {
		part := refs[i:min(i+batch, len(refs))]
		ids := make([]string, len(part))
		for j, r := range part {
			ids[j] = r.ID
		}
		convs, err := st.Conversations(context.Background(), ids)
		if err != nil {
			return nil, err
		}
		ok := make(map[string]bool, len(convs))
		for _, c := range convs {
			ok[c.ID] = q.Match(c, now)
		}
		for _, r := range part {
			if ok[r.ID] {
				out = append(out, r)
			}
		}
	}
	return out, nil
}
