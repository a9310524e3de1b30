package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// StatsOptions choose a stats report.
type StatsOptions struct {
	Days      int    // days covered (default 14)
	JSON, CSV bool   // format (default text)
	Width     int    // text width
	By        string // "" or "brand": the usual report; "operator": also split by operator
	// Brands limits the report to these brands (an operator's brands:
	// under hark serve); nil = every brand.
	Brands []string
}

// WriteStatsBy writes a report as o asks. By operator, what has no
// operator recorded counts under the config's agent.
func (a *App) WriteStatsBy(ctx context.Context, w io.Writer, o StatsOptions) error {
	r, err := a.statsOf(ctx, o.Days, o.By, o.Brands)
	if err != nil {
		return err
	}
	// Brand, network and operator names reach the output: every format is
	// made terminal-safe like export's.
	switch {
	case o.JSON:
		var buf bytes.Buffer
		if err := r.JSON(&buf); err != nil {
			return err
		}
		_, err = w.Write(textsafe.EscapeJSON(buf.Bytes()))
		return err
	case o.CSV:
		cell := func(s string) string { return csvSafe(textsafe.Line(s)) }
		r.Total.Key = cell(r.Total.Key)
		r.Brands = slices.Clone(r.Brands)
		for i := range r.Brands {
			r.Brands[i].Key = cell(r.Brands[i].Key)
		}
		r.Days = slices.Clone(r.Days)
		for i := range r.Days {
			r.Days[i].Key = cell(r.Days[i].Key)
		}
		r.Operators = slices.Clone(r.Operators)
		for i := range r.Operators {
			r.Operators[i].Key, r.Operators[i].Name = cell(r.Operators[i].Key), cell(r.Operators[i].Name)
		}
		return r.CSV(w)
	}
	_, err = io.WriteString(w, textsafe.Block(r.Text(o.Width)))
	return err
}

// Stats builds the report over the last days ("by": "", "brand" or
// "operator").
func (a *App) Stats(ctx context.Context, days int, by string) (stats.Report, error) {
	return a.statsOf(ctx, days, by, nil)
}

func (a *App) statsOf(ctx context.Context, days int, by string, brands []string) (stats.Report, error) {
	if days <= 0 {
		days = 14
	}
	b := stats.NewBuilder(a.now(), days, time.Local)
	switch by {
	case "", "brand":
	case "operator":
		b.ByOperator(a.Cfg.Agent.Actor())
	default:
		return stats.Report{}, fmt.Errorf("stats --by %q: use brand or operator", by)
	}
	allowed := func(brand string) bool {
		return len(brands) == 0 || slices.ContainsFunc(brands, func(b string) bool { return strings.EqualFold(b, brand) })
	}
	if ok, err := a.statsFromTotals(ctx, b, by == "operator", brands, allowed); ok || err != nil {
		return b.Report(), err
	}
	if err := a.Store.ForEachConv(ctx, func(c social.Conversation) bool {
		if allowed(c.Brand) {
			b.Add(c)
		}
		return true
	}); err != nil {
		return stats.Report{}, err
	}
	return b.Report(), nil
}

// statSummer is a store that also keeps the totals summed over days and
// over brands (PostgreSQL: store/pg StatSums), which a report over every
// brand reads instead of the hourly cells.
type statSummer interface {
	StatSums(ctx context.Context, from, to int64, totals, days func(*stats.Cell), op func(*stats.OpCell)) error
}

// unsettled reads the conversations of the inbox, pending and snoozed
// views whose SLA outcome the report judges against the clock at now
// (stats.Settled): in the inbox, only those due before now (a ref's Due
// is the conversation's DueAt there).
func (a *App) unsettled(ctx context.Context, now time.Time, allowed func(string) bool) ([]social.Conversation, error) {
	var out []social.Conversation
	for _, v := range []store.View{store.ViewActionable, store.ViewPending, store.ViewSnoozed} {
		refs, err := a.Store.QueueRefs(ctx, v, func(r store.Ref) bool {
			return allowed(r.Brand) && (v != store.ViewActionable || !r.Due.IsZero() && now.After(r.Due))
		})
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(refs); i += 512 {
			ids := make([]string, 0, 512)
			for _, r := range refs[i:min(i+512, len(refs))] {
				ids = append(ids, r.ID)
			}
			convs, err := a.Store.Conversations(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, c := range convs {
				if !stats.Settled(c) {
					out = append(out, c)
				}
			}
		}
	}
	return out, nil
}

// statsFromTotals builds the report from the store's running totals (a
// few hundred cells, whatever the history) plus the open conversations
// whose SLA outcome depends on the clock; false if the store keeps none.
func (a *App) statsFromTotals(ctx context.Context, b *stats.Builder, byOp bool, brands []string, allowed func(string) bool) (bool, error) {
	sr, ok := a.Store.(store.StatsReader)
	if !ok {
		return false, nil
	}
	from, to := b.Range()
	var op func(*stats.OpCell)
	if byOp {
		op = func(c *stats.OpCell) {
			if allowed(c.Brand) {
				b.AddOpCell(c)
			}
		}
	}
	// the open ones (inbox, pending and snoozed are small by nature),
	// read while the totals are: the report waits for the longer one
	type open struct {
		convs []social.Conversation
		err   error
	}
	done := make(chan open, 1)
	go func() {
		var o open
		o.convs, o.err = a.unsettled(ctx, to, allowed)
		done <- o
	}()
	var err error
	if ss, ok := a.Store.(statSummer); ok && len(brands) == 0 {
		err = ss.StatSums(ctx, stats.HourOf(from), stats.HourOf(to), b.AddCellTotals, b.AddCellDays, op)
	} else {
		err = sr.StatTotals(ctx, stats.HourOf(from), stats.HourOf(to), func(c *stats.Cell) {
			if allowed(c.Brand) {
				b.AddCell(c)
			}
		}, op)
	}
	o := <-done
	if errors.Is(err, store.ErrNoTotals) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if o.err != nil {
		return true, o.err
	}
	for _, c := range o.convs {
		b.AddUnsettled(c)
	}
	return true, nil
}
