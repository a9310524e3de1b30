package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// A reply scheduled for later survives hark quitting and goes out once,
// on Mastodon and Bluesky, when a later hark finds it due.
func TestScheduledReplyAcrossRestart(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, clk := w.openPolled(t, ctx)
	texts := map[social.Network]string{
		social.Mastodon: "Did the replacement arrive? (Mastodon)",
		social.Bluesky:  "Did the replacement arrive? (Bluesky)",
	}
	for n, text := range texts {
		target := publicConv(t, a, n, "")
		ent, err := a.Engine.Reply(t.Context(), target.ID, text, engine.ReplyOptions{At: clk.Now().Add(5 * 24 * time.Hour), SendAnyway: true})
		if err != nil || ent.State != store.OutScheduled {
			t.Fatalf("%s: %+v %v", n, ent, err)
		}
	}
	a.Engine.Deliver(ctx)
	if made := mastodonMade(w.nets, texts[social.Mastodon]); made != 0 {
		t.Fatalf("sent before its time: %d", made)
	}
	a.Close() // hark quits

	clk.Advance(6 * 24 * time.Hour)
	a = w.openApp(t, ctx, app.Options{Now: clk.Now})
	defer a.Close()
	a.Engine.Deliver(ctx)
	a.Engine.Deliver(ctx)
	if made := mastodonMade(w.nets, texts[social.Mastodon]); made != 1 {
		t.Errorf("mastodon: %d posts of the scheduled reply, want 1", made)
	}
	bs := count(w.nets.Bluesky.Records(), func(r fakenet.Record) bool {
		return strings.Contains(string(r.Record), texts[social.Bluesky])
	})
	if bs != 1 {
		t.Errorf("bluesky: %d posts of the scheduled reply, want 1", bs)
	}
	left, _ := a.Store.Outbox(context.Background(), func(e store.OutboxEntry) bool { return e.State != store.OutSent })
	if len(left) != 0 {
		t.Errorf("outbox still holds %+v", left)
	}
}
