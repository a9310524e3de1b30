package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// TestStalledConnectionIsFenced: a TCP proxy between process a and
// PostgreSQL stalls while a holds the feed (its poll in flight) and a
// claimed reply (the server created it, a has not heard back). b takes the
// feed and the reply over within the lease bounds; when a's connection
// passes again, its batch and its send result are refused, not committed.
// Then the proxy resets a's connections, and a works again.
func TestStalledConnectionIsFenced(t *testing.T) {
	c := pgtest.Shared(t)
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	px, err := c.NewProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	fsrv := &feedServer{total: map[string]int{"f": 2}, gate: map[string]chan struct{}{}}
	rsrv := &replyServer{created: map[string]int{}, sends: map[string]int{}, hold: map[string]int{"a": 1},
		held: map[string]chan struct{}{"a": make(chan struct{})}, release: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(rsrv.release)
		}
	}()
	ttl := 1500 * time.Millisecond
	mk := func(name, dsn string) *proc {
		st, err := pg.Open(context.Background(), dsn, pg.Options{OpTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		logs, log := procLog()
		e := New(Options{Store: st, ProcessID: name, Log: log,
			Feeds:    []Feed{{Source: srvSource{s: fsrv, feed: "f", proc: name}, Network: social.Demo, Account: "acme", Brand: "Acme", Interval: 100 * time.Millisecond}},
			Accounts: []Account{{Network: social.Demo, Name: "acme", Brand: "Acme", Sender: procSender{s: rsrv, proc: name}}},
			LeaseTTL: ttl, Heartbeat: ttl / 6, ProcessTTL: ttl / 2, Tick: ttl, OutboxLease: 2 * time.Second, SendTimeout: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		p := &proc{name: name, e: e, st: st, cancel: cancel, done: make(chan struct{}), logs: logs}
		go func() { defer close(p.done); e.Run(ctx) }()
		t.Cleanup(func() { p.stop(false) })
		return p
	}
	a := mk("a", px.Via(dsn))
	waitFor(t, "a polls", 30*time.Second, func() bool { return stored(t, a.st)["f"] == 2 })

	// a's next poll hangs at the network with the cursor read; a's send
	// of a reply hangs after the server created it
	gate := make(chan struct{})
	entered := make(chan struct{})
	fsrv.mu.Lock()
	fsrv.gate["a"] = gate
	fsrv.entered = map[string]chan struct{}{"a": entered}
	fsrv.mu.Unlock()
	fsrv.add("f", 1)
	obs, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	convs := []string{}
	obs.ForEachConv(context.Background(), func(c social.Conversation) bool { convs = append(convs, c.ID); return true })
	if _, err := obs.Enqueue(context.Background(), social.Reply{ID: "r1", Network: social.Demo, Account: "acme", ConvID: convs[0], Text: "on it"}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	<-rsrv.held["a"]
	<-entered // a's poll is in flight, its cursor read
	px.Stall()
	stalled := time.Now()
	b := mk("b", dsn)
	waitFor(t, "b stores the post a is stuck on", 30*time.Second, func() bool { return stored(t, b.st)["f"] == 3 })
	feedTaken := time.Since(stalled)
	waitFor(t, "b confirms and records the reply a is stuck on", 30*time.Second, func() bool {
		e, err := b.st.OutboxEntry(context.Background(), 1)
		return err == nil && e.State == store.OutSent
	})
	replyTaken := time.Since(stalled)
	t.Logf("after the stall: feed taken over in %v, reply in %v (lease %v, claim 2s)", feedTaken.Round(time.Millisecond), replyTaken.Round(time.Millisecond), ttl)

	// a's connection passes again; its stale batch and send come back
	px.Pass()
	close(gate)
	released = true
	close(rsrv.release)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("a's log:\n%s", a.logs.String())
		}
	})
	waitFor(t, "a's batch refused", 30*time.Second, func() bool { return strings.Contains(a.logs.String(), "poll batch fenced") })
	waitFor(t, "a's send result refused", 30*time.Second, func() bool { return strings.Contains(a.logs.String(), "lease lost after send") })
	rsrv.mu.Lock()
	if n := rsrv.created["r1"]; n != 1 {
		t.Errorf("reply created %d times", n)
	}
	rsrv.mu.Unlock()
	if n := stored(t, obs)["f"]; n != 3 {
		t.Errorf("%d posts stored, want 3", n)
	}

	// reset: a's connections are cut; its pool reconnects and a works
	b.stop(false) // a is the only one left: it must take the feed back
	px.Reset()
	fsrv.add("f", 1)
	waitFor(t, "a polls again after the reset", 30*time.Second, func() bool { return stored(t, obs)["f"] == 4 })
}
