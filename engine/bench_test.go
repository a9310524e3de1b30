package engine_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
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

// BenchmarkStatusPosts: what the engine's start and the status overlay
// read to list the status posts, on the generated store with its outbox
// history (50k replies at 200k) and 300 status posts' copies added.
// "index" reads the status entries from their index (schema 10); "before"
// is how they were found before it (every outbox entry decoded), in the
// same run; "engine" is engine.New, which lists them at start.
func BenchmarkStatusPosts(b *testing.B) {
	n := benchgen.Large
	if v, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	st := benchgen.Open(b, n)
	ctx := context.Background()
	now := benchgen.End()
	for i := range 300 {
		r := social.Reply{ID: fmt.Sprint("status-", i), Key: fmt.Sprint("status-", i), Network: social.Mastodon,
			Account: "acme", ConvID: store.StatusRef(strconv.Itoa(i/2), false), To: social.Post{Brand: "Acme"},
			Text: "Scheduled maintenance tonight.", CreatedAt: now}
		if _, err := st.Enqueue(ctx, r, false, now); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			if sts, err := store.Statuses(ctx, st, "", 0); err != nil || len(sts) != 150 {
				b.Fatal(len(sts), err)
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for b.Loop() {
			entries, err := st.Outbox(ctx, func(x store.OutboxEntry) bool { return x.IsStatus() })
			if err != nil || len(entries) != 300 {
				b.Fatal(len(entries), err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		for b.Loop() {
			engine.New(engine.Options{Store: st, Now: benchgen.End})
		}
	})
}
