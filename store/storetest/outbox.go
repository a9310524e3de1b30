package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// outboxContract: the open entries from the state index are exactly the
// outbox's entries not sent or discarded, as they move (retry, discard,
// send); the log pages through every entry, newest first.
func outboxContract(t *testing.T, s store.Store) {
	x := withHistory[store.OutboxIndexer](t, s, "outbox index", 200)
	ctx := context.Background()
	check := func(stage string) {
		t.Helper()
		all, err := s.Outbox(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint64
		for _, e := range all {
			if e.State != store.OutSent && e.State != store.OutDropped {
				want = append(want, e.Seq)
			}
		}
		open, err := x.OutboxOpen(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, e := range open {
			got = append(got, e.Seq)
		}
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%s: open %v, want %v", stage, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: open %v, want %v", stage, got, want)
			}
		}
		// the log, 7 at a time, newest first
		var seen []uint64
		var before uint64
		for {
			page, err := x.OutboxLog(ctx, before, 7, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				seen = append(seen, e.Seq)
			}
			if len(page) < 7 {
				break
			}
			before = page[len(page)-1].Seq
		}
		if len(seen) != len(all) {
			t.Fatalf("%s: the log paged through %d of %d entries", stage, len(seen), len(all))
		}
		for i, seq := range seen {
			if seq != all[len(all)-1-i].Seq {
				t.Fatalf("%s: log entry %d is %d, want %d", stage, i, seq, all[len(all)-1-i].Seq)
			}
		}
		sent, err := x.OutboxLog(ctx, 0, 3, func(e store.OutboxEntry) bool { return e.State == store.OutSent })
		if err != nil || len(sent) != 3 {
			t.Fatalf("%s: sent log %d %v", stage, len(sent), err)
		}
		// the status entries from their index are the outbox's ones
		if si, ok := s.(store.StatusIndexer); ok {
			sts, err := si.OutboxStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []string
			for _, e := range all {
				if e.IsStatus() {
					want = append(want, fmt.Sprint(e.Seq, e.Reply.ConvID, e.State))
				}
			}
			for _, e := range sts {
				got = append(got, fmt.Sprint(e.Seq, e.Reply.ConvID, e.State))
			}
			if len(want) != 3 || !slices.Equal(got, want) {
				t.Fatalf("%s: status entries %q, want %q (3)", stage, got, want)
			}
		}
	}
	// two copies of a status post and a follow-up, among the replies
	now := benchgen.End()
	for i, ref := range []string{store.StatusRef("s1", false), store.StatusRef("s1", false), store.StatusRef("s1", true)} {
		r := social.Reply{ID: fmt.Sprintf("status-copy-%d", i), Key: fmt.Sprintf("status-copy-%d", i), Network: social.Mastodon,
			Account: fmt.Sprintf("acct%d", i%2), ConvID: ref, To: social.Post{Brand: "Acme"}, Text: "We are back up.", CreatedAt: now}
		if _, err := s.Enqueue(ctx, r, false, now); err != nil {
			t.Fatal(err)
		}
	}
	check("built")
	open, _ := x.OutboxOpen(ctx, nil)
	for i, e := range open[:3] {
		if _, err := s.UpdateOutbox(ctx, e.Seq, func(x *store.OutboxEntry) error {
			x.State = []store.OutboxState{store.OutQueued, store.OutDropped, store.OutSent}[i]
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check("moved")
}
