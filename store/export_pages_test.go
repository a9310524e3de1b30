package store

import (
	"encoding/binary"
	"os"
)

// BucketPages is the page ids of each top-level bucket of the store file at
// path (its newest meta), read from the file as pageCheck does:
// BenchmarkIngestVsRaw's HARK_BUCKET_PAGES=1 diffs them around each batch
// (bbolt copies every page it changes, so the pages new to a bucket are
// the ones the commit wrote for it).
func BucketPages(path string) map[string]map[uint64]bool {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, _ := f.Stat()
	m, ok := headerMeta(f, fi.Size())
	if !ok {
		return nil
	}
	ps := int64(m.pageSize)
	var meta [pageHeaderSize + metaSize]byte
	for _, off := range []int64{0, ps} {
		if mm, ok := readMeta(f, off); ok && mm.txid == m.txid {
			f.ReadAt(meta[:], off)
		}
	}
	le := binary.LittleEndian
	root := le.Uint64(meta[pageHeaderSize+16:])
	out := map[string]map[uint64]bool{}
	read := func(id uint64) []byte {
		var hdr [pageHeaderSize]byte
		f.ReadAt(hdr[:], int64(id)*ps)
		ov := uint64(le.Uint32(hdr[12:]))
		buf := make([]byte, int64(ov+1)*ps)
		f.ReadAt(buf, int64(id)*ps)
		return buf
	}
	var walk func(id uint64, set map[uint64]bool, top bool)
	walk = func(id uint64, set map[uint64]bool, top bool) {
		p := read(id)
		if set != nil {
			set[id] = true
		}
		flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
		for i := range count {
			off := pageHeaderSize + 16*i
			e := p[off : off+16]
			if flags == branchPage {
				walk(le.Uint64(e[8:]), set, top)
				continue
			}
			eflags, pos, ksize, vsize := le.Uint32(e[0:]), int(le.Uint32(e[4:])), int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
			if eflags&bucketLeaf != 0 && vsize >= 16 {
				k := string(p[off+pos : off+pos+ksize])
				sub := le.Uint64(p[off+pos+ksize:])
				s := set
				if top {
					s = map[uint64]bool{}
					out[k] = s
				}
				if sub != 0 {
					walk(sub, s, false)
				}
			}
		}
	}
	rs := map[uint64]bool{}
	out["(root)"] = rs
	walk(root, rs, true)
	return out
}
