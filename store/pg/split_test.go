package pg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/hark-tui/hark/store"
)

// TestSplitRefs: Search's two values decode into the refs, in order, or
// are refused (the caller reads the rows instead).
func TestSplitRefs(t *testing.T) {
	key := func(rank, id byte) []byte {
		k := make([]byte, 25)
		k[0], k[24] = rank, id
		return k
	}
	val := func(brand string) []byte { return []byte("\x01mastodon\x00" + brand) }
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name       string
		n          int
		keys, vals []byte
		keep       func(store.Ref) bool
		ok         bool
		ids        []string
	}{
		{"none", 0, nil, nil, nil, true, nil},
		{"two", 2, join(key(0, 7), key(3, 2)), join(val("Skylark Air"), []byte{0xFF}, val("Petal")), nil, true, []string{"7", "2"}},
		{"kept", 2, join(key(0, 7), key(3, 2)), join(val("Skylark Air"), []byte{0xFF}, val("Petal")),
			func(r store.Ref) bool { return r.Brand == "Petal" }, true, []string{"2"}},
		{"a short key", 2, join(key(0, 7), key(3, 2)[:24]), join(val("a"), []byte{0xFF}, val("b")), nil, false, nil},
		{"0xFF in a brand", 2, join(key(0, 7), key(3, 2)), join(val("a\xffb"), []byte{0xFF}, val("b")), nil, false, nil},
		{"a value missing", 2, join(key(0, 7), key(3, 2)), val("a"), nil, false, nil},
		{"out of order", 2, join(key(3, 2), key(0, 7)), join(val("a"), []byte{0xFF}, val("b")), nil, false, nil},
	}
	for _, tc := range tests {
		for parts := 1; parts <= 3; parts++ {
			t.Run(fmt.Sprintf("%s/%d parts", tc.name, parts), func(t *testing.T) {
				refs, ok := splitRefsIn(tc.n, tc.keys, tc.vals, tc.keep, parts)
				if ok != tc.ok {
					t.Fatalf("ok = %v, want %v", ok, tc.ok)
				}
				var ids []string
				for _, r := range refs {
					ids = append(ids, r.ID)
				}
				if !slices.Equal(ids, tc.ids) {
					t.Fatalf("ids = %v, want %v", ids, tc.ids)
				}
				for _, r := range refs {
					if r.Network != "mastodon" || !r.Direct || len(r.Sort) != 25 {
						t.Fatalf("ref %+v", r)
					}
				}
			})
		}
	}
}

// packedRefs builds the two values of a search that found n
// conversations: keys in order, values of several networks and brands.
func packedRefs(n int) (keys, vals []byte) {
	brands := []string{"Skylark Air", "Petal", "Nordlicht Bahn", "Kavárna"}
	nets := []string{"mastodon", "bluesky", "x", "rss"}
	for i := range n {
		k := make([]byte, 25)
		k[0] = 3
		binary.BigEndian.PutUint64(k[1:9], uint64(i))
		binary.BigEndian.PutUint64(k[17:25], uint64(1_000_000+i*7))
		keys = append(keys, k...)
		if i > 0 {
			vals = append(vals, 0xFF)
		}
		vals = append(vals, byte(i%3))
		vals = append(vals, nets[i%4]+"\x00"+brands[(i/4)%4]...)
	}
	return keys, vals
}

// TestSplitRefsParts: decoded in parts, a result is the same refs as
// decoded in one (filtered the same way), and damage on either side of a
// part's edge is refused whatever the parts.
func TestSplitRefsParts(t *testing.T) {
	const n = 1000
	keys, vals := packedRefs(n)
	keep := func(r store.Ref) bool { return r.Brand != "Petal" }
	want, ok := splitRefsIn(n, keys, vals, keep, 1)
	if !ok || len(want) == 0 || len(want) == n { // keep drops some
		t.Fatalf("one part: %d refs, ok %v", len(want), ok)
	}
	sep := func(i int) int { // the index of the separator after ref i
		off := 0
		for range i + 1 {
			off += bytes.IndexByte(vals[off:], 0xFF) + 1
		}
		return off - 1
	}
	damaged := map[string]func() ([]byte, []byte){
		"keys swapped at the middle": func() ([]byte, []byte) {
			k := bytes.Clone(keys)
			copy(k[25*499:25*500], keys[25*500:25*501])
			copy(k[25*500:25*501], keys[25*499:25*500])
			return k, vals
		},
		"a separator missing at the middle": func() ([]byte, []byte) {
			j := sep(499)
			return keys, append(bytes.Clone(vals[:j]), vals[j+1:]...)
		},
		"an extra separator near the end": func() ([]byte, []byte) {
			j := sep(997)
			return keys, append(append(bytes.Clone(vals[:j]), 0xFF), vals[j:]...)
		},
		"a separator after the last": func() ([]byte, []byte) {
			return keys, append(bytes.Clone(vals), 0xFF)
		},
	}
	for _, parts := range []int{2, 3, 4, 7, n, n + 5} {
		got, ok := splitRefsIn(n, keys, vals, keep, parts)
		if !ok || len(got) != len(want) {
			t.Fatalf("%d parts: %d refs, ok %v; want %d", parts, len(got), ok, len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID || got[i].Brand != want[i].Brand || got[i].Network != want[i].Network ||
				got[i].Direct != want[i].Direct || got[i].VIP != want[i].VIP || !bytes.Equal(got[i].Sort, want[i].Sort) {
				t.Fatalf("%d parts, ref %d: %+v, want %+v", parts, i, got[i], want[i])
			}
		}
		for name, damage := range damaged {
			k, v := damage()
			if refs, ok := splitRefsIn(n, k, v, nil, parts); ok {
				t.Errorf("%d parts, %s: %d refs accepted", parts, name, len(refs))
			}
		}
	}
}

// BenchmarkSplitRefs: the client's part of a search that finds 198,757
// conversations (is:resolved at 200k): decoding the two folded values,
// in one part and in splitParts' (one a CPU).
func BenchmarkSplitRefs(b *testing.B) {
	const n = 198_757
	keys, vals := packedRefs(n)
	for _, parts := range []int{1, splitParts(n)} {
		b.Run(fmt.Sprintf("parts=%d", parts), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if refs, ok := splitRefsIn(n, keys, vals, nil, parts); !ok || len(refs) != n {
					b.Fatal(ok, len(refs))
				}
			}
		})
	}
}
