package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"

	bolt "go.etcd.io/bbolt"
)

// TestMappedPagesGivenBack: reading 48 MB of the store maps them into
// the process's resident set (bbolt's mapping, left alone); with the
// store giving its mapped pages back, the same read leaves less than
// trimAbove (plus a little) of them resident, and the data reads the
// same after the pages were dropped.
func TestMappedPagesGivenBack(t *testing.T) {
	if !mapTrimSupported {
		t.Skip("no resident-set figures on this system")
	}
	s := openTemp(t)
	ctx := context.Background()
	fillMapped(t, s, size)
	read := func() (grew int64, sum int) {
		if err := s.TrimMapped(); err != nil {
			t.Fatal(err)
		}
		before, _ := residentShared()
		if err := s.view(ctx, func(tx *bolt.Tx) error {
			c := tx.Bucket([]byte("fill")).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				sum += int(v[0]) + int(v[1]) + len(v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		after, _ := residentShared()
		return after - before, sum
	}
	s.KeepMapped(true)
	kept, sum1 := read()
	s.KeepMapped(false)
	trims := s.Trims()
	now, sum2 := read()
	t.Logf("resident after reading %d MB: %d MB with the mapping kept, %d MB given back", size>>20, kept>>20, now>>20)
	if kept < size*3/4 {
		t.Errorf("reading %d MB left only %d MB resident with the mapping kept: the test measures nothing", size>>20, kept>>20)
	}
	if now > trimAbove+8<<20 {
		t.Errorf("%d MB resident after the read, want at most %d", now>>20, (trimAbove+8<<20)>>20)
	}
	if s.Trims() == trims {
		t.Error("the store did not give its pages back")
	}
	if sum1 != sum2 {
		t.Errorf("the data read %d, then %d", sum1, sum2)
	}
}

// size is how much fillMapped writes (the tests read it all back).
const size = 48 << 20

// fillMapped writes size bytes of records (2,000 bytes each) in the
// bucket "fill".
func fillMapped(t *testing.T, s *Bolt, size int) {
	val := make([]byte, 2000)
	for i := 0; i < size/len(val); i += 4000 {
		if err := s.update(context.Background(), func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("fill"))
			if err != nil {
				return err
			}
			b.FillPercent = 1
			for j := i; j < min(i+4000, size/len(val)); j++ {
				val[0], val[1] = byte(j), byte(j>>8)
				if err := b.Put(fmt.Appendf(nil, "%08d", j), val); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLongReadWatched: a read transaction that scans without ticks (no
// scanTick, as any new scan might) has its mapped pages given back while
// it is still open, by the watch on it: the peak of a long read stays
// near trimAbove, not only its end. The data reads the same afterwards,
// in the same transaction.
func TestLongReadWatched(t *testing.T) {
	if !mapTrimSupported {
		t.Skip("no resident-set figures on this system")
	}
	s := openTemp(t)
	fillMapped(t, s, size)
	if err := s.TrimMapped(); err != nil {
		t.Fatal(err)
	}
	before, _ := residentShared()
	trims := s.Trims()
	sum := func(tx *bolt.Tx) (n int) {
		c := tx.Bucket([]byte("fill")).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			n += int(v[0]) + int(v[1]) + len(v)
		}
		return n
	}
	if err := s.view(context.Background(), func(tx *bolt.Tx) error {
		first := sum(tx) // the whole bucket mapped (the watch may trim during the scan: it ticks every 2 ms)
		// within the bound while the transaction stays open: the watch
		// trims again whenever the scan left more than trimAbove mapped
		// since its last trim (without the watch all 48 MB stay)
		var now int64
		if !testkit.Poll(10*time.Second, func() bool {
			now, _ = residentShared()
			return s.Trims() > trims && now-before <= trimAbove+8<<20
		}) {
			t.Errorf("%d MB resident inside the transaction after %d trims by the watch, want at most %d", (now-before)>>20, s.Trims()-trims, (trimAbove+8<<20)>>20)
		}
		if again := sum(tx); again != first {
			t.Errorf("the data read %d, then %d after the trim", first, again)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
