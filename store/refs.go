package store

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/hark-tui/hark/social"
)

// RefBuf decodes many refs (a view, a search's result) with a handful of
// allocations: their sort keys share byte chunks, their ids string chunks
// (a strings.Builder only ever appended to: a string it returned stays
// valid), their networks and brands a table. Decoding 200k refs one
// allocation each for the key and the id, into a slice that grew by
// doubling, was most of a search matching the whole store (is:resolved).
// A ref keeps its chunks alive: a kept list of refs holds about 32 bytes a
// ref beside the Ref itself, as before.
type RefBuf struct {
	names refNames
	keys  []byte
	ids   strings.Builder
	// refs expected (0: unknown), for the first key and id chunks
	keyHint, idHint int
}

// refChunk is the number of refs a chunk holds when the total is unknown.
const refChunk = 4096

// NewRefBuf is a RefBuf for about n refs (0: unknown): its first chunks
// are sized for them.
func NewRefBuf(n int) *RefBuf { return &RefBuf{keyHint: max(n, 0), idHint: max(n, 0)} }

// Decode builds a Ref from an index key (25 bytes: rank, a, b, id) and
// value.
func (b *RefBuf) Decode(k, v []byte) Ref {
	if b.names == nil {
		b.names = refNames{}
	}
	r := refFields(k, v, b.names)
	r.Sort = b.key(k)
	if len(k) >= 25 {
		r.ID = b.id(binary.BigEndian.Uint64(k[17:25]))
	} else {
		r.ID = idString(k[17:])
	}
	return r
}

// chunk is the number of refs the next chunk holds: the hint for the
// first one (it holds them all), then refChunk.
func chunk(hint *int) int {
	n := refChunk
	if *hint > 0 {
		n, *hint = *hint, 0
	}
	return n
}

// key copies k into the current chunk (a new one when it is full): the
// slice returned has no room to grow (an append copies it).
func (b *RefBuf) key(k []byte) []byte {
	if cap(b.keys)-len(b.keys) < len(k) {
		b.keys = make([]byte, 0, chunk(&b.keyHint)*len(k))
	}
	i := len(b.keys)
	b.keys = append(b.keys, k...)
	return b.keys[i:len(b.keys):len(b.keys)]
}

// id writes n in decimal into the current string chunk.
func (b *RefBuf) id(n uint64) string {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], n, 10)
	if b.ids.Cap()-b.ids.Len() < len(d) {
		// a new chunk (the old one stays with the strings cut from it)
		b.ids = strings.Builder{}
		b.ids.Grow(chunk(&b.idHint) * 7) // ids up to a million: 6 digits or fewer
	}
	i := b.ids.Len()
	b.ids.Write(d)
	return b.ids.String()[i:]
}

// ClipRefs copies a result much smaller than the room it was given (its
// size was an upper bound: keep or a brand dropped most) into a slice of
// its own size, so that a caller keeping it does not keep the room.
func ClipRefs(refs []Ref) []Ref {
	switch {
	case len(refs) == 0:
		return nil // as a search that found nothing always returned
	case cap(refs)-len(refs) <= len(refs)/4+64:
		return refs
	}
	out := make([]Ref, len(refs))
	copy(out, refs)
	return out
}

// rankAlone reports whether state s has a queue rank to itself (pending,
// snoozed, resolved; new and open share the inbox's): its conversations
// are that rank's range of the queue index, no posting needed.
func rankAlone(s social.State) bool {
	switch s {
	case social.StatePending, social.StateSnoozed, social.StateResolved:
		return true
	}
	return false
}

// queueTrimEvery is how many queue index entries a walk reads between two
// checks of the resident set (trimIn): about 40 entries a page, and a cold
// walk of the 200k entries mapped 191 MB (fault-around maps neighbouring
// pages too), so about 2 MB between checks; at scanTrimEvery (256), a
// search matching the whole store read /proc/self/statm 780 times, a
// tenth of its time.
const queueTrimEvery = 2048
