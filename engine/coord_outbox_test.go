package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
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

// mediaServer is a network that takes images: it counts uploads and posts,
// and holds the upload of the process named stall after storing the image
// and before answering (a sender stalled mid-upload).
type mediaServer struct {
	mu      sync.Mutex
	uploads map[string]int // process → images uploaded
	created map[string]int // reply id → posts
	refs    map[string]string
	stall   string
	held    chan struct{}
	release chan struct{}
}

type mediaSender struct {
	s    *mediaServer
	proc string
}

func (m mediaSender) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	s := m.s
	s.mu.Lock()
	s.uploads[m.proc]++
	ref := fmt.Sprintf("media-%s-%d", m.proc, s.uploads[m.proc])
	hold := m.proc == s.stall && s.uploads[m.proc] == 1
	s.mu.Unlock()
	if hold {
		close(s.held)
		<-s.release // stored on the server; the sender does not hear of it yet
	}
	return ref, nil
}

func (m mediaSender) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created[r.ID]++
	if len(r.Attachments) > 0 {
		s.refs[r.ID] = r.Attachments[0].Ref
	}
	return social.Sent{RemoteID: "s-" + r.ID}, nil
}

func (m mediaSender) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.created[r.ID] > 0 {
		return social.Sent{RemoteID: "s-" + r.ID}, true, nil
	}
	return social.Sent{}, false, nil
}

func startMediaSender(t testing.TB, dsn, name string, srv *mediaServer, lease, claim time.Duration) *proc {
	return startSenderWith(t, dsn, name, mediaSender{s: srv, proc: name}, lease, claim)
}

// TestUploadRecordFencedByClaim: a sender stalls in the middle of an image
// upload until its outbox claim has passed to another process, which
// confirms, uploads and sends the reply. When the stalled sender comes
// back, recording its upload is refused (it no longer holds the claim):
// it records nothing, does not send, and the entry keeps the new owner's
// image. The reply is posted once, with the new owner's upload.
//
// The stalled sender's own send deadline (its monotonic clock) is far
// off, and its claim expires on the database's clock: a machine that was
// suspended (its monotonic clock stopped, the database's did not), so the
// deadline that normally cuts a late sender off has not fired and the
// fence in the record's transaction is what stops it.
func TestUploadRecordFencedByClaim(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	srv := &mediaServer{uploads: map[string]int{}, created: map[string]int{}, refs: map[string]string{},
		stall: "stalled", held: make(chan struct{}), release: make(chan struct{})}
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.Ingest(ctx, "f", "c", []social.Post{{Network: social.Demo, Account: "acme", RemoteID: "m",
		Author: social.Author{Handle: "ann"}, Text: "hi", CreatedAt: start, Kind: social.KindMention}}, nil, start)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := st.Enqueue(ctx, social.Reply{ID: "with-image", Network: social.Demo, Account: "acme", ConvID: r.Changed[0],
		Text: "here is the map", Attachments: []social.Attachment{{Path: "/nonexistent/map.png", Alt: "the terminal map"}}}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lease := 1500 * time.Millisecond
	stalled := startMediaSender(t, dsn, "stalled", srv, lease, 10*time.Minute)
	released := false
	var steady *proc
	defer func() {
		if !released {
			close(srv.release)
		}
		for _, p := range []*proc{stalled, steady} {
			if p != nil {
				p.cancel()
				<-p.done
				p.st.Close()
			}
		}
	}()
	<-srv.held // the stalled sender holds the claim, its upload in flight
	// its machine sleeps: the claim runs out on the database's clock
	if _, err := st.Pool().Exec(ctx, "UPDATE outbox SET lease_until = now() - interval '1 hour' WHERE state = 'sending'"); err != nil {
		t.Fatal(err)
	}
	steady = startMediaSender(t, dsn, "steady", srv, lease, lease)
	waitFor(t, "the steady process sends the reply", 30*time.Second, func() bool {
		e, err := st.OutboxEntry(ctx, ent.Seq)
		if err != nil {
			t.Fatal(err)
		}
		return e.State == store.OutSent
	})
	released = true
	close(srv.release)
	waitFor(t, "the stalled sender's upload record refused", 10*time.Second, func() bool {
		return strings.Contains(stalled.logs.String(), "lease lost during upload")
	})
	got, err := st.OutboxEntry(ctx, ent.Seq)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.created["with-image"] != 1 {
		t.Errorf("the reply was posted %d times", srv.created["with-image"])
	}
	if ref := got.Reply.Attachments[0].Ref; ref != "media-steady-1" || srv.refs["with-image"] != ref {
		t.Errorf("the entry records image %q, the post carries %q; want the new owner's media-steady-1", ref, srv.refs["with-image"])
	}
	if got.State != store.OutSent {
		t.Errorf("entry %s after the stalled sender came back", got.State)
	}
	t.Logf("uploads per process: %v", srv.uploads)
}

// BenchmarkOutboxThreeProcesses: three engines, each with its own
// connection pool (as three processes would have), deliver 3,000 queued
// replies through a fake sender that answers at once, on PostgreSQL with
// fsync on. It reports replies a second, duplicates and lost replies.
func BenchmarkOutboxThreeProcesses(b *testing.B) {
	const n = 3000
	for range b.N {
		dsn := durableDB(b)
		st, err := pg.Open(context.Background(), dsn, pg.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		// one conversation per reply, as a real queue has
		var convs []string
		for k := 0; k < n; k += 100 {
			var batch []social.Post
			for i := k; i < k+100; i++ {
				batch = append(batch, social.Post{Network: social.Demo, Account: "acme", RemoteID: fmt.Sprint("m", i),
					Author: social.Author{Handle: fmt.Sprint("c", i)}, Text: "hi", CreatedAt: start, Kind: social.KindMention})
			}
			r, err := st.Ingest(ctx, "f", "c", batch, nil, start)
			if err != nil {
				b.Fatal(err)
			}
			convs = append(convs, r.Changed...)
		}
		now := time.Now()
		for i := range n {
			if _, err := st.Enqueue(ctx, social.Reply{ID: fmt.Sprint("r", i), Network: social.Demo, Account: "acme",
				ConvID: convs[i], Text: fmt.Sprint("answer ", i)}, false, now); err != nil {
				b.Fatal(err)
			}
		}
		srv := &replyServer{created: map[string]int{}, sends: map[string]int{}, hold: map[string]int{},
			held: map[string]chan struct{}{}, release: make(chan struct{})}
		b.ResetTimer()
		began := time.Now()
		var ps []*proc
		for _, name := range []string{"a", "b", "c"} {
			ps = append(ps, startSender(b, dsn, name, srv, 30*time.Second))
		}
		var done int
		if !testkit.Poll(90*time.Second, func() bool {
			srv.mu.Lock()
			done = len(srv.created)
			srv.mu.Unlock()
			if done != n {
				return false
			}
			sent, err := st.Outbox(ctx, func(e store.OutboxEntry) bool { return e.State == store.OutSent })
			if err != nil {
				b.Fatal(err)
			}
			return len(sent) == n
		}) {
			var states []string
			st.Outbox(ctx, func(e store.OutboxEntry) bool {
				if e.State != store.OutSent {
					states = append(states, fmt.Sprintf("%d:%s:%d:%v", e.Seq, e.State, e.Attempts, e.Uncertain))
				}
				return false
			})
			for _, p := range ps {
				l := p.logs.String()
				b.Logf("%s: %s", p.name, l[max(0, len(l)-3000):])
			}
			b.Fatalf("%d of %d delivered in time; undelivered %d: %v", done, n, len(states), states[:min(20, len(states))])
		}
		took := time.Since(began)
		b.StopTimer()
		dups, lost := 0, 0
		srv.mu.Lock()
		for i := range n {
			switch c := srv.created[fmt.Sprint("r", i)]; {
			case c == 0:
				lost++
			case c > 1:
				dups += c - 1
			}
		}
		b.ReportMetric(float64(n)/took.Seconds(), "replies/s")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(lost), "lost")
		b.Logf("sends per process: %v", srv.sends)
		srv.mu.Unlock()
		close(srv.release)
		for _, p := range ps {
			p.cancel()
			<-p.done
			p.st.Close()
		}
		st.Close()
		b.StartTimer()
	}
}
