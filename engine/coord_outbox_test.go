package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// replyServer is a fake network without idempotency keys: it counts the
// posts it creates per reply, and can hold a process's send after the post
// was created and before hark hears back (the crash window).
type replyServer struct {
	mu       sync.Mutex
	created  map[string]int
	confirms int
	hold     map[string]int           // process → hold its n-th send
	sends    map[string]int           // process → sends so far
	held     map[string]chan struct{} // process → closed when a send is held
	release  chan struct{}
}

type procSender struct {
	s    *replyServer
	proc string
}

func (p procSender) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	s := p.s
	s.mu.Lock()
	s.created[r.ID]++
	s.sends[p.proc]++
	hold := s.hold[p.proc] == s.sends[p.proc]
	s.mu.Unlock()
	if hold {
		close(s.held[p.proc])
		<-s.release // created on the server; hark does not hear of it yet
	}
	return social.Sent{RemoteID: "s-" + r.ID}, nil
}

func (p procSender) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.confirms++
	if s.created[r.ID] > 0 {
		return social.Sent{RemoteID: "s-" + r.ID}, true, nil
	}
	return social.Sent{}, false, nil
}

func startSender(t testing.TB, dsn, name string, srv *replyServer, lease time.Duration) *proc {
	return startSenderWith(t, dsn, name, procSender{s: srv, proc: name}, lease, lease)
}

// startSenderWith starts a process that delivers the outbox (no feeds)
// through sender, its leases lease and its outbox claims claim long.
func startSenderWith(t testing.TB, dsn, name string, sender social.Sender, lease, claim time.Duration) *proc {
	t.Helper()
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs, log := procLog()
	e := New(Options{Store: st, ProcessID: name, Log: log,
		Accounts: []Account{{Network: social.Demo, Name: "acme", Brand: "Acme", Sender: sender}},
		LeaseTTL: lease, Heartbeat: lease / 6, ProcessTTL: lease / 2, Tick: time.Hour,
		OutboxLease: claim, SendTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{name: name, e: e, st: st, cancel: cancel, done: make(chan struct{}), logs: logs}
	go func() { defer close(p.done); e.Run(ctx) }()
	return p
}

// TestOutboxOnceAcrossProcesses: three processes deliver 300 replies; one
// is killed (-9) after the server created its post and before it recorded
// it, another stalls there and comes back after its claim expired. Every
// reply reaches the server exactly once: the dead sender's entry is taken
// over as uncertain and confirmed, and the stalled sender's late result is
// refused.
func TestOutboxOnceAcrossProcesses(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	srv := &replyServer{created: map[string]int{}, sends: map[string]int{},
		hold:    map[string]int{"killed": 7, "stalled": 11},
		held:    map[string]chan struct{}{"killed": make(chan struct{}), "stalled": make(chan struct{})},
		release: make(chan struct{})}
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	conv := seedMention(t, st, "f", "c")
	const n = 300
	lease := 1500 * time.Millisecond
	var ps []*proc
	for _, name := range []string{"killed", "stalled", "steady"} {
		ps = append(ps, startSender(t, dsn, name, srv, lease))
	}
	released := false
	defer func() {
		if !released {
			close(srv.release)
		}
		for _, p := range ps {
			p.cancel()
			<-p.done
			p.st.Close()
		}
	}()
	enqueueAnswers(t, st, conv, n)
	<-srv.held["killed"]
	// kill -9: it never records, never gives its claims up
	ps[0].e.coord.crash = true
	ps[0].cancel()
	ps[0].st.Close()
	<-srv.held["stalled"]
	// a deadline that tells a hang from a busy machine (300 sends under
	// -race on 2 busy cores took over a minute)
	waitFor(t, "every reply sent", 4*time.Minute, func() bool {
		sent, err := st.Outbox(ctx, func(e store.OutboxEntry) bool { return e.State == store.OutSent })
		if err != nil {
			t.Fatal(err)
		}
		return len(sent) == n
	})
	// the stalled process comes back with its late result: refused
	released = true
	close(srv.release)
	waitFor(t, "the stalled sender's late result refused", time.Minute, func() bool {
		return strings.Contains(ps[1].logs.String(), "lease lost after send")
	})
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for i := range n {
		if c := srv.created[fmt.Sprint("r", i)]; c != 1 {
			t.Errorf("reply r%d created %d times", i, c)
		}
	}
	if srv.confirms < 2 {
		t.Errorf("%d confirms: the two held entries were not taken over as uncertain", srv.confirms)
	}
	t.Logf("sends per process: %v, confirms %d", srv.sends, srv.confirms)
}

// seedMention stores one mention (feed and cursor as given) and returns
// its conversation.
func seedMention(t *testing.T, st store.Store, feed, cursor string) string {
	t.Helper()
	r, err := st.Ingest(context.Background(), feed, cursor, []social.Post{{Network: social.Demo, Account: "acme", RemoteID: "m",
		Author: social.Author{Handle: "ann"}, Text: "hi", CreatedAt: start, Kind: social.KindMention}}, nil, start)
	if err != nil {
		t.Fatal(err)
	}
	return r.Changed[0]
}

// enqueueAnswers queues n replies r0… ("answer 0"…) to conversation conv.
func enqueueAnswers(t *testing.T, st store.Store, conv string, n int) {
	t.Helper()
	for i := range n {
		if _, err := st.Enqueue(context.Background(), social.Reply{ID: fmt.Sprint("r", i), Network: social.Demo, Account: "acme",
			ConvID: conv, Text: fmt.Sprint("answer ", i)}, false, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
