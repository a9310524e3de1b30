package stats

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// Running totals: what a conversation adds to the report, kept by the
// store in the transaction that changes the conversation (one cell per
// hour of creation, brand and network; one per hour, brand and operator),
// so a report reads a few hundred cells instead of every conversation.
// Durations go into histograms (Hist): medians and p90 are read from them,
// to within a bucket (about 9 %).

// HistBuckets is the number of buckets of a Hist (10 s to about 80 days,
// 6 % apart).
const HistBuckets = 232

// histBase and histGrowth: bucket i holds durations up to
// histBase·histGrowth^i (the last one everything longer).
const (
	histBase   = 10 * time.Second
	histGrowth = 1.06
)

// Hist counts durations in geometric buckets.
type Hist [HistBuckets]int32

func histBucket(d time.Duration) int {
	if d <= histBase {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(histBase)) / math.Log(histGrowth)))
	return min(max(i, 0), HistBuckets-1)
}

// HistUpper is the upper bound of bucket i.
func HistUpper(i int) time.Duration {
	return time.Duration(float64(histBase) * math.Pow(histGrowth, float64(i)))
}

func histMid(i int) time.Duration {
	if i == 0 {
		return histBase
	}
	return time.Duration(float64(HistUpper(i)) / math.Sqrt(histGrowth)).Round(time.Second)
}

// MarshalJSON writes the non-empty buckets as [index, count] pairs.
func (h Hist) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	for i, c := range h {
		if c != 0 {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(c), 10)
			b = append(b, ']')
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (h *Hist) UnmarshalJSON(raw []byte) error {
	var pairs [][2]int64
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return err
	}
	*h = Hist{}
	for _, p := range pairs {
		if p[0] < 0 || p[0] >= HistBuckets {
			return fmt.Errorf("histogram bucket %d out of range", p[0])
		}
		h[p[0]] = int32(p[1])
	}
	return nil
}

// Add counts a duration n times (n may be negative: a conversation's old
// contribution taken back).
func (h *Hist) Add(d time.Duration, n int) { h[histBucket(d)] += int32(n) }

// Merge adds o's counts.
func (h *Hist) Merge(o *Hist) {
	for i := range h {
		h[i] += o[i]
	}
}

// N is the number of durations counted.
func (h *Hist) N() int {
	n := 0
	for _, c := range h {
		n += int(c)
	}
	return n
}

// Summary is the count, median and p90 (the middle of their buckets: within
// 3 % of the exact figure).
func (h *Hist) Summary() Durations {
	n := h.N()
	if n <= 0 {
		return Durations{}
	}
	q := func(f float64) time.Duration {
		rank := max(1, min(int(f*float64(n)+0.999999), n))
		seen := 0
		for i, c := range h {
			seen += int(c)
			if seen >= rank {
				return histMid(i)
			}
		}
		return histMid(HistBuckets - 1)
	}
	return Durations{N: n, Median: q(0.5), P90: q(0.9)}
}

// Cell is the running totals of the conversations created in one hour
// (UTC), for one brand and network.
type Cell struct {
	Hour      int64  `json:"h"` // Unix time / 3600
	Brand     string `json:"b"`
	Network   string `json:"n"`
	Volume    int    `json:"v,omitempty"`
	Neg       int    `json:"neg,omitempty"`
	Pos       int    `json:"pos,omitempty"`
	Neutral   int    `json:"neu,omitempty"`
	SLAMet    int    `json:"met,omitempty"`
	SLAMissed int    `json:"missed,omitempty"` // decided misses (open conversations are judged at report time)
	First     Hist   `json:"f"`
	Reso      Hist   `json:"r"`
}

// OpCell is one operator's running totals for the conversations of one
// hour and brand.
type OpCell struct {
	Hour     int64  `json:"h"`
	Brand    string `json:"b"`
	Key      string `json:"k"` // the operator's initials (or name), upper case; "" = not recorded
	Name     string `json:"name,omitempty"`
	Replies  int    `json:"rep,omitempty"`
	Resolved int    `json:"res,omitempty"`
	First    Hist   `json:"f"`
	Reso     Hist   `json:"r"`
}

// Empty reports whether a cell counts nothing (it can be deleted).
func (c *Cell) Empty() bool { return c.Volume == 0 && c.First.N() == 0 && c.Reso.N() == 0 }

// Empty reports whether an operator cell counts nothing.
func (c *OpCell) Empty() bool {
	return c.Replies == 0 && c.Resolved == 0 && c.First.N() == 0 && c.Reso.N() == 0
}

// Settled reports whether a conversation's SLA outcome no longer depends
// on the clock: answered, or resolved, or never due. Unsettled ones (open,
// unanswered, with a deadline) are judged when the report is made.
func Settled(c social.Conversation) bool {
	return !c.FirstResponseAt.IsZero() || c.DueAt.IsZero() || c.State == social.StateResolved
}

// Contribution adds what conversation c counts to cell and ops, n times
// (+1 to add, -1 to take back). cell's key fields are set from c.
func Contribution(c social.Conversation, n int, cell *Cell, ops map[string]*OpCell) {
	cell.Hour, cell.Brand, cell.Network = HourOf(c.CreatedAt), c.Brand, string(c.Network)
	if c.CreatedAt.IsZero() {
		return
	}
	cell.Volume += n
	switch {
	case c.Sentiment < 0:
		cell.Neg += n
	case c.Sentiment > 0:
		cell.Pos += n
	default:
		cell.Neutral += n
	}
	if !c.FirstResponseAt.IsZero() {
		cell.First.Add(c.FirstResponseAt.Sub(c.CreatedAt), n)
		if !c.FirstDueAt.IsZero() {
			if c.FirstResponseAt.After(c.FirstDueAt) {
				cell.SLAMissed += n
			} else {
				cell.SLAMet += n
			}
		}
	} else if !c.DueAt.IsZero() && c.State == social.StateResolved && !c.ResolvedAt.IsZero() && c.ResolvedAt.After(c.DueAt) {
		cell.SLAMissed += n
	}
	if c.State == social.StateResolved && !c.ResolvedAt.IsZero() {
		cell.Reso.Add(c.ResolvedAt.Sub(c.CreatedAt), n)
	}
	if ops == nil {
		return
	}
	op := func(a social.Actor) *OpCell {
		key := strings.ToUpper(a.Label())
		o := ops[key]
		if o == nil {
			o = &OpCell{Hour: cell.Hour, Brand: c.Brand, Key: key, Name: a.Name}
			ops[key] = o
		}
		return o
	}
	if !c.FirstResponseAt.IsZero() {
		op(c.FirstReplyBy).First.Add(c.FirstResponseAt.Sub(c.CreatedAt), n)
	}
	replies := 0
	for _, a := range c.Activity {
		if a.Action == social.ActReplied {
			op(a.By).Replies += n
			replies++
		}
	}
	if replies == 0 && !c.FirstResponseAt.IsZero() {
		op(c.FirstReplyBy).Replies += n
	}
	if c.State == social.StateResolved && !c.ResolvedAt.IsZero() {
		o := op(c.ResolvedBy)
		o.Resolved += n
		o.Reso.Add(c.ResolvedAt.Sub(c.CreatedAt), n)
	}
}

// HourOf is the cell hour of a time.
func HourOf(t time.Time) int64 { return int64(math.Floor(float64(t.Unix()) / 3600)) }

// AddCell counts a cell of running totals (its hour must be in the
// report's range: the caller reads only those).
func (b *Builder) AddCell(c *Cell) {
	if !b.inRange(c.Hour) {
		return
	}
	b.addCell(c, true, true)
}

// AddCellTotals counts a cell into the report's totals only (all, its
// brand, networks, sentiment), not its days or hours: with AddCellDays, a
// store can give the totals from cells summed over whole days and the
// days from cells summed over brands and networks, far fewer than its
// hourly cells (the sums are the same). Its Hour is the first of the
// hours it sums, all of them in the report's range.
func (b *Builder) AddCellTotals(c *Cell) {
	if !b.inRange(c.Hour) {
		return
	}
	b.addCell(c, true, false)
}

// AddCellDays counts a cell into the report's days and hours of the day
// only (see AddCellTotals): one hour's cells summed over brands and
// networks.
func (b *Builder) AddCellDays(c *Cell) {
	if !b.inRange(c.Hour) {
		return
	}
	b.addCell(c, false, true)
}

func (b *Builder) inRange(hour int64) bool {
	t := time.Unix(hour*3600, 0)
	return !t.Before(b.from) && !t.After(b.now)
}

func (b *Builder) addCell(c *Cell, totals, days bool) {
	b.totals = true
	if days && (c.Hour != b.lastHour || b.lastDay == "") {
		b.lastHour = c.Hour
		lt := time.Unix(c.Hour*3600, 0).In(b.loc)
		// the cells come in hour order: a day's name is made once
		if y, m, d := lt.Date(); b.lastDay == "" || y != b.lastYMD[0] || int(m) != b.lastYMD[1] || d != b.lastYMD[2] {
			b.lastDay, b.lastYMD = lt.Format("2006-01-02"), [3]int{y, int(m), d}
		}
		b.lastLocalHour = lt.Hour()
	}
	// the histograms are sparse: their non-zero buckets, once
	var first, reso [][2]int32
	for i, v := range c.First {
		if v != 0 {
			first = append(first, [2]int32{int32(i), v})
		}
	}
	for i, v := range c.Reso {
		if v != 0 {
			reso = append(reso, [2]int32{int32(i), v})
		}
	}
	var buf [3]*acc
	accs := buf[:0]
	if totals {
		accs = append(accs, &b.total, b.accOf(b.brands, c.Brand))
	}
	if days {
		accs = append(accs, b.accOf(b.days, b.lastDay))
	}
	for _, a := range accs {
		a.g.Volume += c.Volume
		a.g.SLAMet += c.SLAMet
		a.g.SLAMissed += c.SLAMissed
		for _, p := range first {
			a.firstH[p[0]] += p[1]
		}
		for _, p := range reso {
			a.resoH[p[0]] += p[1]
		}
		a.hist = true
	}
	if days {
		b.r.Hours[b.lastLocalHour] += c.Volume
	}
	if !totals {
		return
	}
	if c.Volume != 0 {
		b.r.Networks[c.Network] += c.Volume
	}
	if c.Neg != 0 {
		b.r.Sentiment["negative"] += c.Neg
	}
	if c.Pos != 0 {
		b.r.Sentiment["positive"] += c.Pos
	}
	if c.Neutral != 0 {
		b.r.Sentiment["neutral"] += c.Neutral
	}
}

// AddOpCell counts an operator cell (with ByOperator). What has no
// operator recorded counts under the solo operator.
func (b *Builder) AddOpCell(c *OpCell) {
	if !b.byOp || !b.inRange(c.Hour) {
		return
	}
	a := social.Actor{Name: c.Name, Initials: c.Key}
	if c.Key == "" {
		a = social.Actor{}
	}
	o := b.op(a)
	o.o.Replies += c.Replies
	o.o.Resolved += c.Resolved
	o.firstH.Merge(&c.First)
	o.resoH.Merge(&c.Reso)
	o.hist = true
}

// AddUnsettled counts the clock-dependent part of an unsettled
// conversation (see Settled): a miss when its deadline has passed.
func (b *Builder) AddUnsettled(c social.Conversation) {
	if Settled(c) || c.CreatedAt.Before(b.from) || c.CreatedAt.After(b.now) || !b.now.After(c.DueAt) {
		return
	}
	day := c.CreatedAt.In(b.loc).Format("2006-01-02")
	for _, a := range []*acc{&b.total, b.accOf(b.brands, c.Brand), b.accOf(b.days, day)} {
		a.g.SLAMissed++
	}
}

func (b *Builder) accOf(m map[string]*acc, k string) *acc {
	a := m[k]
	if a == nil {
		a = &acc{}
		m[k] = a
	}
	return a
}

// Merge adds d's counts to c.
func (c *Cell) Merge(d *Cell) {
	c.Volume += d.Volume
	c.Neg += d.Neg
	c.Pos += d.Pos
	c.Neutral += d.Neutral
	c.SLAMet += d.SLAMet
	c.SLAMissed += d.SLAMissed
	c.First.Merge(&d.First)
	c.Reso.Merge(&d.Reso)
}

// Zero reports whether a cell (a change) counts nothing at all.
func (c *Cell) Zero() bool {
	return c.Volume == 0 && c.Neg == 0 && c.Pos == 0 && c.Neutral == 0 && c.SLAMet == 0 && c.SLAMissed == 0 &&
		c.First == Hist{} && c.Reso == Hist{}
}

// Merge adds d's counts to c.
func (c *OpCell) Merge(d *OpCell) {
	c.Replies += d.Replies
	c.Resolved += d.Resolved
	c.First.Merge(&d.First)
	c.Reso.Merge(&d.Reso)
	if d.Name != "" {
		c.Name = d.Name
	}
}

// Zero reports whether an operator cell (a change) counts nothing.
func (c *OpCell) Zero() bool {
	return c.Replies == 0 && c.Resolved == 0 && c.First == Hist{} && c.Reso == Hist{}
}

// Delta is what changing a conversation from old (nil: new) to c changes
// in the running totals: the cells with a non-zero change. Each side's
// contribution is summed on the stack; a cell is allocated only for a
// change that counts (a poll's reply often changes nothing in them).
func Delta(old, c *social.Conversation) ([]*Cell, []*OpCell) {
	xs := [2]*social.Conversation{old, c}
	var cells [2]Cell
	var oms [2]map[string]*OpCell
	for i, x := range xs {
		if x != nil {
			oms[i] = map[string]*OpCell{}
			Contribution(*x, 2*i-1, &cells[i], oms[i]) // old -1, c +1
		}
	}
	keyOf := func(x *Cell) cellKey { return cellKey{x.Hour, x.Brand, x.Network} }
	var cs []*Cell
	if old != nil && keyOf(&cells[0]) == keyOf(&cells[1]) {
		cells[1].Merge(&cells[0])
		if !cells[1].Zero() {
			x := cells[1]
			cs = append(cs, &x)
		}
	} else {
		for i := range cells {
			if xs[i] != nil && !cells[i].Zero() {
				x := cells[i]
				cs = append(cs, &x)
			}
		}
	}
	ops := map[cellKey]*OpCell{}
	for _, om := range oms { // old's first: a later name wins
		for _, o := range om {
			k := cellKey{o.Hour, o.Brand, o.Key}
			if ops[k] == nil {
				ops[k] = &OpCell{Hour: o.Hour, Brand: o.Brand, Key: o.Key}
			}
			ops[k].Merge(o)
		}
	}
	var os []*OpCell
	for _, x := range ops {
		if !x.Zero() {
			os = append(os, x)
		}
	}
	return cs, os
}

// cellKey is a cell's key: hour, brand, and network (or operator).
type cellKey struct {
	hour int64
	a, b string
}

// Range is the time the report covers.
func (b *Builder) Range() (from, to time.Time) { return b.from, b.now }

// The cells' binary form (the store keeps them so: a year's report decodes
// 80,000 of them): varints, the histograms sparse.

func putHist(b []byte, h *Hist) []byte {
	n := 0
	for _, c := range h {
		if c != 0 {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	for i, c := range h {
		if c != 0 {
			b = binary.AppendUvarint(b, uint64(i))
			b = binary.AppendVarint(b, int64(c))
		}
	}
	return b
}

type reader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("stats cell: truncated")

// next decodes one varint of the cell with decode (binary.Uvarint or
// binary.Varint); after an error it reads nothing and returns 0.
func next[T uint64 | int64](r *reader, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 { return next(r, binary.Uvarint) }

func (r *reader) varint() int64 { return next(r, binary.Varint) }

// appendStr writes s after its length, as reader.str reads it.
func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errTruncated
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) hist(h *Hist) {
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		idx := r.uvarint()
		c := r.varint()
		if idx >= HistBuckets {
			r.err = fmt.Errorf("stats cell: bucket %d out of range", idx)
			return
		}
		h[idx] = int32(c)
	}
}

// A cell's encoding (Cell, OpCell): a version byte (1), the hour, the
// cell's strings and counts, then its first-reply and resolution
// histograms.

// encodeCell writes a cell's fields; size is the buffer to start with.
func encodeCell(size int, hour int64, strs []string, counts []int, first, reso *Hist) []byte {
	b := make([]byte, 0, size)
	b = append(b, 1) // version
	b = binary.AppendVarint(b, hour)
	for _, s := range strs {
		b = appendStr(b, s)
	}
	for _, v := range counts {
		b = binary.AppendVarint(b, int64(v))
	}
	b = putHist(b, first)
	return putHist(b, reso)
}

// decodeCell reads what encodeCell wrote into the fields given (zeroed
// by the caller); what names the cell in an error.
func decodeCell(raw []byte, what string, hour *int64, strs []*string, counts []*int, first, reso *Hist) error {
	if len(raw) == 0 || raw[0] != 1 {
		return fmt.Errorf("%s: unknown encoding", what)
	}
	r := reader{b: raw[1:]}
	*hour = r.varint()
	for _, p := range strs {
		*p = r.str()
	}
	for _, p := range counts {
		*p = int(r.varint())
	}
	r.hist(first)
	r.hist(reso)
	return r.err
}

// MarshalBinary encodes a cell.
func (c *Cell) MarshalBinary() ([]byte, error) {
	return encodeCell(64, c.Hour, []string{c.Brand, c.Network},
		[]int{c.Volume, c.Neg, c.Pos, c.Neutral, c.SLAMet, c.SLAMissed}, &c.First, &c.Reso), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (c *Cell) UnmarshalBinary(raw []byte) error {
	*c = Cell{}
	return decodeCell(raw, "stats cell", &c.Hour, []*string{&c.Brand, &c.Network},
		[]*int{&c.Volume, &c.Neg, &c.Pos, &c.Neutral, &c.SLAMet, &c.SLAMissed}, &c.First, &c.Reso)
}

// MarshalBinary encodes an operator cell.
func (c *OpCell) MarshalBinary() ([]byte, error) {
	return encodeCell(48, c.Hour, []string{c.Brand, c.Key, c.Name}, []int{c.Replies, c.Resolved}, &c.First, &c.Reso), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (c *OpCell) UnmarshalBinary(raw []byte) error {
	*c = OpCell{}
	return decodeCell(raw, "stats operator cell", &c.Hour, []*string{&c.Brand, &c.Key, &c.Name},
		[]*int{&c.Replies, &c.Resolved}, &c.First, &c.Reso)
}
