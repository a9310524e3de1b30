package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
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

func TestMain(m *testing.M) { pgtest.Main(m) }

func pgMigrate(dsn string) error { return pg.Migrate(context.Background(), dsn) }

// feedServer is one fake network holding a growing list of posts per feed;
// it records every poll: which process, which feed, which cursor.
type feedServer struct {
	mu    sync.Mutex
	total map[string]int // feed → posts served so far
	polls []pollRec
	gate  map[string]chan struct{} // process → blocks its polls while set
	// entered: process → closed (once) when a poll of it waits at its gate
	entered map[string]chan struct{}
}

type pollRec struct {
	feed, proc string
	cursor     int
	at         time.Time
}

func (s *feedServer) add(feed string, n int) {
	s.mu.Lock()
	s.total[feed] += n
	s.mu.Unlock()
}

type srvSource struct {
	s          *feedServer
	feed, proc string
}

func (f srvSource) ID() string { return f.feed }

func (f srvSource) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	f.s.mu.Lock()
	g := f.s.gate[f.proc]
	if en := f.s.entered[f.proc]; g != nil && en != nil {
		close(en)
		delete(f.s.entered, f.proc)
	}
	f.s.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
			return social.Batch{}, ctx.Err()
		}
	}
	from, _ := strconv.Atoi(cursor)
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	f.s.polls = append(f.s.polls, pollRec{feed: f.feed, proc: f.proc, cursor: from, at: time.Now()})
	to := f.s.total[f.feed]
	var b social.Batch
	for i := from + 1; i <= to; i++ {
		b.Posts = append(b.Posts, social.Post{Network: social.Demo, Account: "acme", RemoteID: f.feed + "-" + strconv.Itoa(i),
			Author: social.Author{Handle: "c" + strconv.Itoa(i%7)}, Text: "post " + strconv.Itoa(i),
			CreatedAt: start.Add(time.Duration(i) * time.Second), Kind: social.KindMention})
	}
	b.Cursor = strconv.Itoa(to)
	return b, nil
}

type proc struct {
	name   string
	e      *Engine
	st     *pg.Store
	cancel context.CancelFunc
	done   chan struct{}
	logs   *testkit.Buffer
}

// procLog is a test process's log: a text logger and what it wrote,
// readable while the process runs.
func procLog() (*testkit.Buffer, *slog.Logger) {
	b := &testkit.Buffer{}
	return b, slog.New(slog.NewTextHandler(b, nil))
}

func startProc(t testing.TB, dsn, name string, srv *feedServer, feeds []string, interval, ttl time.Duration) *proc {
	t.Helper()
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []Feed
	for _, id := range feeds {
		fs = append(fs, Feed{Source: srvSource{s: srv, feed: id, proc: name}, Network: social.Demo, Account: "acme", Brand: "Acme", Interval: interval})
	}
	logs, log := procLog()
	e := New(Options{Store: st, Feeds: fs, ProcessID: name, ProcessKind: "engine", Log: log,
		LeaseTTL: ttl, Heartbeat: ttl / 6, ProcessTTL: ttl / 2, Tick: ttl})
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{name: name, e: e, st: st, cancel: cancel, done: make(chan struct{}), logs: logs}
	go func() { defer close(p.done); e.Run(ctx) }()
	t.Cleanup(func() { p.stop(false) })
	return p
}

// stop ends the process; crash: without giving its leases up (kill -9).
func (p *proc) stop(crash bool) {
	select {
	case <-p.done:
		return
	default:
	}
	p.e.coord.crash = crash
	p.cancel()
	<-p.done
	p.st.Close()
}

func waitFor(t testing.TB, what string, d time.Duration, ok func() bool) {
	t.Helper()
	testkit.Eventually(t, d, what, ok)
}

// stored counts the posts of each feed in the store.
func stored(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	n := map[string]int{}
	if err := st.ForEachPost(context.Background(), func(p store.StoredPost) bool {
		id := p.Post.RemoteID
		for i := len(id) - 1; i >= 0; i-- {
			if id[i] == '-' {
				n[id[:i]]++
				break
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// storedEach says whether the store holds want posts of every feed.
func storedEach(t *testing.T, st store.Store, feeds []string, want int) bool {
	t.Helper()
	n := stored(t, st)
	for _, f := range feeds {
		if n[f] != want {
			return false
		}
	}
	return true
}

// TestFeedsSpreadAndSurviveKill: three engines on one database poll six
// feeds; each feed is polled by one process at a time, the feeds spread
// over the three, and after a kill -9 of one the others resume its feeds
// from the last committed cursor: every served post stored once.
func TestFeedsSpreadAndSurviveKill(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	srv := &feedServer{total: map[string]int{}, gate: map[string]chan struct{}{}}
	feeds := []string{"f1", "f2", "f3", "f4", "f5", "f6"}
	for _, f := range feeds {
		srv.add(f, 3)
	}
	interval, ttl := 150*time.Millisecond, 1500*time.Millisecond
	var ps []*proc
	for _, n := range []string{"p1", "p2", "p3"} {
		ps = append(ps, startProc(t, dsn, n, srv, feeds, interval, ttl))
	}
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	owners := func() map[string]string {
		ls, err := st.Leases(context.Background(), "feed:")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, l := range ls {
			m[l.Name[len("feed:"):]] = l.Owner
		}
		return m
	}
	// spread: two feeds each
	waitFor(t, "feeds spread over three processes", 30*time.Second, func() bool {
		per := map[string]int{}
		for _, o := range owners() {
			per[o]++
		}
		return len(per) == 3 && per["p1"] == 2 && per["p2"] == 2 && per["p3"] == 2
	})
	// kill -9 the owner of f1 while posts keep arriving
	victim := owners()["f1"]
	var vp *proc
	for _, p := range ps {
		if p.name == victim {
			vp = p
		}
	}
	for _, f := range feeds {
		srv.add(f, 2)
	}
	killed := time.Now()
	vp.stop(true)
	for _, f := range feeds {
		srv.add(f, 2)
	}
	waitFor(t, "f1 taken over", 30*time.Second, func() bool {
		o := owners()["f1"]
		return o != "" && o != victim
	})
	waitFor(t, "every served post stored", 30*time.Second, func() bool { return storedEach(t, st, feeds, 7) })
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var first time.Time
	for _, r := range srv.polls {
		if r.feed == "f1" && r.proc != victim && r.at.After(killed) && first.IsZero() {
			first = r.at
		}
	}
	t.Logf("f1 polled again %v after the kill (lease %v, interval %v)", first.Sub(killed).Round(time.Millisecond), ttl, interval)
	// one poller at a time: the cursors each feed was polled with never
	// go back (a second poller inside a lease would re-read old ones)
	by := map[string][]pollRec{}
	for _, r := range srv.polls {
		by[r.feed] = append(by[r.feed], r)
	}
	for f, rs := range by {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].at.Before(rs[j].at) })
		for i := 1; i < len(rs); i++ {
			if rs[i].cursor < rs[i-1].cursor {
				t.Errorf("feed %s: %s polled from %d after %s had polled from %d", f, rs[i].proc, rs[i].cursor, rs[i-1].proc, rs[i-1].cursor)
			}
		}
	}
}

// TestStalledPollerIsFenced: a process stalled inside its poll loses its
// lease; another takes the feed and stores the posts; when the stalled one
// comes back its batch is refused whole and the feed's status shows no
// error for it.
func TestStalledPollerIsFenced(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	srv := &feedServer{total: map[string]int{"f": 2}, gate: map[string]chan struct{}{}}
	interval, ttl := 100*time.Millisecond, 800*time.Millisecond
	a := startProc(t, dsn, "a", srv, []string{"f"}, interval, ttl)
	waitFor(t, "a polls", 30*time.Second, func() bool { return stored(t, a.st)["f"] == 2 })
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate["a"] = gate
	srv.mu.Unlock()
	ev, stopEv := a.e.Subscribe()
	defer stopEv()
	// a's own first batch may still be announced after this subscription
	// (the event follows the commit): its conversations are not news
	before := map[string]bool{}
	if err := a.st.ForEachPost(context.Background(), func(p store.StoredPost) bool {
		before[p.ConvID] = true
		return true
	}); err != nil {
		t.Fatal(err)
	}
	srv.add("f", 1)
	// a's next poll blocks (after it read the cursor); b starts and takes
	// the feed once a's lease has expired
	b := startProc(t, dsn, "b", srv, []string{"f"}, interval, ttl)
	waitFor(t, "b stores the new post", 30*time.Second, func() bool { return stored(t, b.st)["f"] == 3 })
	srv.add("f", 1)
	waitFor(t, "b stores the next", 30*time.Second, func() bool { return stored(t, b.st)["f"] == 4 })
	cur, _, _ := b.st.FeedCursor(context.Background(), "f")
	close(gate) // a wakes with its stale batch (cursor 2 → 4 posts 3, 4)
	waitFor(t, "a's stale batch fenced", 30*time.Second, func() bool {
		return strings.Contains(a.logs.String(), "poll batch fenced")
	})
	// a's batch was refused: the cursor is b's, and a reports no error
	// (nor a new-posts event) for it
	deadline := time.After(ttl)
	for done := false; !done; {
		select {
		case x := <-ev:
			if x.Kind == EvNewPosts && slices.ContainsFunc(x.ConvIDs, func(id string) bool { return !before[id] }) {
				t.Fatalf("a stored a stale batch: %+v (a's first batch: %v)", x.ConvIDs, before)
			}
			if x.Kind == EvFeedStatus && x.Feed.LastError != "" && x.Feed.ErrorKind != "" {
				t.Fatalf("a fenced batch counted as a feed error: %+v", *x.Feed)
			}
		case <-deadline:
			done = true
		}
	}
	if c2, _, _ := b.st.FeedCursor(context.Background(), "f"); c2 != cur {
		t.Fatalf("cursor went back from %s to %s", cur, c2)
	}
	if n := stored(t, b.st)["f"]; n != 4 {
		t.Fatalf("%d posts, want 4", n)
	}
}

// TestClockRunsInOneProcess: only the holder of the clock lease wakes
// snoozed conversations; killing it moves the clock to another process.
func TestClockRunsInOneProcess(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	ctx := context.Background()
	st, err := pg.Open(ctx, dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.Ingest(ctx, "f", "c", []social.Post{
		{Network: social.Demo, Account: "acme", RemoteID: "1", Author: social.Author{Handle: "a"}, Text: "x", CreatedAt: start, Kind: social.KindMention},
		{Network: social.Demo, Account: "acme", RemoteID: "2", Author: social.Author{Handle: "b"}, Text: "y", CreatedAt: start, Kind: social.KindMention},
	}, nil, start)
	if err != nil || len(r.Changed) != 2 {
		t.Fatal(r, err)
	}
	snooze := func(id string) {
		t.Helper()
		if _, err := st.UpdateConv(ctx, id, func(c *social.Conversation) error {
			c.State, c.SnoozedUntil = social.StateSnoozed, time.Now().Add(-time.Second)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(id string) bool {
		c, err := st.Conversation(ctx, id)
		return err == nil && c.State == social.StateOpen
	}
	ttl := time.Second
	mk := func(name string) *proc {
		p := startProc(t, dsn, name, &feedServer{total: map[string]int{}}, nil, time.Second, ttl)
		return p
	}
	a, b := mk("a"), mk("b")
	// the clocks tick every lease time (startProc); poke them by hand too
	holder := func() string {
		ls, _ := st.Leases(ctx, store.LeaseClock)
		if len(ls) == 1 {
			return ls[0].Owner
		}
		return ""
	}
	waitFor(t, "a clock holder", 30*time.Second, func() bool { return holder() != "" })
	h := holder()
	snooze(r.Changed[0])
	for _, p := range []*proc{a, b} {
		if p.e.coord.clockLease(ctx) {
			p.e.Wake()
		}
	}
	if !open(r.Changed[0]) {
		t.Fatal("the snoozed conversation was not woken")
	}
	// (the other process hears of the change too, as an event: the logs
	// say who woke it)
	woke := map[string]int{}
	for _, p := range []*proc{a, b} {
		if n := strings.Count(p.logs.String(), "woke snoozed conversations"); n > 0 {
			woke[p.name] = n
		}
	}
	if len(woke) != 1 || woke[h] != 1 {
		t.Fatalf("woken by %v, want only by the holder %s", woke, h)
	}
	// kill -9 the holder: the other takes the clock once the lease expires
	other := b
	if h == "b" {
		other = a
		b.stop(true)
	} else {
		a.stop(true)
	}
	snooze(r.Changed[1])
	waitFor(t, "the clock moves", 30*time.Second, func() bool {
		if other.e.coord.clockLease(ctx) {
			other.e.Wake()
		}
		return open(r.Changed[1])
	})
	if holder() != other.name {
		t.Fatalf("clock held by %q, want %s", holder(), other.name)
	}
}

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

// durableDB is a new database from the engine's template on the cluster
// with fsync on.
func durableDB(b *testing.B) string {
	b.Helper()
	c := pgtest.Durable(b)
	if err := c.Template("engine_tmpl", pgMigrate); err != nil {
		b.Fatal(err)
	}
	dsn, err := c.NewDB("engine_tmpl")
	if err != nil {
		b.Fatal(err)
	}
	return dsn
}
