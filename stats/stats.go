package stats

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// Durations summarizes a set of durations.
type Durations struct {
	N      int           `json:"n"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
}

// Group is the figures of one brand or one day.
type Group struct {
	Key        string    `json:"key"`
	Volume     int       `json:"volume"`
	FirstReply Durations `json:"first_response"`
	Resolution Durations `json:"resolution"`
	SLAMet     int       `json:"sla_met"`
	SLAMissed  int       `json:"sla_missed"`
}

// SLARate is the share of conversations answered in time (0..1; -1 = none due).
func (g Group) SLARate() float64 {
	if g.SLAMet+g.SLAMissed == 0 {
		return -1
	}
	return float64(g.SLAMet) / float64(g.SLAMet+g.SLAMissed)
}

// Report is the whole stats view.
type Report struct {
	From, To  time.Time      `json:"-"`
	Total     Group          `json:"total"`
	Brands    []Group        `json:"brands"`
	Days      []Group        `json:"days"`
	Networks  map[string]int `json:"networks"`
	Sentiment map[string]int `json:"sentiment"`
	Hours     [24]int        `json:"hours"`
	// Operators splits the figures by operator (only when the builder was
	// asked to: ByOperator).
	Operators []Operator `json:"operators,omitempty"`
}

// Operator is the figures of one operator: the first responses they gave
// (time from the customer's first post), the replies they sent and the
// conversations they resolved (time from the first post to resolution).
type Operator struct {
	Key        string    `json:"key"` // initials (or name)
	Name       string    `json:"name"`
	Replies    int       `json:"replies"`
	Resolved   int       `json:"resolved"`
	FirstReply Durations `json:"first_response"`
	Resolution Durations `json:"resolution"`
}

type opAcc struct {
	o             Operator
	first, reso   []time.Duration
	firstH, resoH Hist // from running totals (AddOpCell)
	hist          bool
}

type acc struct {
	g             Group
	first, reso   []time.Duration
	firstH, resoH Hist // from running totals (AddCell)
	hist          bool
}

func (a *acc) add(c social.Conversation, now time.Time) {
	a.g.Volume++
	if !c.FirstResponseAt.IsZero() {
		a.first = append(a.first, c.FirstResponseAt.Sub(c.CreatedAt))
		if !c.FirstDueAt.IsZero() {
			if c.FirstResponseAt.After(c.FirstDueAt) {
				a.g.SLAMissed++
			} else {
				a.g.SLAMet++
			}
		}
	} else if !c.DueAt.IsZero() {
		// never answered: missed when the deadline passed while the
		// customer waited (before a resolve without a reply, or until now)
		end := now
		if c.State == social.StateResolved && !c.ResolvedAt.IsZero() {
			end = c.ResolvedAt
		}
		if end.After(c.DueAt) {
			a.g.SLAMissed++
		}
	}
	if c.State == social.StateResolved && !c.ResolvedAt.IsZero() {
		a.reso = append(a.reso, c.ResolvedAt.Sub(c.CreatedAt))
	}
}

func (a *acc) done(key string) Group {
	a.g.Key = key
	a.g.FirstReply = summarize(a.first)
	a.g.Resolution = summarize(a.reso)
	if a.hist {
		a.g.FirstReply, a.g.Resolution = a.firstH.Summary(), a.resoH.Summary()
	}
	return a.g
}

func summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	s := append([]time.Duration(nil), ds...)
	slices.Sort(s)
	return Durations{N: len(s), Median: quantile(s, 0.5), P90: quantile(s, 0.9)}
}

// quantile by the nearest-rank method on sorted s.
func quantile(s []time.Duration, q float64) time.Duration {
	rank := int(q*float64(len(s)) + 0.999999)
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

// Compute builds the report over conversations created in [now-days, now],
// days and hours in loc. Call Add for each conversation, then Report.
type Builder struct {
	now, from time.Time
	loc       *time.Location
	total     acc
	brands    map[string]*acc
	days      map[string]*acc
	r         Report
	byOp      bool
	solo      social.Actor
	ops       map[string]*opAcc
	totals    bool // fed running totals (AddCell)
	// the local day and hour of the last cell's hour (cells come in order)
	lastHour      int64
	lastDay       string
	lastYMD       [3]int // lastDay's year, month, day
	lastLocalHour int
}

// ByOperator makes the report split figures by operator. What has no
// operator recorded (a solo hark, data from before team mode) counts under
// solo, the config's agent.
func (b *Builder) ByOperator(solo social.Actor) *Builder {
	b.byOp, b.solo = true, solo
	b.ops = map[string]*opAcc{}
	return b
}

func (b *Builder) op(a social.Actor) *opAcc {
	if a.IsZero() {
		a = b.solo
	}
	key := strings.ToUpper(a.Label())
	if key == "" {
		key = "?"
	}
	o := b.ops[key]
	if o == nil {
		o = &opAcc{o: Operator{Key: key, Name: a.Name}}
		b.ops[key] = o
	}
	return o
}

func (b *Builder) addOperators(c social.Conversation) {
	if !c.FirstResponseAt.IsZero() {
		o := b.op(c.FirstReplyBy)
		o.first = append(o.first, c.FirstResponseAt.Sub(c.CreatedAt))
	}
	replies := 0
	for _, a := range c.Activity {
		if a.Action == social.ActReplied {
			b.op(a.By).o.Replies++
			replies++
		}
	}
	if replies == 0 && !c.FirstResponseAt.IsZero() {
		b.op(c.FirstReplyBy).o.Replies++ // answered before replies were recorded: one at least
	}
	if c.State == social.StateResolved && !c.ResolvedAt.IsZero() {
		o := b.op(c.ResolvedBy)
		o.o.Resolved++
		o.reso = append(o.reso, c.ResolvedAt.Sub(c.CreatedAt))
	}
}

// NewBuilder starts a report.
func NewBuilder(now time.Time, days int, loc *time.Location) *Builder {
	if loc == nil {
		loc = time.Local
	}
	from := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -(days - 1))
	return &Builder{now: now, from: from, loc: loc, brands: map[string]*acc{}, days: map[string]*acc{},
		r: Report{From: from, To: now, Networks: map[string]int{}, Sentiment: map[string]int{}}}
}

// Add counts one conversation.
func (b *Builder) Add(c social.Conversation) {
	if c.CreatedAt.Before(b.from) || c.CreatedAt.After(b.now) {
		return
	}
	b.total.add(c, b.now)
	if b.brands[c.Brand] == nil {
		b.brands[c.Brand] = &acc{}
	}
	b.brands[c.Brand].add(c, b.now)
	day := c.CreatedAt.In(b.loc).Format("2006-01-02")
	if b.days[day] == nil {
		b.days[day] = &acc{}
	}
	b.days[day].add(c, b.now)
	b.r.Networks[string(c.Network)]++
	switch {
	case c.Sentiment < 0:
		b.r.Sentiment["negative"]++
	case c.Sentiment > 0:
		b.r.Sentiment["positive"]++
	default:
		b.r.Sentiment["neutral"]++
	}
	b.r.Hours[c.CreatedAt.In(b.loc).Hour()]++
	if b.byOp {
		b.addOperators(c)
	}
}

// Report finishes the report.
func (b *Builder) Report() Report {
	r := b.r
	r.Total = b.total.done("all")
	for _, k := range slices.Sorted(maps.Keys(b.brands)) {
		r.Brands = append(r.Brands, b.brands[k].done(k))
	}
	for d := b.from; !d.After(b.now); d = d.AddDate(0, 0, 1) {
		k := d.Format("2006-01-02")
		a := b.days[k]
		if a == nil {
			a = &acc{}
		}
		r.Days = append(r.Days, a.done(k))
	}
	if b.byOp {
		r.Operators = []Operator{}
		for _, k := range slices.Sorted(maps.Keys(b.ops)) {
			o := b.ops[k]
			o.o.FirstReply, o.o.Resolution = summarize(o.first), summarize(o.reso)
			if o.hist {
				o.o.FirstReply, o.o.Resolution = o.firstH.Summary(), o.resoH.Summary()
			}
			r.Operators = append(r.Operators, o.o)
		}
	}
	return r
}

// ---- rendering ----

// Dur formats a duration for humans ("4m", "1h12m", "—").
func Dur(d time.Duration, n int) string {
	if n == 0 {
		return "—"
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func pct(r float64) string {
	if r < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", r*100)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of block characters.
func Sparkline(vals []int) string {
	mx := 0
	for _, v := range vals {
		mx = max(mx, v)
	}
	var b strings.Builder
	for _, v := range vals {
		if mx == 0 || v == 0 {
			b.WriteRune(' ')
			if mx == 0 {
				continue
			}
			continue
		}
		i := v * (len(sparks) - 1) / mx
		b.WriteRune(sparks[i])
	}
	return b.String()
}

// Bar draws a horizontal bar of v against mx in width cells.
func Bar(v, mx, width int) string {
	if mx <= 0 || width <= 0 {
		return ""
	}
	n := v * width / mx
	if v > 0 && n == 0 {
		n = 1
	}
	return strings.Repeat("█", n)
}

// Text renders the report for a terminal of the given width.
func (r Report) Text(width int) string {
	width = max(width, 50)
	var b strings.Builder
	// the summary's parts, on as many lines as the width needs
	line := ""
	for _, part := range []string{
		r.From.Format("Jan 2") + " – " + r.To.Format("Jan 2"),
		fmt.Sprintf("%d conversations", r.Total.Volume),
		fmt.Sprintf("first response median %s, p90 %s", Dur(r.Total.FirstReply.Median, r.Total.FirstReply.N), Dur(r.Total.FirstReply.P90, r.Total.FirstReply.N)),
		"resolution median " + Dur(r.Total.Resolution.Median, r.Total.Resolution.N),
		"SLA met " + pct(r.Total.SLARate()),
	} {
		switch {
		case line == "":
			line = part
		case utf8.RuneCountInString(line+" · "+part) <= width:
			line += " · " + part
		default:
			b.WriteString(line + "\n")
			line = part
		}
	}
	b.WriteString(line + "\n\n")
	b.WriteString("By brand            volume  1st reply med/p90   resolved med   SLA met\n")
	for _, g := range r.Brands {
		fmt.Fprintf(&b, "  %-18s %5d   %7s / %-7s  %10s   %7s\n", trunc(g.Key, 18), g.Volume,
			Dur(g.FirstReply.Median, g.FirstReply.N), Dur(g.FirstReply.P90, g.FirstReply.N), Dur(g.Resolution.Median, g.Resolution.N), pct(g.SLARate()))
	}
	if r.Operators != nil {
		b.WriteString("\nBy operator         replies  resolved  1st reply med/p90   resolved med\n")
		for _, o := range r.Operators {
			name := o.Key
			if o.Name != "" && o.Name != o.Key {
				name += " " + o.Name
			}
			fmt.Fprintf(&b, "  %-18s %7d  %8d  %7s / %-7s  %10s\n", trunc(name, 18), o.Replies, o.Resolved,
				Dur(o.FirstReply.Median, o.FirstReply.N), Dur(o.FirstReply.P90, o.FirstReply.N), Dur(o.Resolution.Median, o.Resolution.N))
		}
	}
	var vols []int
	for _, d := range r.Days {
		vols = append(vols, d.Volume)
	}
	fmt.Fprintf(&b, "\nVolume per day   %s  (%s → %s)\n", Sparkline(vols), r.From.Format("Jan 2"), r.To.Format("Jan 2"))
	var frs []int
	for _, d := range r.Days {
		frs = append(frs, int(d.FirstReply.Median/time.Second))
	}
	fmt.Fprintf(&b, "1st reply median %s\n", Sparkline(frs))
	barW := max(width-34, 10)
	b.WriteString("\nBy network\n")
	mx := 0
	for _, v := range r.Networks {
		mx = max(mx, v)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Networks)) {
		fmt.Fprintf(&b, "  %-10s %5d %s\n", k, r.Networks[k], Bar(r.Networks[k], mx, barW))
	}
	b.WriteString("\nSentiment\n")
	mx = 0
	for _, v := range r.Sentiment {
		mx = max(mx, v)
	}
	for _, k := range []string{"negative", "neutral", "positive"} {
		fmt.Fprintf(&b, "  %-10s %5d %s\n", k, r.Sentiment[k], Bar(r.Sentiment[k], mx, barW))
	}
	fmt.Fprintf(&b, "\nBusiest hours    %s\n                 0     6     12    18   23\n", Sparkline(r.Hours[:]))
	return b.String()
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// JSON writes the report as JSON.
func (r Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// CSV writes one row per brand and per day (and per operator, with two
// more columns, replies and resolved, when the report has operators).
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"kind", "key", "volume", "first_response_median_s", "first_response_p90_s", "resolution_median_s", "sla_met", "sla_missed"}
	byOp := r.Operators != nil
	if byOp {
		head = append(head, "replies", "resolved")
	}
	cw.Write(head)
	row := func(kind string, g Group) {
		rec := []string{kind, g.Key, fmt.Sprint(g.Volume), fmt.Sprint(int(g.FirstReply.Median.Seconds())), fmt.Sprint(int(g.FirstReply.P90.Seconds())),
			fmt.Sprint(int(g.Resolution.Median.Seconds())), fmt.Sprint(g.SLAMet), fmt.Sprint(g.SLAMissed)}
		if byOp {
			rec = append(rec, "", "")
		}
		cw.Write(rec)
	}
	row("total", r.Total)
	for _, g := range r.Brands {
		row("brand", g)
	}
	for _, g := range r.Days {
		row("day", g)
	}
	// operator rows: volume is the number of first responses they gave
	for _, o := range r.Operators {
		cw.Write([]string{"operator", o.Key, fmt.Sprint(o.FirstReply.N), fmt.Sprint(int(o.FirstReply.Median.Seconds())), fmt.Sprint(int(o.FirstReply.P90.Seconds())),
			fmt.Sprint(int(o.Resolution.Median.Seconds())), "", "", fmt.Sprint(o.Replies), fmt.Sprint(o.Resolved)})
	}
	cw.Flush()
	return cw.Error()
}
