package app

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
)

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return benchgen.Large
}

// BenchmarkStats: the stats report (the stats view and hark stats) over 14
// and 365 days of the generated store: "totals" from the running totals,
// "before" by reading every conversation (the path before them), in one
// run.
func BenchmarkStats(b *testing.B) {
	st := benchgen.Open(b, benchSize())
	a := &App{Cfg: &config.Config{}, Store: st, now: benchgen.End}
	for _, days := range []int{14, 365} {
		for _, by := range []string{"", "operator"} {
			name := strconv.Itoa(days) + "d" + map[string]string{"": "", "operator": "_by_operator"}[by]
			var vol int
			b.Run(name+"/totals", func(b *testing.B) {
				for b.Loop() {
					r, err := a.statsOf(days, by, nil)
					if err != nil {
						b.Fatal(err)
					}
					vol = r.Total.Volume
				}
				b.ReportMetric(float64(vol), "convs")
			})
			b.Run(name+"/before", func(b *testing.B) {
				for b.Loop() {
					sb := stats.NewBuilder(a.now(), days, time.Local)
					if by == "operator" {
						sb.ByOperator(social.Actor{})
					}
					if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
						sb.Add(c)
						return true
					}); err != nil {
						b.Fatal(err)
					}
					if r := sb.Report(); r.Total.Volume != vol {
						b.Fatalf("before counted %d, the totals %d", r.Total.Volume, vol)
					}
				}
				b.ReportMetric(float64(vol), "convs")
			})
		}
	}
}
