package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	bolt "go.etcd.io/bbolt"
)

// The running totals of the stats report (package stats: Cell, OpCell),
// moved in the transaction that changes a conversation:
//
//	'c' hour(8) brand 0 network   → Cell (binary: stats.Cell.MarshalBinary)
//	'o' hour(8) brand 0 operator  → OpCell
//
// hour is the Unix hour of the conversation's creation, offset so that it
// sorts as bytes; a report reads the hours it covers, a range.
var bTotals = []byte("totals")

func hourKey(kind byte, hour int64, a, b string) []byte {
	k := make([]byte, 9, 10+len(a)+len(b))
	k[0] = kind
	binary.BigEndian.PutUint64(k[1:], uint64(hour)^(1<<63))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

// moveTotals applies what changing old (nil: new) into c changes.
func moveTotals(tx *bolt.Tx, old, c *social.Conversation) error {
	if tx.Bucket(bTotals) == nil {
		return nil
	}
	var t totalsDelta
	t.add(old, c)
	return t.apply(tx)
}

// addCell merges a change (a cell's or an operator cell's) into the cell
// at k: the cell deleted when it counts nothing.
func addCell(b *bolt.Bucket, k []byte, d stats.Change) error {
	c, err := d.Onto(b.Get(k))
	if err != nil {
		return fmt.Errorf("totals %x: %w", k, err)
	}
	if c.Zero() {
		return b.Delete(k)
	}
	raw, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

// totalsDelta gathers the changes several conversations make to the
// running totals, to apply each cell's once, in key order (a poll's
// batch: its conversations share hours, brands and networks, and each
// cell read, decoded, encoded and written once is the same sum).
type totalsDelta struct {
	cells map[string]*stats.Cell
	ops   map[string]*stats.OpCell
}

// add gathers what changing old (nil: new) into c changes.
func (t *totalsDelta) add(old, c *social.Conversation) {
	if t.cells == nil {
		t.cells, t.ops = map[string]*stats.Cell{}, map[string]*stats.OpCell{}
	}
	cells, ops := stats.Delta(old, c)
	for _, d := range cells {
		k := string(hourKey('c', d.Hour, d.Brand, d.Network))
		if x := t.cells[k]; x != nil {
			x.Merge(d)
		} else {
			t.cells[k] = d
		}
	}
	for _, d := range ops {
		k := string(hourKey('o', d.Hour, d.Brand, d.Key))
		if x := t.ops[k]; x != nil {
			x.Merge(d) // a later name wins, as applied one by one
		} else {
			t.ops[k] = d
		}
	}
}

// apply writes what was gathered.
func (t *totalsDelta) apply(tx *bolt.Tx) error {
	b := tx.Bucket(bTotals)
	if b == nil {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(t.cells)) {
		if err := addCell(b, []byte(k), t.cells[k]); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.ops)) {
		if err := addCell(b, []byte(k), t.ops[k]); err != nil {
			return err
		}
	}
	return nil
}

// migrateTotals (schema 5) counts every conversation into the totals.
func migrateTotals(tx *bolt.Tx) error {
	if tx.Bucket(bTotals) != nil {
		if err := tx.DeleteBucket(bTotals); err != nil {
			return err
		}
	}
	if _, err := tx.CreateBucket(bTotals); err != nil {
		return err
	}
	return tx.Bucket(bConvs).ForEach(func(k, v []byte) error {
		c, err := convBin.decode(v)
		if err != nil {
			return nil // an undecodable conversation counts nowhere (doctor says so)
		}
		return moveTotals(tx, nil, &c)
	})
}

// migrateTotalsBinary (schema 7) recounts the totals of a store whose
// cells are JSON (schema 5 of a development build); a store migrated from
// an older schema has binary cells already and is left alone.
func migrateTotalsBinary(tx *bolt.Tx) error {
	if b := tx.Bucket(bTotals); b != nil {
		if _, v := b.Cursor().First(); len(v) > 0 && v[0] != '{' {
			return nil
		}
	}
	return migrateTotals(tx)
}

// StatTotals calls cell and op for the running totals of the hours from
// to to (inclusive); what they are given is valid during the call only.
func (s *Bolt) StatTotals(ctx context.Context, from, to int64, cell func(*stats.Cell), op func(*stats.OpCell)) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bTotals)
		if b == nil {
			return ErrNoTotals
		}
		for _, kind := range []byte{'c', 'o'} {
			if kind == 'o' && op == nil {
				continue
			}
			lo := hourKey(kind, from, "", "")[:9]
			hi := hourKey(kind, to+1, "", "")[:9]
			c := b.Cursor()
			var x stats.Cell // one of each, reused: the callbacks must not keep them
			var o stats.OpCell
			n := 0
			for k, v := c.Seek(lo); k != nil && string(k[:9]) < string(hi); k, v = c.Next() {
				s.scanTick(tx, &n)
				if kind == 'c' {
					if err := x.UnmarshalBinary(v); err != nil {
						return fmt.Errorf("totals %x: %w", k, err)
					}
					cell(&x)
				} else {
					if err := o.UnmarshalBinary(v); err != nil {
						return fmt.Errorf("totals %x: %w", k, err)
					}
					op(&o)
				}
			}
		}
		return nil
	})
}

var _ StatsReader = (*Bolt)(nil)
