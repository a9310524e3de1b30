package store

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt file is mapped into the process (shared, read-only), and every
// page a read touches stays in the process's resident set until the
// kernel reclaims it. On Linux the page cache keeps a file in large folios
// (up to a megabyte here), and a fault maps the whole folio: a handful of
// small reads (a conversation and its posts) makes megabytes resident, a
// scan of an index the whole file. The pages are the page cache's, not the
// process's, but they count in its resident set (VmRSS, RssFile).
//
// So the store gives the mapped pages back when they grow past
// trimAbove: madvise(MADV_DONTNEED) on the mapping drops the process's page
// table entries and nothing else (the pages stay cached: a later read
// maps them again with a minor fault, no I/O). It runs inside a read
// transaction, so bbolt cannot remap the file meanwhile.

// trimAbove is how much the mapped store may add to the resident set
// before its pages are given back.
const trimAbove = 24 << 20

// trimEvery is the least time between two checks of the resident set
// after a short read (reading /proc/self/statm costs about 2 µs).
const trimEvery = 2 * time.Millisecond

type mapTrim struct {
	mu    sync.Mutex
	off   bool      // KeepMapped
	last  time.Time // last check
	base  int64     // file-backed resident bytes after the last trim
	trims int
}

// maybeTrim checks the resident set after a read and gives the store's
// mapped pages back when they grew past trimAbove since the last trim.
// force skips the rate limit (after a long read: a scan).
func (s *Bolt) maybeTrim(force bool) { s.trimIn(nil, force) }

// trimIn is maybeTrim inside a read transaction (a long scan, every few
// thousand records: it keeps what the scan maps within trimAbove): the
// transaction holds the mapping in place. tx nil: one is opened, after
// the lock is let go (a writer waiting to remap holds back new read
// transactions, and a scan that holds one may be waiting for the lock);
// a scan does not wait for the lock: another trim is under way.
func (s *Bolt) trimIn(tx *bolt.Tx, force bool) {
	if !mapTrimSupported {
		return
	}
	t := &s.trim
	if tx != nil {
		if !t.mu.TryLock() {
			return
		}
	} else {
		t.mu.Lock()
	}
	now := time.Now()
	if t.off || !force && now.Sub(t.last) < trimEvery {
		t.mu.Unlock()
		return
	}
	t.last = now
	shared, ok := residentShared()
	if !ok || shared-t.base < trimAbove { // base is 0 until the first trim
		t.mu.Unlock()
		return
	}
	var err error
	if tx != nil {
		err = dropMapped(s.db, tx.Size())
	} else {
		t.mu.Unlock()
		err = s.db.View(func(tx *bolt.Tx) error { return dropMapped(s.db, tx.Size()) })
		t.mu.Lock()
	}
	defer t.mu.Unlock()
	if err != nil {
		t.off = true // not on this system: stop trying
		return
	}
	t.trims++
	if after, ok := residentShared(); ok {
		t.base = after
	}
}

// watched is fn with a watch on its transaction: after watchEvery, and
// every watchEvery until fn returns, a timer checks the resident set and
// gives the mapped pages back (trimIn, on the timer's goroutine: the
// mapping stays in place until fn returns — a read transaction holds it,
// and a write transaction remaps only in its Commit, after fn — and fn
// waits for a trim under way before it returns). It bounds the peak of
// a long read that calls no scanTick (a new scan, contacts read one by
// one); a short read (a keypress's) only starts and stops a timer, about
// 0.4 µs. A walk that only touches pages outruns it (bbolt's Check maps
// up to 500 MB within 8 ms): scans that can, tick.
func (s *Bolt) watched(fn func(tx *bolt.Tx) error) func(tx *bolt.Tx) error {
	if !mapTrimSupported {
		return fn
	}
	return func(tx *bolt.Tx) error {
		w := &txWatch{s: s, tx: tx}
		w.mu.Lock()
		w.timer = time.AfterFunc(watchEvery, w.tick)
		w.mu.Unlock()
		defer w.stop()
		return fn(tx)
	}
}

// watchEvery is how often a long read's resident set is checked.
const watchEvery = 2 * time.Millisecond

type txWatch struct {
	mu    sync.Mutex
	done  bool // fn returned: the transaction is closing
	s     *Bolt
	tx    *bolt.Tx
	timer *time.Timer
}

func (w *txWatch) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.s.trimIn(w.tx, true)
	w.timer.Reset(watchEvery)
}

func (w *txWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.timer.Stop()
}

// scanTick is called by long scans for each record: every scanTrimEvery
// records it checks the resident set (trimIn).
func (s *Bolt) scanTick(tx *bolt.Tx, n *int) {
	if *n++; *n%scanTrimEvery == 0 {
		s.trimIn(tx, true) // not rate-limited: 20 ms of a scan map hundreds of megabytes
	}
}

// scan calls fn with every key and value of bucket b in key order, as a
// long scan (scanTick for each), until fn returns false or an error.
func (s *Bolt) scan(tx *bolt.Tx, b []byte, fn func(k, v []byte) (bool, error)) error {
	c := tx.Bucket(b).Cursor()
	n := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s.scanTick(tx, &n)
		if more, err := fn(k, v); !more || err != nil {
			return err
		}
	}
	return nil
}

// scanTrimEvery: a check every 256 records costs a scan under 10 ns a
// record, and keeps what it maps between two checks to a few megabytes
// (at 2048, an outbox scan, a few large records a page, mapped 70 MB).
const scanTrimEvery = 256

// KeepMapped turns the trimming off (on: the mapped pages stay resident
// until the kernel reclaims them, as bbolt leaves them; benchmarks compare).
func (s *Bolt) KeepMapped(on bool) {
	s.trim.mu.Lock()
	defer s.trim.mu.Unlock()
	s.trim.off = on
}

// Trims is how many times the store gave its mapped pages back (tests).
func (s *Bolt) Trims() int {
	s.trim.mu.Lock()
	defer s.trim.mu.Unlock()
	return s.trim.trims
}

// TrimMapped gives the store's mapped pages back now (tests, and a caller
// that knows it has just read a lot).
func (s *Bolt) TrimMapped() error {
	if !mapTrimSupported {
		return nil
	}
	return s.db.View(func(tx *bolt.Tx) error { return dropMapped(s.db, tx.Size()) })
}
