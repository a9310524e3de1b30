package pg

import (
	"context"
	"encoding"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

// The running totals of the stats report live in stat_totals, keyed and
// encoded as bbolt keeps them (store/bolt_totals.go), so both backends
// read the same cells in the same order. A transaction sums what its
// conversation changes move (stats.Delta), then, before its writes, reads
// the cells it touches FOR UPDATE in one statement, merges in Go and
// writes them (or deletes the ones that count nothing) with the rest of
// its writes: one more round trip per writing transaction, exact, and
// concurrent writers queue on the cells' row locks.

var _ store.StatsReader = (*Store)(nil)

// cellKey is bbolt's key of a cell (see store.hourKey).
func cellKey(kind byte, hour int64, a, b string) string {
	k := make([]byte, 9, 10+len(a)+len(b))
	k[0] = kind
	binary.BigEndian.PutUint64(k[1:], uint64(hour)^(1<<63))
	k = append(k, a...)
	k = append(k, 0)
	return string(append(k, b...))
}

// totals is what a transaction moves in the running totals.
type totals struct {
	cells map[string]*stats.Cell
	ops   map[string]*stats.OpCell
	// read ahead (Ingest's prefetch): every cell of these hours, both
	// kinds, locked; have holds the ones that exist
	hours map[int64]bool
	have  map[string][]byte
}

// prefetchQuery queues on b the read of every cell of the hours the
// batch's posts were written in (a new conversation's cells: its hour is
// its first post's), locked, so an ingest of new conversations needs no
// round trip of its own for the totals; readPrefetch takes the rows.
func (d *totals) prefetchQuery(b *pgx.Batch, posts []social.Post) {
	d.hours = map[int64]bool{}
	var lo, hi [][]byte
	for _, p := range posts {
		h := stats.HourOf(p.CreatedAt)
		if p.CreatedAt.IsZero() || d.hours[h] {
			continue
		}
		d.hours[h] = true
		for _, kind := range []byte{'c', 'o'} {
			lo = append(lo, []byte(cellKey(kind, h, "", "")[:9]))
			hi = append(hi, []byte(cellKey(kind, h+1, "", "")[:9]))
		}
	}
	b.Queue(`SELECT s.k, s.cell FROM unnest($1::bytea[], $2::bytea[]) AS r(lo, hi)
		JOIN stat_totals s ON s.k >= r.lo AND s.k < r.hi ORDER BY s.k FOR UPDATE OF s`, lo, hi)
}

func (d *totals) readPrefetch(br pgx.BatchResults) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	d.have = map[string][]byte{}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return err
		}
		d.have[string(k)] = v
	}
	return rows.Err()
}

// covered reports whether key k's cell was read ahead (present or not).
func (d *totals) covered(k []byte) bool {
	return d.hours != nil && len(k) >= 9 && d.hours[int64(binary.BigEndian.Uint64(k[1:9])^(1<<63))]
}

// add sums what changing old (nil: new) into c moves.
func (d *totals) add(old, c *social.Conversation) {
	cells, ops := stats.Delta(old, c)
	if len(cells)+len(ops) == 0 {
		return
	}
	if d.cells == nil {
		d.cells, d.ops = map[string]*stats.Cell{}, map[string]*stats.OpCell{}
	}
	for _, x := range cells {
		k := cellKey('c', x.Hour, x.Brand, x.Network)
		if cur := d.cells[k]; cur != nil {
			cur.Merge(x)
		} else {
			d.cells[k] = x
		}
	}
	for _, x := range ops {
		k := cellKey('o', x.Hour, x.Brand, x.Key)
		if cur := d.ops[k]; cur != nil {
			cur.Merge(x)
		} else {
			d.ops[k] = x
		}
	}
}

func (d *totals) empty() bool { return len(d.cells)+len(d.ops) == 0 }

// apply reads the cells d touches (locked), merges d into them and queues
// their writes on b: an upsert of the changed ones, a delete of the ones
// that now count nothing (as bbolt deletes them).
func (d *totals) apply(ctx context.Context, q querier, b *pgx.Batch) error {
	if d.empty() {
		return nil
	}
	keys := make([][]byte, 0, len(d.cells)+len(d.ops))
	for k := range d.cells {
		keys = append(keys, []byte(k))
	}
	for k := range d.ops {
		keys = append(keys, []byte(k))
	}
	// one order for every writer: no deadlock between two of them
	slices.SortFunc(keys, func(a, b []byte) int { return compareBytes(a, b) })
	cur := map[string][]byte{}
	var missing [][]byte
	for _, k := range keys {
		if d.covered(k) {
			if v, ok := d.have[string(k)]; ok {
				cur[string(k)] = v
			}
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		rows, err := q.Query(ctx, "SELECT k, cell FROM stat_totals WHERE k = ANY($1) ORDER BY k FOR UPDATE", missing)
		if err != nil {
			return fmt.Errorf("running totals: %w", err)
		}
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			cur[string(k)] = v
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("running totals: %w", err)
		}
	}
	var insK, insV, updK, updV, delK [][]byte
	put := func(k string, zero bool, v encoding.BinaryMarshaler) error {
		_, had := cur[k]
		if zero {
			if had {
				delK = append(delK, []byte(k))
			}
			return nil
		}
		raw, err := v.MarshalBinary()
		if err != nil {
			return err
		}
		if had {
			updK, updV = append(updK, []byte(k)), append(updV, raw)
		} else {
			insK, insV = append(insK, []byte(k)), append(insV, raw)
		}
		return nil
	}
	for _, k := range keys {
		if x := d.cells[string(k)]; x != nil {
			var c stats.Cell
			if raw, ok := cur[string(k)]; ok {
				if err := c.UnmarshalBinary(raw); err != nil {
					return fmt.Errorf("totals %x: %w", k, err)
				}
			}
			c.Hour, c.Brand, c.Network = x.Hour, x.Brand, x.Network
			c.Merge(x)
			if err := put(string(k), c.Zero(), &c); err != nil {
				return err
			}
			continue
		}
		x := d.ops[string(k)]
		var c stats.OpCell
		if raw, ok := cur[string(k)]; ok {
			if err := c.UnmarshalBinary(raw); err != nil {
				return fmt.Errorf("totals %x: %w", k, err)
			}
		}
		c.Hour, c.Brand, c.Key = x.Hour, x.Brand, x.Key
		c.Merge(x)
		if err := put(string(k), c.Zero(), &c); err != nil {
			return err
		}
	}
	// a cell another writer inserted since it was read fails the insert
	// (unique key): the transaction runs again and reads it
	if len(insK) > 0 {
		b.Queue("INSERT INTO stat_totals (k, cell) SELECT * FROM unnest($1::bytea[], $2::bytea[])", insK, insV)
	}
	if len(updK) > 0 {
		b.Queue(`UPDATE stat_totals s SET cell = u.v FROM unnest($1::bytea[], $2::bytea[]) AS u(k, v)
			WHERE s.k = u.k`, updK, updV)
	}
	if len(delK) > 0 {
		b.Queue("DELETE FROM stat_totals WHERE k = ANY($1)", delK)
	}
	return nil
}

func compareBytes(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return len(a) - len(b)
}

// StatTotals calls cell and op for the running totals of the hours from
// to to (inclusive), in bbolt's order; what they are given is valid during
// the call only.
func (s *Store) StatTotals(ctx context.Context, from, to int64, cell func(*stats.Cell), op func(*stats.OpCell)) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	kinds := []byte{'c', 'o'}
	if op == nil {
		kinds = kinds[:1]
	}
	var x stats.Cell // one of each, reused: the callbacks must not keep them
	var o stats.OpCell
	for _, kind := range kinds {
		lo := cellKey(kind, from, "", "")[:9]
		hi := cellKey(kind, to+1, "", "")[:9]
		rows, err := s.pool.Query(ctx, "SELECT k, cell FROM stat_totals WHERE k >= $1 AND k < $2 ORDER BY k",
			[]byte(lo), []byte(hi))
		if err != nil {
			return s.wrap(fmt.Errorf("running totals: %w", err))
		}
		for rows.Next() {
			raw := rows.RawValues() // binary bytea: the bytes as they are
			if kind == 'c' {
				if err := x.UnmarshalBinary(raw[1]); err != nil {
					rows.Close()
					return fmt.Errorf("totals %x: %w", raw[0], err)
				}
				cell(&x)
			} else {
				if err := o.UnmarshalBinary(raw[1]); err != nil {
					rows.Close()
					return fmt.Errorf("totals %x: %w", raw[0], err)
				}
				op(&o)
			}
		}
		if err := rows.Err(); err != nil {
			return s.wrap(fmt.Errorf("running totals: %w", err))
		}
	}
	return nil
}

// backfillTotals (the migration to schema 6) counts every conversation of
// an existing database into the totals, inside the migration's
// transaction: a crash leaves the old schema, never half the totals.
func backfillTotals(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
		return err
	}
	var d totals
	var last int64
	for {
		rows, err := tx.Query(ctx, "SELECT id, doc FROM conversations WHERE id > $1 ORDER BY id LIMIT 5000", last)
		if err != nil {
			return fmt.Errorf("counting the running totals: %w", err)
		}
		n := 0
		for rows.Next() {
			var raw []byte
			if err := rows.Scan(&last, &raw); err != nil {
				rows.Close()
				return err
			}
			n++
			c, err := store.DecodeConv(raw)
			if err != nil {
				continue // an undecodable conversation counts nowhere (doctor says so), as on bbolt
			}
			d.add(nil, &c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("counting the running totals: %w", err)
		}
		if n == 0 {
			break
		}
	}
	var b pgx.Batch
	if err := d.apply(ctx, tx, &b); err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, &b).Close()
}
