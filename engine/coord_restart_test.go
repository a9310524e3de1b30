package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// TestDatabaseRestartWhileThreeProcessesWork: PostgreSQL is restarted
// (fast shutdown, down for a second) while three engines poll three feeds
// and deliver 150 replies. Every engine reconnects and tells its screens
// to reload (EvResync); every served post is stored once and every reply
// reaches the server exactly once.
func TestDatabaseRestartWhileThreeProcessesWork(t *testing.T) {
	c, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	defer c.Stop()
	if err := c.Template("restart_tmpl", pgMigrate); err != nil {
		t.Fatal(err)
	}
	dsn, err := c.NewDB("restart_tmpl")
	if err != nil {
		t.Fatal(err)
	}
	feeds := []string{"f1", "f2", "f3"}
	fsrv := &feedServer{total: map[string]int{}, gate: map[string]chan struct{}{}}
	rsrv := &replyServer{created: map[string]int{}, sends: map[string]int{}, hold: map[string]int{},
		held: map[string]chan struct{}{}, release: make(chan struct{})}
	defer close(rsrv.release)
	for _, f := range feeds {
		fsrv.add(f, 5)
	}
	ttl := 2 * time.Second
	var ps []*proc
	var subs []<-chan Event
	for _, name := range []string{"a", "b", "c"} {
		st, err := pg.Open(context.Background(), dsn, pg.Options{OpTimeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var fs []Feed
		for _, id := range feeds {
			fs = append(fs, Feed{Source: srvSource{s: fsrv, feed: id, proc: name}, Network: social.Demo, Account: "acme", Brand: "Acme", Interval: 100 * time.Millisecond})
		}
		logs, log := procLog()
		e := New(Options{Store: st, Feeds: fs, ProcessID: name, Log: log,
			Accounts: []Account{{Network: social.Demo, Name: "acme", Brand: "Acme", Sender: procSender{s: rsrv, proc: name}}},
			LeaseTTL: ttl, Heartbeat: ttl / 6, ProcessTTL: ttl / 2, Tick: ttl, OutboxLease: 3 * time.Second, SendTimeout: time.Second})
		ev, stop := e.Subscribe()
		defer stop()
		subs = append(subs, ev)
		ctx, cancel := context.WithCancel(context.Background())
		p := &proc{name: name, e: e, st: st, cancel: cancel, done: make(chan struct{}), logs: logs}
		go func() { defer close(p.done); e.Run(ctx) }()
		ps = append(ps, p)
		defer p.stop(false)
	}
	obs, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	ctx := context.Background()
	const n = 150
	enqueueAnswers(t, obs, seedMention(t, obs, "seed", ""), n)
	obs.Close()
	// restart while they work
	waitFor(t, "some replies out", 30*time.Second, func() bool {
		rsrv.mu.Lock()
		defer rsrv.mu.Unlock()
		return len(rsrv.created) > 10
	})
	for _, f := range feeds {
		fsrv.add(f, 5)
	}
	if err := c.Restart(time.Second); err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		fsrv.add(f, 5)
	}
	for i, ev := range subs {
		waitEvent(t, ev, EvResync, "", 60*time.Second)
		t.Logf("%s resynced", ps[i].name)
	}
	obs, err = pg.Open(ctx, dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	waitFor(t, "every reply sent and every post stored", 90*time.Second, func() bool {
		sent, err := obs.Outbox(ctx, func(e store.OutboxEntry) bool { return e.State == store.OutSent })
		if err != nil || len(sent) != n {
			return false
		}
		return storedEach(t, obs, feeds, 15)
	})
	rsrv.mu.Lock()
	defer rsrv.mu.Unlock()
	for i := range n {
		if k := rsrv.created[fmt.Sprint("r", i)]; k != 1 {
			t.Errorf("reply r%d created %d times", i, k)
		}
	}
	t.Logf("sends per process %v, confirms %d", rsrv.sends, rsrv.confirms)
}
