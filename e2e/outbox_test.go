package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// mastodonConv polls once and returns a Mastodon conversation hark can
// answer publicly.
func mastodonConv(t *testing.T, a *app.App) social.Conversation {
	t.Helper()
	for _, r := range a.Engine.PollOnce(context.Background()) {
		if r.Err != nil {
			t.Fatalf("poll %s: %v", r.Feed, r.Err)
		}
	}
	target := publicConv(t, a, social.Mastodon, "")
	return target
}

// A reply queued by a hark that quit before delivering it (the TUI closed,
// `hark reply` timed out) goes out with the next `hark poll --once`, the
// command cron runs, which says so.
func TestPollOnceDeliversTheOutbox(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := w.openApp(t, ctx, app.Options{})
	c := mastodonConv(t, a)
	text := "Queued before the quit — outbox test"
	ent, err := a.Engine.Reply(t.Context(), c.ID, text, engine.ReplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close() // no Deliver: the entry waits in the outbox
	if n := mastodonMade(w.nets, text); n != 0 {
		t.Fatalf("the fake holds %d copies before poll --once, want 0", n)
	}

	out, stderr, err := w.hark(t, "poll", "--once")
	if err != nil {
		t.Fatalf("poll --once: %v\n%s\n%s", err, out, stderr)
	}
	want := regexp.MustCompile(`(?m)^outbox: reply ` + regexp.QuoteMeta(itoa(ent.Seq)) + ` to #` + c.ID + ` sent: \S+$`)
	if !want.MatchString(out) {
		t.Errorf("poll --once does not report the delivery (%s):\n%s", want, out)
	}
	if n := mastodonMade(w.nets, text); n != 1 {
		t.Errorf("the fake holds %d copies after poll --once, want 1", n)
	}
	// The next run has nothing left to send and says nothing about it.
	out, _, err = w.hark(t, "poll", "--once")
	if err != nil || strings.Contains(out, "outbox:") || mastodonMade(w.nets, text) != 1 {
		t.Errorf("second poll --once (err %v) mentions the outbox or sent again:\n%s", err, out)
	}
}

// A reply that failed on a bad token is retried by itself once the
// account authenticates again: the operator fixes the token, and the next
// successful poll of the account's feed queues it and delivers it.
func TestAuthFailedReplyRetriedAfterTokenFix(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := w.openApp(t, ctx, app.Options{})
	c := mastodonConv(t, a)
	a.Close()

	t.Setenv(fakenet.EnvMastodonToken, "revoked-token")
	text := "Sent once the token works — auth test"
	out, stderr, err := w.hark(t, "reply", c.ID, text)
	if err == nil || !strings.Contains(err.Error(), "auth") {
		t.Fatalf("hark reply with a bad token: err %v, want an auth failure\n%s\n%s", err, out, stderr)
	}
	st, err := store.Open(w.dir+"/hark.db", store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	failed, _ := st.Outbox(context.Background(), func(x store.OutboxEntry) bool { return x.State == store.OutFailed })
	st.Close()
	if len(failed) != 1 || failed[0].FailKind != "auth" {
		t.Fatalf("outbox after the refused send: %+v, want one entry failed on auth", failed)
	}

	t.Setenv(fakenet.EnvMastodonToken, w.nets.Mastodon.Token) // the operator fixes it
	out, stderr, err = w.hark(t, "poll", "--once")
	if err != nil {
		t.Fatalf("poll --once after the fix: %v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, "outbox: reply "+itoa(failed[0].Seq)+" to #"+c.ID+" sent: ") {
		t.Errorf("poll --once did not retry the auth-failed reply:\n%s", out)
	}
	if n := mastodonMade(w.nets, signed(text)); n != 1 {
		t.Errorf("the fake holds %d copies, want 1", n)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

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
