package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// usePG points the harness's config at a fresh PostgreSQL database (hark
// makes the schema) with short leases, so takeovers happen within a round.
func (h *harness) usePG(t *testing.T) {
	t.Helper()
	url := pgtest.DB(t, "", nil)
	b, err := os.ReadFile(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), fmt.Sprintf("store: %q\n", h.db), fmt.Sprintf("store: %q\nteam:\n  lease: 2s\n  send_lease: 6s\n", url), 1)
	if cfg == string(b) {
		t.Fatal("no store line in the crash config")
	}
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.db = url
}

// feedHolder is the pid of the process holding a feed's lease (0: none).
func feedHolder(t *testing.T, conn *pgx.Conn, feed string) int {
	t.Helper()
	var pid int
	err := conn.QueryRow(context.Background(), `SELECT p.pid FROM leases l JOIN processes p ON p.id = l.owner
		WHERE l.name = $1 AND l.until_at > now()`, store.LeaseFeed(feed)).Scan(&pid)
	if err != nil {
		return 0
	}
	return pid
}

// teamFeed is one feed of the team run: the crash Mastodon, or Bluesky or
// X behind the crash layer of crash_networks_test.go (net set).
type teamFeed struct {
	name     string
	id       string        // feed id (its lease is "feed:"+id)
	interval time.Duration // its poll interval
	// pageServed and created signal a page of mentions just served and a
	// reply just created on its server
	pageServed, created chan struct{}
	net                 *netHarness // Bluesky or X (nil: Mastodon)

	targets                       []string
	queued                        int // replies queued with hark reply
	replyAimed                    int // … killed right after its server created the post
	pollerKills, aimPage, aimPost int
	takeovers                     []time.Duration
}

// mostPolls is the most requests for a page of the feed's mentions served
// at once.
func (f *teamFeed) mostPolls(h *harness) int {
	if f.net == nil {
		return h.fake.MostNotifs()
	}
	return f.net.d.MostPolls()
}

// release makes new mentions on Bluesky and X (each with a photo: the
// fakes' way to add one; the crash Mastodon releases its own). Bluesky
// gets one a round: the fake pages by indexedAt alone (as the AppView's
// cursor does), so two mentions made in one millisecond across a page
// boundary would never be served at all.
func (f *teamFeed) release(rng *rand.Rand, round int) {
	if f.net == nil {
		return
	}
	n := 1
	if f.net.c.network == social.X {
		n += rng.IntN(3)
	}
	for i := range n {
		text := fmt.Sprintf("@acmecoffee my order from round %d (%d) arrived broken, photo attached", round, i)
		switch f.net.c.network {
		case social.Bluesky:
			f.net.nets.Bluesky.AddPhotoMention(text, "A crushed parcel", 800, 600)
		case social.X:
			f.net.nets.X.AddPhotoMention(text, "A crushed parcel", 800, 600)
		}
	}
}

// addNetworks adds the Bluesky and X accounts of nets to the harness's
// config (and their secrets to its environment), each fake behind a crash
// layer (fakenet.CrashLayer) that holds back, fails or drops the answers to creates.
func (h *harness) addNetworks(t *testing.T, nets *fakenet.Nets, seed uint64) []*teamFeed {
	t.Helper()
	b, err := os.ReadFile(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	// every kill of a sender counts as an attempt (see newNetHarness)
	cfg := strings.Replace(string(b), "\naccounts:\n", "\noutbox:\n  max_attempts: 100\naccounts:\n", 1)
	var feeds []*teamFeed
	for i, c := range []netCase{blueskyCase(false), xCase(false)} {
		d := c.crashLayer(nets, seed+uint64(i+1)*0x9e3779b9)
		d.SetOn(true)
		cfg += c.accountYAML(nets)
		f := &teamFeed{
			name: c.name, id: string(c.network) + ":" + c.account, pageServed: d.PageServed, created: d.Created,
			net: &netHarness{harkRun: harkRun{t: t, db: h.db}, c: c, nets: nets, d: d},
		}
		f.interval = map[social.Network]time.Duration{social.Bluesky: 10 * time.Second, social.X: config.MinInterval("x")}[c.network]
		feeds = append(feeds, f)
	}
	if !strings.Contains(cfg, "max_attempts") {
		t.Fatal("no accounts line in the crash config")
	}
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range nets.Env() {
		h.env = append(h.env, k+"="+v)
	}
	return feeds
}

// teamDone reports whether every outbox entry is delivered (or failed) and
// every mention of the Bluesky and X fakes is stored.
func (h *harness) teamDone(feeds []*teamFeed) bool {
	st := h.openStore("while the team finishes")
	defer st.Close()
	entries, err := st.Outbox(context.Background(), func(e store.OutboxEntry) bool {
		return e.State == store.OutQueued || e.State == store.OutSending
	})
	if err != nil || len(entries) > 0 {
		return false
	}
	stored := storedPosts(h.t, h.db, st, "while the team finishes")
	for _, f := range feeds {
		if f.net == nil {
			continue
		}
		for _, id := range f.net.c.mentions(f.net.nets) {
			if _, ok := stored[social.PostKey(f.net.c.network, f.net.c.account, id)]; !ok {
				return false
			}
		}
	}
	return true
}

// TestCrashTeam: three `hark engine` processes on one PostgreSQL database
// with three feeds: the crash Mastodon (no Idempotency-Key), and Bluesky
// and X behind the crash layer of TestCrashNetworks (create answers held
// back, replaced by a 502 or cut after the post exists). Each round
// releases mentions on all three, sometimes queues a reply on one of them
// with `hark reply` (itself killed at random, often right after the server
// created the post), and kills -9 one engine: most often the poller of a
// feed, at a random point, right after a page of mentions was served or
// right after a server created a post (before the sender recorded it),
// else a random one; the dead one is restarted. Afterwards, per network,
// every served mention is stored once, every reply accepted into the
// outbox reached its server exactly once, a feed whose poller was killed
// was taken over within its lease plus one interval, and no feed was
// polled by two processes at once. HARK_TEAM_ROUNDS sets the rounds (make
// soak: 50).
func TestCrashTeam(t *testing.T) {
	t.Parallel() // mostly waits on leases: alongside the outbox crash tests
	rounds, seed := soak(t, "HARK_TEAM_ROUNDS", 8)
	t.Logf("seed %d, %d rounds", seed, rounds)
	h := newHarness(t, seed, 12*rounds+20)
	h.usePG(t)
	nets := fakenet.Start(t)
	feeds := append([]*teamFeed{{
		name: "mastodon", id: feedID, interval: config.MinInterval("mastodon"),
		pageServed: h.fake.PageServed, created: h.fake.Created,
	}}, h.addNetworks(t, nets, seed)...)
	conn, err := pgx.Connect(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// a kill's requests are all answered before the round goes on
	idle := func() {
		for _, f := range feeds {
			if f.net != nil && !waitIdle(f.net.d, 5*time.Second) {
				t.Fatalf("the %s fake still handles requests of a killed hark after 5 s", f.name)
			}
		}
	}
	drain := func() {
		h.fake.Drain()
		for _, f := range feeds {
			if f.net != nil {
				f.net.d.Drain()
			}
		}
	}

	engines := make([]*proc, 3)
	for i := range engines {
		engines[i] = h.start("engine")
	}
	defer func() {
		for _, p := range engines {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}()
	// the first poll of a feed happens once a process holds its lease
	for _, f := range feeds {
		if !testkit.PollEvery(60*time.Second, 50*time.Millisecond, func() bool { return feedHolder(t, conn, f.id) != 0 }) {
			t.Fatalf("no engine took the lease of %s in 60 s:\n%s", f.id, h.logTail())
		}
	}

	const lease = 2 * time.Second // usePG's
	live := func(pid int) bool {
		for _, p := range engines {
			if p.cmd.Process.Pid == pid {
				return true
			}
		}
		return false
	}
	orphaned := make([]time.Time, len(feeds)) // when the feed's poller was killed (zero: it was not)
	attempted, replyKills := 0, 0
	// a whole `hark reply` run as measured here (a busy machine takes far
	// longer than a laptop): random kill points are drawn over it
	whole := 250 * time.Millisecond
	for round := range rounds {
		for i, f := range feeds {
			if orphaned[i].IsZero() {
				continue
			}
			// the feed moves to a live engine within the lease plus one
			// poll interval (and a margin for a busy machine)
			bound := lease + f.interval + 8*time.Second
			if !testkit.PollEvery(bound-time.Since(orphaned[i]), 20*time.Millisecond, func() bool { return live(feedHolder(t, conn, f.id)) }) {
				t.Fatalf("round %d: no live engine took %s within %v of its poller's kill", round, f.id, bound)
			}
			f.takeovers = append(f.takeovers, time.Since(orphaned[i]))
			orphaned[i] = time.Time{}
		}
		h.fake.Release(4 + h.rng.IntN(12))
		for _, f := range feeds {
			f.release(h.rng, round)
		}
		var open []*teamFeed // the feeds with a conversation to reply to, the least replied to first
		if round > 0 {
			var st store.Store
			for _, f := range feeds {
				if f.targets != nil {
					continue
				}
				if st == nil {
					st = h.openStore("mid-run")
				}
				if f.net == nil {
					f.targets = h.replyTargets(st)
				} else {
					c := f.net.c
					f.targets = convIDs(t, st, func(cv social.Conversation) bool {
						return cv.ReadOnly == "" && !cv.Direct && cv.Account == c.account
					})
				}
			}
			if st != nil {
				st.Close()
			}
			for _, f := range feeds {
				if len(f.targets) > 0 {
					open = append(open, f)
				}
			}
			h.rng.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })
			slices.SortStableFunc(open, func(a, b *teamFeed) int { return a.queued - b.queued })
		}
		if len(open) > 0 && h.rng.Float64() < 0.85 {
			f := open[0]
			conv := f.targets[h.rng.IntN(len(f.targets))]
			attempted++
			f.queued++
			text := fmt.Sprintf("Thanks, we're on it (team %s reply %d/%d).", f.name, attempted, seed%100000)
			drain()
			rp := h.start("reply", "--no-signature", conv, text)
			// killed right after the server created the post (40%: the
			// reply is in the outbox by then), at a random point of a
			// whole run (30%) or not at all (30%)
			d, aim := 10*time.Second, chan struct{}(nil)
			switch x := h.rng.Float64(); {
			case x < 0.4:
				aim = f.created
			case x < 0.7:
				d = time.Duration(h.rng.Int64N(int64(whole)*3/2 + 1))
			}
			began := time.Now()
			k, hits := h.kills, h.killsAfterPage+h.killsAfterPost
			exited, err := h.killAfter(rp, d, aim)
			if exited && err != nil {
				t.Logf("hark reply %s: %v\n%s", conv, err, rp.out)
			}
			if exited && err == nil {
				whole = time.Since(began)
			}
			idle()
			replyKills += h.kills - k
			if h.killsAfterPage+h.killsAfterPost > hits {
				f.replyAimed++
			}
		}
		// kill the poller of a feed (two rounds in three) or any engine
		f := feeds[h.rng.IntN(len(feeds))]
		victim := h.rng.IntN(3)
		if h.rng.Float64() < 0.67 {
			if pid := feedHolder(t, conn, f.id); pid != 0 {
				for i, p := range engines {
					if p.cmd.Process.Pid == pid {
						victim = i
					}
				}
			}
		}
		drain()
		// aimed at a page of the feed's mentions just served (mid-ingest)
		// or at a post just created on any network (before the sender
		// recorded it), or not
		var aim chan struct{}
		var aimedAt *teamFeed
		post := false
		switch x := h.rng.Float64(); {
		case x < 0.35:
			aim, aimedAt = f.pageServed, f
		case x < 0.7:
			aimedAt = feeds[h.rng.IntN(len(feeds))]
			aim, post = aimedAt.created, true
		}
		hits := h.killsAfterPage + h.killsAfterPost
		pid := engines[victim].cmd.Process.Pid
		d := h.ms(200, 3000)
		if aim != nil && !post && f.interval <= 30*time.Second {
			// its pages come once an interval: wait up to half of one
			// (X's, once a minute or at a takeover, are not waited for)
			d = h.ms(200, max(3000, int(f.interval/time.Millisecond)/2))
		}
		if exited, err := h.killAfter(engines[victim], d, aim); exited {
			t.Fatalf("round %d: hark engine exited by itself (%v):\n%s", round, err, engines[victim].out)
		}
		killed := time.Now()
		idle()
		if h.killsAfterPage+h.killsAfterPost > hits {
			if post {
				aimedAt.aimPost++
			} else {
				aimedAt.aimPage++
			}
		}
		// every feed whose lease the dead engine held must be taken over
		for i, g := range feeds {
			if feedHolder(t, conn, g.id) == pid {
				g.pollerKills++
				orphaned[i] = killed
			}
		}
		engines[victim] = h.start("engine")
	}

	// let the team finish: every mention served and stored, every reply
	// recorded as sent (an entry a killed sender held is taken over once
	// its claim expires, and confirmed); the networks behave from now on
	h.fake.Freeze()
	for _, f := range feeds {
		if f.net != nil {
			f.net.c.fake(f.net.nets).Release()
			f.net.d.SetOn(false)
		}
	}
	// X is polled once a minute: its last mentions may wait that long
	if !testkit.PollEvery(150*time.Second, 250*time.Millisecond, func() bool { // each check opens and checks the store
		return h.fake.AllServed() && h.fake.QuietFor(3*time.Second) && h.teamDone(feeds)
	}) {
		t.Errorf("the team did not finish its work within 150 s")
	}
	// each engine has registered (it has opened the store and joined the
	// team) before it is asked to stop: an engine restarted in the last
	// round may still be starting on a busy machine
	var started []int32
	for _, p := range engines {
		started = append(started, int32(p.cmd.Process.Pid))
	}
	if !testkit.PollEvery(60*time.Second, 50*time.Millisecond, func() bool {
		var n int
		err := conn.QueryRow(context.Background(), "SELECT count(*) FROM processes WHERE pid = ANY($1)", started).Scan(&n)
		return err == nil && n == len(started)
	}) {
		t.Errorf("not every engine registered within 60 s")
	}
	for _, p := range engines {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range engines {
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("hark engine after SIGTERM: %v\n%s", err, p.out)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("hark engine did not stop within 20 s of SIGTERM")
		}
		p.done <- nil // for the deferred cleanup
	}
	// the stopped engines left the registry and gave their leases up
	var left int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM processes WHERE pid = ANY($1)", started).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d stopped engines still registered after SIGTERM (%v)", left, err)
	}
	// (Leave drops the registration and ends the leases in one batch, so
	// the check above also says the stopped engines gave theirs up.) A
	// lease may still be held by a process killed in the last round (its
	// registration stays until the others sweep it): it runs out within
	// its time, and nobody renews it
	for _, f := range feeds {
		holder := feedHolder(t, conn, f.id)
		if !testkit.PollEvery(10*time.Second, 50*time.Millisecond, func() bool { return feedHolder(t, conn, f.id) == 0 }) {
			t.Errorf("the lease of %s is still held by %d 10 s after every engine stopped (stopped engines: %v)", f.id, feedHolder(t, conn, f.id), started)
		} else if holder != 0 {
			t.Logf("the lease of %s held by %d (killed in the last round; stopped engines: %v) ran out after the stop", f.id, holder, started)
		}
	}

	st := h.openStore("after the team run")
	defer st.Close()
	prep := h.checkPosts("after the team run", st)
	rrep := h.checkReplies("after the team run", st, prep.own)
	fs := h.fake.Stats()
	t.Logf("team: %d kills (%d of hark reply), %d replies queued with hark reply",
		h.kills, replyKills, attempted)
	for _, f := range feeds {
		t.Logf("%s: %d replies queued with hark reply, %d of them killed right after the server created the post", f.name, f.queued, f.replyAimed)
	}
	for _, f := range feeds {
		if n := f.mostPolls(h); n > 1 {
			t.Errorf("%s was polled by %d processes at once", f.id, n)
		}
		if len(f.takeovers) > 0 {
			slices.Sort(f.takeovers)
			t.Logf("%s taken over after a kill of its poller: %d times, median %v, longest %v (lease %v, interval %v)", f.id,
				len(f.takeovers), f.takeovers[len(f.takeovers)/2].Round(time.Millisecond), f.takeovers[len(f.takeovers)-1].Round(time.Millisecond),
				lease, f.interval)
		}
		if f.net == nil {
			t.Logf("%s: %d kills of its poller (engine kills: %d right after a page was served, %d right after a status was created); "+
				"%d mentions served, %d stored, %d lost, %d duplicated; %d replies accepted, %d delivered once, %d duplicated, %d lost; "+
				"server: %d POSTs, %d created, %d Confirm lookups; most notification requests at once: %d",
				f.name, f.pollerKills, f.aimPage, f.aimPost, prep.served, prep.stored, prep.lost, prep.duplicated,
				rrep.accepted, rrep.once, rrep.duplicated, rrep.lost, fs.PostReqs, fs.Created, fs.ContextReqs, f.mostPolls(h))
			continue
		}
		rep := f.net.check(st)
		ds, refusals := f.net.d.Snapshot()
		for _, r := range refusals {
			if f.net.c.refusalIsProtocol {
				t.Logf("the server refused a repeat create (harmless on %s: one record per rkey): %s", f.name, r)
			} else {
				t.Errorf("hark resent a reply %s already held; only its duplicate-content check kept it from posting twice: %s", f.name, r)
			}
		}
		t.Logf("%s: %d kills of its poller (engine kills: %d right after a page was served, %d right after a post was created); "+
			"%d mentions released, %d stored; %d replies accepted, %d delivered once, %d duplicated, %d lost, %d stray; "+
			"server: %d creates, %d created, %d answers held (%d never read), %d 502 after creating, %d dropped after creating, "+
			"%d 502 before creating, %d Confirm lookups; most mention pages served at once: %d",
			f.name, f.pollerKills, f.aimPage, f.aimPost, rep.mentions, rep.mentionsStored, rep.accepted, rep.once, rep.duplicated, rep.lost, rep.stray,
			ds.Creates, ds.Created, ds.Held, ds.Unanswered, ds.BadGateway, ds.Dropped, ds.FailedBefore, ds.Confirms, f.mostPolls(h))
	}
}

// TestEngineStopsOnSIGTERM: `hark engine` on bbolt polls like `hark poll`
// and, on SIGTERM, stops cleanly (exit 0) and leaves the store free.
// TestPollOnceBesideATeam: cron's hark poll --once on a PostgreSQL store
// whose feed another process (a team's engine) polls. That feed is polled
// there, which is no failure: the command says so and succeeds. It failed
// with "polled by another hark process" on every run, a mail from cron
// each time. A script's resolve, outbox and queue --json work beside it.
func TestPollOnceBesideATeam(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hark as a subprocess; skipped with -short")
	}
	h := newHarness(t, 23, 20)
	h.usePG(t)
	conn, err := pgx.Connect(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	engine := h.start("engine")
	defer func() { _ = engine.cmd.Process.Kill(); <-engine.done }()
	if !testkit.PollEvery(60*time.Second, 50*time.Millisecond, func() bool { return feedHolder(t, conn, feedID) == engine.cmd.Process.Pid }) {
		t.Fatalf("the engine did not take the feed's lease in 60 s:\n%s", h.logTail())
	}
	p := h.start("poll", "--once")
	pollOnce(t, p, h.log)
	if !strings.Contains(p.out.String(), feedID+": polled by another hark process") {
		t.Errorf("poll --once beside the team's engine:\n%s", p.out)
	}
	// a script's commands open the database themselves beside the team
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"resolve", "1"}, "#1 "},
		{[]string{"outbox", "--sent", "3"}, "(nothing waits"},
		{[]string{"queue", "--json", "--view", "resolved", "-n", "0"}, `"id": "1",`},
	} {
		p := h.start(c.args...)
		pollOnce(t, p, h.log) // (waits for the command to succeed)
		if !strings.Contains(p.out.String(), c.want) {
			t.Errorf("%v beside the team's engine:\n%s", c.args, p.out)
		}
	}
}

func TestEngineStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hark as a subprocess; skipped with -short")
	}
	h := newHarness(t, 19, 20)
	h.fake.Release(5)
	p := h.start("engine")
	// every served mention stored (the engine logs each stored batch), so
	// the SIGTERM does not cut a batch off mid-store
	released, _ := h.fake.ReleasedStatuses()
	if !testkit.Poll(60*time.Second, func() bool { return h.fake.AllServed() && loggedStored(h.log) == len(released) }) {
		t.Fatalf("hark engine did not poll and store within 60 s:\n%s", h.logTail())
	}
	sigterm(t, p, "engine", 20*time.Second)
	if !strings.Contains(p.out.String(), "hark engine: bbolt store") || !strings.Contains(p.out.String(), "hark engine: stopped") {
		t.Errorf("output:\n%s", p.out)
	}
	st := h.openStore("after hark engine") // the store is free again
	defer st.Close()
	h.checkPosts("after hark engine", st)
}
