package app

import (
	"io"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
)

// WriteStats writes the report for the last days as text, JSON or CSV.
func (a *App) WriteStats(w io.Writer, days int, asJSON, asCSV bool, width int) error {
	if days <= 0 {
		days = 14
	}
	b := stats.NewBuilder(a.now(), days, time.Local)
	if err := a.Store.ForEachConv(func(c social.Conversation) bool { b.Add(c); return true }); err != nil {
		return err
	}
	r := b.Report()
	switch {
	case asJSON:
		return r.JSON(w)
	case asCSV:
		return r.CSV(w)
	}
	_, err := io.WriteString(w, r.Text(width))
	return err
}
