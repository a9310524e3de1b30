package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
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
func pageCheck(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	m, ok := headerMeta(f, fi.Size())
	if !ok {
		return errors.New("no valid meta page")
	}
	c := &checker{f: f, ps: int64(m.pageSize), hwm: m.pages, seen: map[uint64]bool{0: true, 1: true}}
	var meta [pageHeaderSize + metaSize]byte
	// the newest meta: the one with m's txid
	for _, off := range []int64{0, c.ps} {
		if mm, ok := readMeta(f, off); ok && mm.txid == m.txid {
			f.ReadAt(meta[:], off)
		}
	}
	le := binary.LittleEndian
	root, freelist := le.Uint64(meta[pageHeaderSize+16:]), le.Uint64(meta[pageHeaderSize+32:])
	free := map[uint64]bool{}
	if freelist != noFreelist {
		c.freelist(freelist, free)
	}
	c.walk(root, "root", 0)
	if freelist != noFreelist && len(c.problems) == 0 {
		for id := uint64(2); id < c.hwm; id++ {
			if !c.seen[id] && !free[id] {
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
	seen     map[uint64]bool
	problems []error
}

func (c *checker) add(format string, args ...any) {
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	}
}

// read returns page id with its overflow pages, or nil after reporting why
// it cannot be read.
func (c *checker) read(id uint64, from string) []byte {
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
		if c.seen[i] {
			c.add("page %d (from %s): reached twice", i, from)
			return nil
		}
		c.seen[i] = true
	}
	buf := make([]byte, int64(overflow+1)*c.ps)
	if _, err := c.f.ReadAt(buf, int64(id)*c.ps); err != nil {
		c.add("page %d: %v", id, err)
		return nil
	}
	return buf
}

func (c *checker) walk(id uint64, from string, depth int) {
	if depth > 64 {
		c.add("page %d: the tree is deeper than 64 levels", id)
		return
	}
	p := c.read(id, from)
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

func (c *checker) freelist(id uint64, free map[uint64]bool) {
	p := c.read(id, "meta")
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
		if free[fid] {
			c.add("page %d: freed twice", fid)
		}
		free[fid] = true
	}
}
