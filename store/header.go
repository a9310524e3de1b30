package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's file header: two meta pages at the start of the file. Each page
// starts with a 16-byte page header; the meta follows: magic, version,
// page size, flags (4 bytes each), the root bucket (16), the freelist page
// (8), the high-water mark — how many pages the file holds — (8), the
// transaction id (8) and an FNV-64a checksum of the 56 bytes before it.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64
)

type boltMeta struct {
	pageSize uint32
	pages    uint64 // high-water mark
	txid     uint64
}

// readMeta decodes and checks the meta at off; ok is false when it is not
// a valid bbolt meta (bad magic, version or checksum).
func readMeta(f io.ReaderAt, off int64) (boltMeta, bool) {
	var b [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return boltMeta{}, false
	}
	m := b[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), pages: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// headerMeta is the newer valid meta of the file (size bytes long), as
// bbolt would use it; found is false when neither meta page is valid.
func headerMeta(f io.ReaderAt, size int64) (best boltMeta, found bool) {
	if m, ok := readMeta(f, 0); ok {
		best, found = m, true
		if m1, ok := readMeta(f, int64(m.pageSize)); ok && m1.txid > m.txid {
			best = m1
		}
		return best, found
	}
	// page 0 is unreadable: look for page 1 at every page size bbolt uses
	for ps := int64(1024); ps <= 16<<20 && ps < size; ps *= 2 {
		if m1, ok := readMeta(f, ps); ok && int64(m1.pageSize) == ps {
			return m1, true
		}
	}
	return boltMeta{}, false
}

// errDamaged says a store file cannot be a whole bbolt file.
var errDamaged = errors.New("the file is damaged")

// openSized opens the file at path for reading and returns it with its
// size.
func openSized(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// checkHeader compares the file's size with what its header says it
// holds, before bbolt maps it: pages past the end of a truncated file
// would be read through the mapping and crash the process (SIGBUS) instead
// of failing. A missing file, or one whose header bbolt itself rejects, is
// left to bbolt; an empty file is reported (bbolt cannot read one).
func checkHeader(path string, readOnly bool) error {
	f, size, err := openSized(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if size == 0 {
		if readOnly {
			return fmt.Errorf("the file is empty (0 bytes), not a hark store: nothing to read yet; " +
				"hark makes a new store there when it runs (if a store was there, the file is damaged: move it aside)")
		}
		return nil // bbolt writes a new store into it
	}
	best, found := headerMeta(f, size)
	if !found {
		if size < 2*1024 {
			return fmt.Errorf("%w: %d bytes is too short for a store header", errDamaged, size)
		}
		return nil // bbolt reports an invalid header itself
	}
	if best.pageSize < 512 || best.pageSize > 16<<20 {
		return fmt.Errorf("%w: its header gives a page size of %d bytes", errDamaged, best.pageSize)
	}
	want := int64(best.pages) * int64(best.pageSize)
	if best.pages < 4 || want/int64(best.pageSize) != int64(best.pages) {
		return fmt.Errorf("%w: its header gives %d pages", errDamaged, best.pages)
	}
	if size < want {
		return fmt.Errorf("%w: it is %d bytes long, but its header says it holds %d pages of %d bytes (%d bytes): it was cut short",
			errDamaged, size, best.pages, best.pageSize, want)
	}
	return nil
}
