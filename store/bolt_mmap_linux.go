package store

import (
	"bytes"
	"os"
	"strconv"
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

// residentShared is the process's resident file-backed (and shared
// memory) bytes: the third field of /proc/self/statm.
func residentShared() (int64, bool) {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(raw)
	if len(f) < 3 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0, false
	}
	return n * pageSize, true
}
