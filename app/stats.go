package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
)

// StatsOptions choose a stats report.
type StatsOptions struct {
	Days      int    // days covered (default 14)
	JSON, CSV bool   // format (default text)
	Width     int    // text width
	By        string // "" or "brand": the usual report; "operator": also split by operator
}

// WriteStats writes the report for the last days as text, JSON or CSV.
func (a *App) WriteStats(w io.Writer, days int, asJSON, asCSV bool, width int) error {
	return a.WriteStatsBy(w, StatsOptions{Days: days, JSON: asJSON, CSV: asCSV, Width: width})
}

// WriteStatsBy writes a report as o asks. By operator, what has no
// operator recorded counts under the config's agent.
func (a *App) WriteStatsBy(w io.Writer, o StatsOptions) error {
	r, err := a.Stats(o.Days, o.By)
	if err != nil {
		return err
	}
	switch {
	case o.JSON:
		return r.JSON(w)
	case o.CSV:
		return r.CSV(w)
	}
	_, err = io.WriteString(w, r.Text(o.Width))
	return err
}

// Stats builds the report over the last days ("by": "", "brand" or
// "operator").
func (a *App) Stats(days int, by string) (stats.Report, error) {
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
	if err := a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool { b.Add(c); return true }); err != nil {
		return stats.Report{}, err
	}
	return b.Report(), nil
}
