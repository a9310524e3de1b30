package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Record is one item of a store copy, in the bytes the store keeps: a
// document (JSON) or a value (cursor, draft text).
type Record struct {
	Kind RecordKind
	Key  string // conversation id, post key, contact key, draft's conversation id, feed id, outbox seq, sequence name
	Doc  []byte
}

// RecordKind says what a Record holds.
type RecordKind string

// Record kinds, in the order Export gives them.
const (
	RecSeq     RecordKind = "seq" // Key "conv" or "outbox", Doc the decimal number
	RecConv    RecordKind = "conv"
	RecPost    RecordKind = "post"
	RecContact RecordKind = "contact"
	RecDraft   RecordKind = "draft"
	RecCursor  RecordKind = "cursor"
	RecFeed    RecordKind = "feed"
	RecOutbox  RecordKind = "outbox"
	RecCanned  RecordKind = "canned" // Key the canned answer id
)

// Copier is a store that can be copied: Export gives every record from one
// snapshot; Import writes records into an empty store, keeping their bytes
// (ids, keys, versions and documents as they were), and rebuilds the
// indexes and counts.
type Copier interface {
	Export(ctx context.Context, fn func(Record) error) error
	Import(ctx context.Context, recs []Record) error
	// Empty reports whether the store holds nothing yet.
	Empty(ctx context.Context) (bool, error)
	// CountRecords is how many records Export gives (for progress).
	CountRecords(ctx context.Context) (int, error)
}

// ErrNotEmpty refuses a copy into a store that holds data.
var ErrNotEmpty = errors.New("the target store is not empty")

// Copy copies every record of from into the empty store to, in batches,
// calling progress after each batch with the records copied so far.
func Copy(ctx context.Context, from, to Store, progress func(done int)) error {
	src, ok := from.(Copier)
	if !ok {
		return fmt.Errorf("%s store cannot be copied from", from.Backend())
	}
	dst, ok := to.(Copier)
	if !ok {
		return fmt.Errorf("%s store cannot be copied to", to.Backend())
	}
	if empty, err := dst.Empty(ctx); err != nil {
		return err
	} else if !empty {
		return fmt.Errorf("%s: %w: copy into a new file or an empty database", to.Path(), ErrNotEmpty)
	}
	const batch = 2000
	var buf []Record
	done := 0
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := dst.Import(ctx, buf); err != nil {
			return fmt.Errorf("writing to %s: %w", to.Path(), err)
		}
		done += len(buf)
		buf = buf[:0]
		if progress != nil {
			progress(done)
		}
		return nil
	}
	err := src.Export(ctx, func(r Record) error {
		r.Doc = append([]byte(nil), r.Doc...)
		buf = append(buf, r)
		if len(buf) >= batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	// the search index is derived: built from what was copied
	if x, ok := to.(Searcher); ok {
		if err := x.Reindex(ctx, true, nil); err != nil {
			return fmt.Errorf("indexing %s: %w", to.Path(), err)
		}
	}
	return nil
}

// ConvIndex is what Import needs from a conversation document: its id,
// root key, sort key, index value and rank.
func ConvIndex(doc []byte) (id uint64, root string, sort, ref []byte, rank int, err error) {
	c, err := convBin.decode(doc)
	if err != nil {
		return 0, "", nil, nil, 0, err
	}
	k, err := parseID(c.ID)
	if err != nil {
		return 0, "", nil, nil, 0, err
	}
	id, _ = ParseID(c.ID)
	return id, c.RootKey, sortKey(&c, k), refValue(&c), int(rankOf(c.State)), nil
}

// OutboxIndex is what Import needs from an outbox document.
func OutboxIndex(doc []byte) (OutboxEntry, error) {
	var e OutboxEntry
	err := json.Unmarshal(doc, &e)
	return e, err
}
