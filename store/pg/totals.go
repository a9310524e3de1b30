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
	days  map[int64]bool // the day sums ('C', 'O') of these days
	have  map[string][]byte
}

// prefetchQuery queues on b the read of every cell of the hours the
// batch's posts were written in (a new conversation's cells: its hour is
// its first post's), locked, so an ingest of new conversations needs no
// round trip of its own for the totals; readPrefetch takes the rows.
func (d *totals) prefetchQuery(b *pgx.Batch, posts []social.Post) {
	d.hours, d.days = map[int64]bool{}, map[int64]bool{}
	var lo, hi [][]byte
	for _, p := range posts {
		h := stats.HourOf(p.CreatedAt)
		if p.CreatedAt.IsZero() || d.hours[h] {
			continue
		}
		d.hours[h] = true
		for _, kind := range []byte{'c', 'o', 'H'} {
			lo = append(lo, []byte(cellKey(kind, h, "", "")[:9]))
			hi = append(hi, []byte(cellKey(kind, h+1, "", "")[:9]))
		}
		if day := dayOf(h); !d.days[day] {
			d.days[day] = true
			for _, kind := range []byte{'C', 'O'} {
				lo = append(lo, []byte(cellKey(kind, day, "", "")[:9]))
				hi = append(hi, []byte(cellKey(kind, day+1, "", "")[:9]))
			}
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
	return eachKV(rows, func(k, v []byte) error { d.have[string(k)] = v; return nil })
}

// covered reports whether key k's cell was read ahead (present or not).
func (d *totals) covered(k []byte) bool {
	if d.hours == nil || len(k) < 9 {
		return false
	}
	n := int64(binary.BigEndian.Uint64(k[1:9]) ^ (1 << 63))
	if k[0] == 'C' || k[0] == 'O' {
		return d.days[n]
	}
	return d.hours[n]
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
	d.merge(cells, ops, false)
}

// merge adds cells and operator cells (a change, hourly) to d: each into
// its hourly cell (unless sumsOnly), its day sum and its hour's sum.
func (d *totals) merge(cells []*stats.Cell, ops []*stats.OpCell, sumsOnly bool) {
	cell := func(k string, x *stats.Cell, hour int64, brand, network string) {
		if cur := d.cells[k]; cur != nil {
			cur.Merge(x)
		} else {
			c := &stats.Cell{Hour: hour, Brand: brand, Network: network}
			c.Merge(x)
			d.cells[k] = c
		}
	}
	for _, x := range cells {
		day := dayOf(x.Hour)
		if !sumsOnly {
			cell(cellKey('c', x.Hour, x.Brand, x.Network), x, x.Hour, x.Brand, x.Network)
		}
		cell(cellKey('C', day, x.Brand, x.Network), x, day*24, x.Brand, x.Network)
		cell(cellKey('H', x.Hour, "", ""), x, x.Hour, "", "")
	}
	op := func(k string, x *stats.OpCell, hour int64) {
		if cur := d.ops[k]; cur != nil {
			cur.Merge(x)
		} else {
			c := &stats.OpCell{Hour: hour, Brand: x.Brand, Key: x.Key}
			c.Merge(x)
			d.ops[k] = c
		}
	}
	for _, x := range ops {
		day := dayOf(x.Hour)
		if !sumsOnly {
			op(cellKey('o', x.Hour, x.Brand, x.Key), x, x.Hour)
		}
		op(cellKey('O', day, x.Brand, x.Key), x, day*24)
	}
}

// dayOf is the UTC day of a cell hour (the key of the day sums).
func dayOf(hour int64) int64 {
	if hour < 0 {
		return (hour - 23) / 24
	}
	return hour / 24
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
		if err := eachKV(rows, func(k, v []byte) error { cur[string(k)] = v; return nil }); err != nil {
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
		var ch stats.Change = d.ops[string(k)]
		if x := d.cells[string(k)]; x != nil {
			ch = x
		}
		c, err := ch.Onto(cur[string(k)])
		if err != nil {
			return fmt.Errorf("totals %x: %w", k, err)
		}
		if err := put(string(k), c.Zero(), c); err != nil {
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
		// an undecodable conversation counts nowhere (doctor says so), as on bbolt
		n, convs, err := readConvPage(ctx, tx, &last, 5000, func(string, error) {})
		if err != nil {
			return fmt.Errorf("counting the running totals: %w", err)
		}
		for i := range convs {
			d.add(nil, &convs[i])
		}
		if n == 0 {
			break
		}
	}
	return d.write(ctx, tx)
}

// StatSums reads what a report sums, from far fewer cells than the hours
// of its range: totals gets the cells summed per brand and network over
// each whole UTC day of the range ('C'; Hour is the day's first) and the
// hourly cells of the hours at its edges; days gets each hour's cells
// summed over every brand and network ('H'), for the report's days and
// hours of the day; op gets the operator cells summed per day ('O') and
// the hourly ones at the edges. A year's report by operator reads about
// 16,000 cells instead of 183,000. Cells are valid during the call only.
func (s *Store) StatSums(ctx context.Context, from, to int64, totals, days func(*stats.Cell), op func(*stats.OpCell)) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	// whole days strictly inside: the first hour of the range may start
	// before the report does (a zone off the hour), so its day is read by
	// the hour
	d0, d1 := dayOf(from)+1, dayOf(to+1)-1
	type part struct {
		kind     byte
		from, to int64 // hours, or days for 'C' and 'O'
	}
	var parts []part
	add := func(hourly, daily byte) {
		if d0 > d1 {
			parts = append(parts, part{hourly, from, to})
			return
		}
		parts = append(parts, part{hourly, from, d0*24 - 1}, part{daily, d0, d1}, part{hourly, (d1 + 1) * 24, to})
	}
	add('c', 'C')
	parts = append(parts, part{'H', from, to})
	if op != nil {
		add('o', 'O')
	}
	var b pgx.Batch
	for _, p := range parts {
		b.Queue("SELECT k, cell FROM stat_totals WHERE k >= $1 AND k < $2 ORDER BY k",
			[]byte(cellKey(p.kind, p.from, "", "")[:9]), []byte(cellKey(p.kind, p.to+1, "", "")[:9]))
	}
	var x stats.Cell // one of each, reused: the callbacks must not keep them
	var o stats.OpCell
	br := s.pool.SendBatch(ctx, &b)
	defer br.Close()
	for _, p := range parts {
		rows, err := br.Query()
		if err != nil {
			return s.wrap(fmt.Errorf("running totals: %w", err))
		}
		for rows.Next() {
			raw := rows.RawValues() // binary bytea: the bytes as they are
			var err error
			switch p.kind {
			case 'o', 'O':
				if err = o.UnmarshalBinary(raw[1]); err == nil {
					op(&o)
				}
			default:
				if err = x.UnmarshalBinary(raw[1]); err == nil {
					if p.kind == 'H' {
						days(&x)
					} else {
						totals(&x)
					}
				}
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("totals %x: %w", raw[0], err)
			}
		}
		if err := rows.Err(); err != nil {
			return s.wrap(fmt.Errorf("running totals: %w", err))
		}
	}
	return s.wrap(br.Close())
}

// backfillSums (the migration to schema 8) sums the hourly cells into the
// day and hour sums StatSums reads, inside the migration's transaction.
// The sums there are made again (a database migrated through schema 6
// just now has them from backfillTotals already).
func backfillSums(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM stat_totals WHERE substring(k for 1) IN ('C'::bytea, 'H'::bytea, 'O'::bytea)"); err != nil {
		return fmt.Errorf("summing the running totals: %w", err)
	}
	var d totals
	d.cells, d.ops = map[string]*stats.Cell{}, map[string]*stats.OpCell{}
	rows, err := tx.Query(ctx, "SELECT k, cell FROM stat_totals WHERE substring(k for 1) IN ('c'::bytea, 'o'::bytea) ORDER BY k")
	if err != nil {
		return fmt.Errorf("summing the running totals: %w", err)
	}
	var cells []*stats.Cell
	var ops []*stats.OpCell
	err = eachKV(rows, func(k, v []byte) error {
		var err error
		if k[0] == 'c' {
			c := &stats.Cell{}
			err = c.UnmarshalBinary(v)
			cells = append(cells, c)
		} else {
			c := &stats.OpCell{}
			err = c.UnmarshalBinary(v)
			ops = append(ops, c)
		}
		if err != nil {
			return fmt.Errorf("totals %x: %w", k, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("summing the running totals: %w", err)
	}
	d.merge(cells, ops, true)
	return d.write(ctx, tx)
}

// write sends what d changed in one batch (nothing if it changed nothing).
func (d *totals) write(ctx context.Context, tx pgx.Tx) error {
	var b pgx.Batch
	if err := d.apply(ctx, tx, &b); err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, &b).Close()
}
