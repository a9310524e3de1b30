package store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

const mapTrimSupported = true

// dropMapped drops the process's mapping of the first size bytes of the
// store (its pages stay in the page cache). The caller holds a read
// transaction: bbolt remaps only when none is open, so the mapping cannot
// move or shrink meanwhile.
func dropMapped(db *bolt.DB, size int64) error {
	if size <= 0 {
		return nil
	}
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(size), syscall.MADV_DONTNEED)
	if errno != 0 {
		return errno
	}
	return nil
}

var pageSize = int64(os.Getpagesize())

// statm is /proc/self/statm, opened once: a check of the resident set is
// a pread of it (about 3 µs; opening it each time cost 10).
var statm struct {
	sync.Mutex
	f   *os.File
	err error
	buf [128]byte
}

// residentShared is the process's resident file-backed (and shared
// memory) bytes: the third field of /proc/self/statm.
func residentShared() (int64, bool) {
	statm.Lock()
	defer statm.Unlock()
	if statm.f == nil && statm.err == nil {
		statm.f, statm.err = os.Open("/proc/self/statm")
	}
	if statm.err != nil {
		return 0, false
	}
	n, err := statm.f.ReadAt(statm.buf[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	f := bytes.Fields(statm.buf[:n])
	if len(f) < 3 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * pageSize, true
}
