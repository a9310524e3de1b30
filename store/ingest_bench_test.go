package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/store"
)

// BenchmarkIngestVsRaw: poll batches of 100 generated posts (new
// conversations and replies in seven languages, as a poll brings them)
// stored by Ingest into the generated store (200k conversations, fsync
// on), against raw bbolt puts of the same bytes (each post's JSON under
// its key, one transaction per batch, fsync on) into a store of the same
// size, batch for batch in one run. ratio is raw ns/post ÷ ingest ns/post
// (1 = as fast as raw puts). pages/batch and write-µs/batch are what each
// side's commits wrote (bbolt's TxStats: pages, and the time writing and
// syncing them). ingest-cpu-µs/batch is the process's CPU time (user and
// system, all threads: the collector's too) during the Ingest calls, which
// the machine's load and its disk stretch less than their wall time.
// HARK_KEEP_MAPPED=1 leaves the store's mapping as bbolt
// does (store/bolt_mmap.go). The postings the last polls left pending
// (bolt_fts_pending.go) are written after the last batch, and that time
// and those pages count as the ingest's. HARK_BUCKET_PAGES=1 logs the
// pages a batch wrote per bucket (reading the file around each batch,
// outside the timed part: slow at 200k).
func BenchmarkIngestVsRaw(b *testing.B) {
	n := benchgen.Size()
	path := benchgen.Cached(b, n)
	dir := b.TempDir()
	// the store, with fsync (a copy of the generated one)
	cp := filepath.Join(dir, "ingest.db")
	if err := benchgen.CopyFile(path, cp); err != nil {
		b.Fatal(err)
	}
	// the copy on disk before the first batch: else the batches' fsyncs
	// write the copy's gigabyte, whatever the batches wrote
	if err := syncFile(cp); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(cp, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	raw, err := bolt.Open(filepath.Join(dir, "raw.db"), 0o600, &bolt.Options{NoSync: true}) // the fill: no fsync
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	// the raw store holds as many posts as the generated one (written in
	// batches: one transaction of a million puts is quadratic in bbolt)
	g := benchgen.Gen{N: n}
	for lo := 0; lo < n; lo += 2000 {
		if err := raw.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("posts"))
			if err != nil {
				return err
			}
			bk.FillPercent = 0.9
			for i := lo; i < min(lo+2000, n); i++ {
				for _, p := range g.Posts(i) {
					v, _ := json.Marshal(p)
					if err := bk.Put([]byte(p.Key()), v); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := raw.Sync(); err != nil { // the fill on disk, as the store's copy
		b.Fatal(err)
	}
	raw.NoSync = false // the measured batches: fsync, like the store
	// new history after the generated one: the same generator, shifted
	more := benchgen.NewSource(benchgen.Gen{N: 4 * n})
	cur := strconv.Itoa(n/1000) + "/0" // start after the generated conversations
	ctx := context.Background()
	var ingestNs, rawNs, posts int64
	var ingestCPU time.Duration
	bst, _ := st.(*store.Bolt)
	var pages0 int64
	var write0 time.Duration
	if bst != nil {
		pages0, write0 = bst.WriteStats()
		if os.Getenv("HARK_KEEP_MAPPED") != "" {
			bst.KeepMapped(true)
		}
	}
	rawStats0 := raw.Stats().TxStats
	batches := 0
	var acc map[string]int
	if os.Getenv("HARK_BUCKET_PAGES") != "" {
		acc = map[string]int{}
	}
	tri := benchgen.Gen{N: n}.Triage()
	for b.Loop() {
		batch, err := more.Poll(ctx, cur)
		if err != nil || len(batch.Posts) == 0 {
			b.Fatal("source ran dry", err)
		}
		cur = batch.Cursor
		for i := range batch.Posts {
			batch.Posts[i].RemoteID = "x" + batch.Posts[i].RemoteID
			if batch.Posts[i].ThreadRoot != "" {
				batch.Posts[i].ThreadRoot = "x" + batch.Posts[i].ThreadRoot
				batch.Posts[i].ReplyTo = "x" + batch.Posts[i].ReplyTo
			}
		}
		vals := make([][]byte, len(batch.Posts))
		for i, p := range batch.Posts {
			vals[i], _ = json.Marshal(p)
		}
		var pb map[string]map[uint64]bool
		if acc != nil {
			pb = bucketPages(cp)
		}
		c0 := cpuTime()
		t0 := time.Now()
		if _, err := st.Ingest(ctx, "bench/more", cur, batch.Posts, tri, benchgen.End()); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ingestCPU += cpuTime() - c0
		if acc != nil {
			diffPages(pb, bucketPages(cp), acc)
		}
		if err := raw.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket([]byte("posts"))
			for i, p := range batch.Posts {
				if err := bk.Put([]byte(p.Key()), vals[i]); err != nil {
					return err
				}
			}
			return tx.Bucket([]byte("posts")).Put([]byte("cursor"), []byte(cur))
		}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		ingestNs += t1.Sub(t0).Nanoseconds()
		rawNs += t2.Sub(t1).Nanoseconds()
		posts += int64(len(batch.Posts))
		batches++
	}
	if bst != nil {
		pages, write := bst.WriteStats()
		b.ReportMetric(float64(pages-pages0)/float64(batches), "ingest-pages/batch")
		b.ReportMetric(float64((write-write0).Microseconds())/float64(batches), "ingest-write-µs/batch")
	}
	if bst != nil { // the postings the last polls left pending: their cost is the ingest's
		var pb map[string]map[uint64]bool
		if acc != nil {
			pb = bucketPages(cp)
		}
		c0 := cpuTime()
		t0 := time.Now()
		if err := bst.CatchUpIndex(ctx); err != nil {
			b.Fatal(err)
		}
		ingestNs += time.Since(t0).Nanoseconds()
		ingestCPU += cpuTime() - c0
		if acc != nil {
			diffPages(pb, bucketPages(cp), acc)
		}
	}
	if acc != nil {
		b.Log(printPages(acc, batches))
	}
	rs := raw.Stats().TxStats
	b.ReportMetric(float64(rs.GetWrite()-rawStats0.GetWrite())/float64(batches), "raw-pages/batch")
	b.ReportMetric(float64((rs.GetWriteTime()-rawStats0.GetWriteTime()).Microseconds())/float64(batches), "raw-write-µs/batch")
	b.ReportMetric(float64(ingestCPU.Microseconds())/float64(batches), "ingest-cpu-µs/batch")
	b.ReportMetric(float64(ingestNs)/float64(posts), "ingest-ns/post")
	b.ReportMetric(float64(rawNs)/float64(posts), "raw-ns/post")
	b.ReportMetric(float64(rawNs)/float64(ingestNs), "ratio")
}

// syncFile flushes a file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
