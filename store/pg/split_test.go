package pg

import (
	"bytes"
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
		t.Run(tc.name, func(t *testing.T) {
			refs, ok := splitRefs(tc.n, tc.keys, tc.vals, tc.keep)
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
