package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Page flags and the bucket flag of a leaf element (bbolt's file format).
const (
	branchPage   = 0x01
	leafPage     = 0x02
	freelistPage = 0x10
	bucketLeaf   = 0x01
	noFreelist   = ^uint64(0)
)

// pageCheck walks the store file's b-tree from its newest meta page by
// reading the file, not through bbolt's mapping: bbolt's own Check panics
// (in a goroutine of its own, so nothing can recover) on a page of the
// wrong type. It reports pages out of range, of an unknown type, reached
// twice, or whose elements overrun the page, and pages neither reachable
// nor free. At most 20 problems are returned, joined.
//
// It reads with pread, so the pages it reads stay in the page cache and
// not in hark's resident set, into one buffer per level of the tree (not
// one per page: a 1.3 GB store would allocate 1.3 GB), and marks the pages
// it reached and the free ones in bitsets (40 KB at 1.3 GB, where maps
// took tens of megabytes).
func pageCheck(path string) error {
	f, size, err := openSized(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m, ok := headerMeta(f, size)
	if !ok {
		return errors.New("no valid meta page")
	}
	c := &checker{f: f, ps: int64(m.pageSize), hwm: m.pages, seen: newPageSet(m.pages)}
	c.seen.add(0)
	c.seen.add(1)
	var meta [pageHeaderSize + metaSize]byte
	// the newest meta: the one with m's txid
	for _, off := range []int64{0, c.ps} {
		if mm, ok := readMeta(f, off); ok && mm.txid == m.txid {
			f.ReadAt(meta[:], off)
		}
	}
	le := binary.LittleEndian
	root, freelist := le.Uint64(meta[pageHeaderSize+16:]), le.Uint64(meta[pageHeaderSize+32:])
	free := newPageSet(m.pages)
	if freelist != noFreelist {
		c.freelist(freelist, free)
	}
	c.walk(root, "root", 0)
	if freelist != noFreelist && len(c.problems) == 0 {
		for id := uint64(2); id < c.hwm; id++ {
			if !c.seen.has(id) && !free.has(id) {
				c.add("page %d: unreachable unfreed", id)
			}
		}
	}
	return errors.Join(c.problems...)
}

type checker struct {
	f        io.ReaderAt
	ps       int64
	hwm      uint64
	seen     pageSet
	bufs     [][]byte // bufs[depth]: the page being read at that depth of the walk
	problems []error
}

// pageSet is a set of page ids below the high-water mark, a bit each.
type pageSet []uint64

func newPageSet(hwm uint64) pageSet { return make(pageSet, (hwm+63)/64) }

// has reports whether id (below the high-water mark) is in the set.
func (s pageSet) has(id uint64) bool { return s[id/64]&(1<<(id%64)) != 0 }

// add puts id (below the high-water mark) in the set.
func (s pageSet) add(id uint64) { s[id/64] |= 1 << (id % 64) }

func (c *checker) add(format string, args ...any) {
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	}
}

// read returns page id with its overflow pages, or nil after reporting why
// it cannot be read. The bytes are the buffer of depth: valid until the
// next read at the same depth.
func (c *checker) read(id uint64, from string, depth int) []byte {
	if id < 2 || id >= c.hwm {
		c.add("page %d (from %s): out of range [2, %d)", id, from, c.hwm)
		return nil
	}
	var hdr [pageHeaderSize]byte
	if _, err := c.f.ReadAt(hdr[:], int64(id)*c.ps); err != nil {
		c.add("page %d: %v", id, err)
		return nil
	}
	le := binary.LittleEndian
	if got := le.Uint64(hdr[:]); got != id {
		c.add("page %d (from %s): holds page id %d", id, from, got)
		return nil
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if id+overflow >= c.hwm {
		c.add("page %d: %d overflow pages run past the last page %d", id, overflow, c.hwm-1)
		return nil
	}
	for i := id; i <= id+overflow; i++ {
		if c.seen.has(i) {
			c.add("page %d (from %s): reached twice", i, from)
			return nil
		}
		c.seen.add(i)
	}
	buf := c.buf(depth, int64(overflow+1)*c.ps)
	if _, err := c.f.ReadAt(buf, int64(id)*c.ps); err != nil {
		c.add("page %d: %v", id, err)
		return nil
	}
	return buf
}

// buf is the buffer of depth, n bytes long.
func (c *checker) buf(depth int, n int64) []byte {
	for len(c.bufs) <= depth {
		c.bufs = append(c.bufs, nil)
	}
	if int64(cap(c.bufs[depth])) < n {
		c.bufs[depth] = make([]byte, n)
	}
	return c.bufs[depth][:n]
}

func (c *checker) walk(id uint64, from string, depth int) {
	if depth > 64 {
		c.add("page %d: the tree is deeper than 64 levels", id)
		return
	}
	p := c.read(id, from, depth)
	if p == nil {
		return
	}
	le := binary.LittleEndian
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if flags != branchPage && flags != leafPage {
		c.add("page %d (from %s): invalid type %#x", id, from, flags)
		return
	}
	if pageHeaderSize+16*count > len(p) {
		c.add("page %d: %d elements do not fit", id, count)
		return
	}
	here := fmt.Sprintf("page %d", id)
	for i := range count {
		off := pageHeaderSize + 16*i
		e := p[off : off+16]
		if flags == branchPage {
			pos, ksize, child := int(le.Uint32(e[0:])), int(le.Uint32(e[4:])), le.Uint64(e[8:])
			if off+pos+ksize > len(p) || pos < 0 {
				c.add("page %d: element %d overruns the page", id, i)
				return
			}
			c.walk(child, here, depth+1)
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e[0:]), int(le.Uint32(e[4:])), int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
		end := off + pos + ksize + vsize
		if end > len(p) || end < off {
			c.add("page %d: element %d overruns the page", id, i)
			return
		}
		if eflags&bucketLeaf != 0 && vsize >= 16 {
			v := p[off+pos+ksize : end]
			if sub := le.Uint64(v); sub != 0 { // 0: an inline bucket, inside this page
				c.walk(sub, here, depth+1)
			}
		}
	}
}

func (c *checker) freelist(id uint64, free pageSet) {
	p := c.read(id, "meta", 0)
	if p == nil {
		return
	}
	le := binary.LittleEndian
	if flags := le.Uint16(p[8:]); flags != freelistPage {
		c.add("page %d (the freelist): invalid type %#x", id, flags)
		return
	}
	start, count := pageHeaderSize, int(le.Uint16(p[10:]))
	if count == 0xFFFF {
		n := le.Uint64(p[pageHeaderSize:])
		if n > uint64(len(p)) {
			c.add("page %d (the freelist): %d ids do not fit", id, n)
			return
		}
		start, count = pageHeaderSize+8, int(n)
	}
	if start+8*count > len(p) {
		c.add("page %d (the freelist): %d ids do not fit", id, count)
		return
	}
	for i := range count {
		fid := le.Uint64(p[start+8*i:])
		if fid >= c.hwm { // beyond the pages the check goes through
			continue
		}
		if free.has(fid) {
			c.add("page %d: freed twice", fid)
		}
		free.add(fid)
	}
}
