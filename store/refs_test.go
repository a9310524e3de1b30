package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
)

// TestRefBuf: refs decoded into shared chunks equal those decoded one by
// one, across chunk boundaries, whatever the hint; a ref's key cannot be
// grown into its neighbour's.
func TestRefBuf(t *testing.T) {
	const n = 2*refChunk + 17
	key := func(i int) []byte {
		k := make([]byte, 25)
		k[0] = byte(i % 4)
		binary.BigEndian.PutUint64(k[1:], uint64(i)*7919)
		binary.BigEndian.PutUint64(k[9:], uint64(i)*31)
		binary.BigEndian.PutUint64(k[17:], uint64(i)*1_000_003+1) // ids of 1 to 14 digits
		return k
	}
	val := func(i int) []byte {
		return []byte(fmt.Sprintf("%c%s\x00%s", byte(i%4), []string{"mastodon", "bluesky", "x"}[i%3], []string{"Skylark Air", "Petal & Stem"}[i%2]))
	}
	for _, hint := range []int{0, 10, n, 3 * n} {
		t.Run(fmt.Sprint("hint ", hint), func(t *testing.T) {
			buf := NewRefBuf(hint)
			got := make([]Ref, n)
			for i := range n {
				got[i] = buf.Decode(key(i), val(i))
			}
			for i, r := range got {
				want := decodeRef(key(i), val(i), nil)
				if !reflect.DeepEqual(r, want) {
					t.Fatalf("ref %d: %+v, want %+v", i, r, want)
				}
				if cap(r.Sort) != len(r.Sort) {
					t.Fatalf("ref %d: key with room to grow (cap %d)", i, cap(r.Sort))
				}
			}
			_ = append(got[0].Sort, 0xEE) // copies: the next key stays
			if !bytes.Equal(got[1].Sort, key(1)) {
				t.Fatal("appending to a key changed the next one")
			}
		})
	}
}

func TestClipRefs(t *testing.T) {
	tests := []struct {
		name          string
		len, cap      int
		wantNil, copy bool
	}{
		{"empty", 0, 100, true, false},
		{"full", 100, 100, false, false},
		{"little room", 100, 150, false, false},
		{"most dropped", 100, 1000, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refs := make([]Ref, tc.len, tc.cap)
			got := ClipRefs(refs)
			switch {
			case tc.wantNil:
				if got != nil {
					t.Fatalf("got %d refs, want nil", len(got))
				}
			case len(got) != tc.len:
				t.Fatalf("len %d, want %d", len(got), tc.len)
			case tc.copy && cap(got) != tc.len:
				t.Fatalf("cap %d, want %d (a copy)", cap(got), tc.len)
			case !tc.copy && cap(got) != tc.cap:
				t.Fatalf("cap %d, want the slice itself (%d)", cap(got), tc.cap)
			}
		})
	}
}
