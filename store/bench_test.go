package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.Cleanup()
	os.Exit(code)
}

const benchN = 200_000

// BenchmarkTopOfQueue reads the first screenful of the inbox from a store of
// 200k conversations: an index seek, not a scan.
func BenchmarkTopOfQueue(b *testing.B) {
	s := storetest.Big(b, benchN)
	b.ResetTimer()
	for b.Loop() {
		if cs, err := s.Top(context.Background(), store.ViewActionable, 40, nil); err != nil || len(cs) != 40 {
			b.Fatal(len(cs), err)
		}
	}
}

// BenchmarkQueueRefsResolved lists every ref of the biggest view (baseline
// for what a full scan costs).
func BenchmarkQueueRefsResolved(b *testing.B) {
	s := storetest.Big(b, benchN)
	b.ResetTimer()
	for b.Loop() {
		refs, err := s.QueueRefs(context.Background(), store.ViewResolved, nil)
		if err != nil || len(refs) < benchN-500 {
			b.Fatal(len(refs), err)
		}
	}
}

// BenchmarkIngestBatch stores a poll batch of 100 new posts (one Update,
// with fsync: the real cost per poll).
func BenchmarkIngestBatch(b *testing.B) {
	s, err := store.Open(filepath.Join(b.TempDir(), "ingest.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := 0
	for b.Loop() {
		posts := storetest.MentionBatch(&n, 100)
		storetest.IngestBatch(b, s, n, posts)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/post")
}
