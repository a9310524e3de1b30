package crashtest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
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

// feedHolder is the pid of the process holding the feed's lease (0: none).
func feedHolder(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var pid int
	err := conn.QueryRow(context.Background(), `SELECT p.pid FROM leases l JOIN processes p ON p.id = l.owner
		WHERE l.name = $1 AND l.until_at > now()`, "feed:"+feedID).Scan(&pid)
	if err != nil {
		return 0
	}
	return pid
}

// TestCrashTeam: three `hark engine` processes on one PostgreSQL database
// with the fake Mastodon (no Idempotency-Key). Each round releases
// mentions, sometimes queues a reply with `hark reply` (itself killed at
// random, often right after the server created the status), and kills -9
// one engine: most often the feed's poller, at a random point, right
// after a page of mentions was served or right after the server created a
// status (before the sender recorded it), else a random one; the dead one
// is restarted. Afterwards every served mention is stored once, every reply
// accepted into the outbox reached the server exactly once, and the feed
// was never polled by two processes at once. HARK_TEAM_ROUNDS sets the
// rounds (make soak: 50).
func TestCrashTeam(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hark as subprocesses; skipped with -short")
	}
	rounds := envInt(t, "HARK_TEAM_ROUNDS", 8)
	seed := crashSeed(t)
	t.Logf("seed %d, %d rounds", seed, rounds)
	h := newHarness(t, seed, 12*rounds+20)
	h.usePG(t)
	conn, err := pgx.Connect(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

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
	// the first poll happens once a process holds the lease
	if !testkit.PollEvery(60*time.Second, 50*time.Millisecond, func() bool { return feedHolder(t, conn) != 0 }) {
		t.Fatalf("no engine took the feed's lease in 60 s:\n%s", h.logTail())
	}

	var targets []string
	attempted, replyKills, pollerKills := 0, 0, 0
	var pollerKilled time.Time // when the feed's poller was last killed
	var takeovers []time.Duration
	live := func(pid int) bool {
		for _, p := range engines {
			if p.cmd.Process.Pid == pid {
				return true
			}
		}
		return false
	}
	for round := range rounds {
		if !pollerKilled.IsZero() {
			// the feed moves to a live engine within the lease plus one
			// poll interval (2 s + 30 s here)
			if !testkit.PollEvery(40*time.Second-time.Since(pollerKilled), 20*time.Millisecond, func() bool { return live(feedHolder(t, conn)) }) {
				t.Fatalf("round %d: no live engine took the feed within 40 s of its poller's kill", round)
			}
			takeovers = append(takeovers, time.Since(pollerKilled))
			pollerKilled = time.Time{}
		}
		h.fake.Release(4 + h.rng.IntN(12))
		if targets == nil && round > 0 {
			st := h.openStore("mid-run")
			targets = h.replyTargets(st)
			st.Close()
		}
		if len(targets) > 0 && h.rng.Float64() < 0.7 {
			conv := targets[h.rng.IntN(len(targets))]
			text := fmt.Sprintf("Thanks, we're on it (team reply %d/%d).", attempted+1, seed%100000)
			attempted++
			h.fake.Drain()
			rp := h.start("reply", "--no-signature", conv, text)
			d := 5 * time.Second
			if h.rng.Float64() < 0.6 {
				d = h.ms(0, 250)
			}
			var aim chan struct{}
			if h.rng.Float64() < 0.4 {
				aim = h.fake.Created
			}
			k := h.kills
			if exited, err := h.killAfter(rp, d, aim); exited && err != nil {
				t.Logf("hark reply %s: %v\n%s", conv, err, rp.out)
			}
			replyKills += h.kills - k
		}
		// kill the poller (two rounds in three) or any engine
		victim := h.rng.IntN(3)
		killsPoller := false
		if h.rng.Float64() < 0.67 {
			if pid := feedHolder(t, conn); pid != 0 {
				for i, p := range engines {
					if p.cmd.Process.Pid == pid {
						victim, killsPoller = i, true
					}
				}
			}
		}
		h.fake.Drain()
		// aimed at a page of mentions just served (mid-ingest) or at a
		// status just created (before the sender recorded it), or not
		var aim chan struct{}
		switch x := h.rng.Float64(); {
		case x < 0.35:
			aim = h.fake.PageServed
		case x < 0.7:
			aim = h.fake.Created
		}
		if exited, err := h.killAfter(engines[victim], h.ms(200, 3000), aim); exited {
			t.Fatalf("round %d: hark engine exited by itself (%v):\n%s", round, err, engines[victim].out)
		}
		if killsPoller {
			pollerKills++
			pollerKilled = time.Now()
		}
		engines[victim] = h.start("engine")
	}

	// let the team finish: every mention served, every reply recorded as
	// sent (an entry a killed sender held is taken over once its claim
	// expires, and confirmed)
	h.fake.Freeze()
	if !testkit.PollEvery(90*time.Second, 100*time.Millisecond, func() bool { // each check opens and checks the store
		return h.fake.AllServed() && len(h.pendingReplies()) == 0 && h.fake.QuietFor(3*time.Second)
	}) {
		t.Errorf("the team did not finish its work within 90 s")
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
	var pids []int32
	for _, p := range engines {
		pids = append(pids, int32(p.cmd.Process.Pid))
	}
	var left int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM processes WHERE pid = ANY($1)", pids).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d stopped engines still registered after SIGTERM (%v)", left, err)
	}
	// (Leave drops the registration and ends the leases in one batch, so
	// the check above also says the stopped engines gave theirs up.) A
	// lease may still be held by a process killed in the last round (its
	// registration stays until the others sweep it): it runs out within
	// its time, and nobody renews it
	holder := feedHolder(t, conn)
	if !testkit.PollEvery(10*time.Second, 50*time.Millisecond, func() bool { return feedHolder(t, conn) == 0 }) {
		t.Errorf("the feed's lease is still held by %d 10 s after every engine stopped (stopped engines: %v)", feedHolder(t, conn), pids)
	} else if holder != 0 {
		t.Logf("the feed's lease of %d (killed in the last round; stopped engines: %v) ran out after the stop", holder, pids)
	}

	st := h.openStore("after the team run")
	defer st.Close()
	prep := h.checkPosts("after the team run", st)
	rrep := h.checkReplies("after the team run", st, prep.own)
	if n := h.fake.MostNotifs(); n > 1 {
		t.Errorf("the feed was polled by %d processes at once", n)
	}
	fs := h.fake.Stats()
	if len(takeovers) > 0 {
		slices.Sort(takeovers)
		t.Logf("feed taken over after a kill of its poller: %d times, median %v, longest %v (lease 2 s, interval 30 s)",
			len(takeovers), takeovers[len(takeovers)/2].Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond))
	}
	t.Logf("team: %d kills (%d of the poller, %d of hark reply; %d right after a page was served, %d right after a status was created); "+
		"%d mentions served, %d stored, %d lost, %d duplicated; %d replies accepted, %d delivered once, %d duplicated, %d lost; "+
		"server: %d POSTs, %d created, %d Confirm lookups; most notification requests at once: %d",
		h.kills, pollerKills, replyKills, h.killsAfterPage, h.killsAfterPost, prep.served, prep.stored, prep.lost, prep.duplicated,
		rrep.accepted, rrep.once, rrep.duplicated, rrep.lost, fs.PostReqs, fs.Created, fs.ContextReqs, h.fake.MostNotifs())
}

// TestEngineStopsOnSIGTERM: `hark engine` on bbolt polls like `hark poll`
// and, on SIGTERM, stops cleanly (exit 0) and leaves the store free.
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
