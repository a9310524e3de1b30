package pg_test

import (
	"testing"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/store/storetest"
)

// BenchmarkSearchPG runs the documented searches on PostgreSQL holding the
// generated store (copied from the cached bbolt file and indexed by the
// copy), every conversation (view "all"), answered from the tsvector and
// attribute indexes (query.BenchmarkSearch has the path before them).
func BenchmarkSearchPG(b *testing.B) {
	p := genStore(b, benchgen.Size())
	storetest.BenchSearches(b, p, nil)
}
