package engine_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/store"
)

// BenchmarkDeliveryRound: an idle delivery round (nothing due; ten failed
// replies wait for the operator) on the generated store with its outbox
// history (a reply for every fourth conversation: 50k at 200k). "index"
// is the engine's round (the open entries from the state index); "before"
// is how the round read the outbox before it (every entry decoded), in
// the same run.
func BenchmarkDeliveryRound(b *testing.B) {
	n := benchgen.Large
	if v, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	st := benchgen.Open(b, n)
	e := engine.New(engine.Options{Store: st, Now: benchgen.End})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			if next := e.Deliver(context.Background()); !next.IsZero() {
				b.Fatal("something was due")
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for b.Loop() {
			entries, err := st.Outbox(context.Background(), func(x store.OutboxEntry) bool {
				return x.State == store.OutQueued || x.State == store.OutSending
			})
			if err != nil || len(entries) != 0 {
				b.Fatal(len(entries), err)
			}
		}
	})
}
