package crashtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/feeds/mastodon"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// harkBin is the hark binary TestMain built ("" with -short).
var harkBin string

// needBinary skips a test that runs harkBin when -short built none.
func needBinary(t *testing.T) {
	t.Helper()
	if harkBin == "" {
		t.Skip("-short: no binary")
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "hark-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
	// the go command that runs this test (go test sets GOROOT's bin first
	// in PATH for its children), else the one on PATH
	goBin := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			goBin = p
		}
	}
	bin := filepath.Join(dir, "hark")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/hark-tui/hark")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "crashtest: building hark: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	harkBin = bin
	childrenGetDefaultSignals()
	code := m.Run()
	pgtest.StopShared() // the team runs' PostgreSQL, if one started
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	crashToken = "crash-test-token-not-a-secret"
	account    = "acme-masto"
	feedID     = "mastodon:" + account
)

// envInt reads a positive integer from the environment.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// soak skips t with -short (it runs hark as a subprocess for many
// rounds) and returns the rounds env asks for (def when unset) and the
// seed of the random choices.
func soak(t *testing.T, env string, def int) (rounds int, seed uint64) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs hark as a subprocess for many rounds; skipped with -short")
	}
	return envInt(t, env, def), crashSeed(t)
}

// harness runs hark as a subprocess against the fake server.
type harness struct {
	harkRun
	fake *fakenet.CrashMastodon

	killsMidPost   int // a POST /api/v1/statuses was being handled
	killsMidNotif  int // a notifications request was being handled
	killsAfterPage int // kills aimed right after a page of mentions was served (mid-ingest)
	killsAfterPost int // kills aimed right after the server created a status
}

func newHarness(t *testing.T, seed uint64, total int, tune ...func(*fakenet.CrashOptions)) *harness {
	t.Helper()
	read := func(name string) []byte { return fakenet.Fixture("mastodon/" + name) }
	h := &harness{harkRun: newHarkRun(t, seed)}
	fo := fakenet.CrashOptions{
		Token: crashToken, Self: read("verify_credentials.json"), Instance: read("gotosocial_instance_v2.json"),
		Total: total, Initial: 8, Seed: seed,
		MaxLatency: 50 * time.Millisecond,
		DelayShare: 0.5, MinDelay: 100 * time.Millisecond, MaxDelay: 600 * time.Millisecond,
		Trickle: 0.3,
	}
	for _, f := range tune {
		f(&fo)
	}
	h.fake = fakenet.NewCrashMastodon(t, fo)
	// The shortest poll interval the config allows: hark polls once at
	// start, then would wait this long.
	h.writeConfig("crash", fmt.Sprintf(`accounts:
  - name: %s
    network: mastodon
    brand: Acme Coffee
    server: %q
    token: env:HARK_CRASH_TOKEN
    interval: %s
`, account, h.fake.URL(), config.MinInterval("mastodon")))
	h.env = append(childEnv(h.dir), "HARK_CRASH_TOKEN="+crashToken)
	return h
}

// killAfter SIGKILLs p after d — or, if aim is not nil, 0–15 ms after the
// fake signals on it, whichever comes first — unless p exits on its own
// before. It reports whether p exited by itself, and its error. Every
// request of the dead process is finished before it returns.
func (h *harness) killAfter(p *proc, d time.Duration, aim chan struct{}) (exited bool, err error) {
	h.t.Helper()
	var posts, notifs int
	exited, aimed, err := h.kill(p, d, aim, func() { posts, notifs = h.fake.Busy() })
	if exited {
		return true, err
	}
	switch {
	case aimed && aim == h.fake.Created:
		h.killsAfterPost++
	case aimed:
		h.killsAfterPage++
	}
	if posts > 0 {
		h.killsMidPost++
	}
	if notifs > 0 {
		h.killsMidNotif++
	}
	if !testkit.PollEvery(5*time.Second, 2*time.Millisecond, func() bool { return h.fake.QuietFor(0) }) {
		h.t.Fatalf("the fake server still handles requests of a killed hark after 5 s")
	}
	return false, nil
}

// logCount counts the lines of hark's log that contain s.
func (h *harness) logCount(s string) int {
	b, _ := os.ReadFile(h.log)
	return strings.Count(string(b), s)
}

// pollRounds runs `hark poll` (the engine: polling and delivery) n times,
// each SIGKILLed after lo..hi ms; release says how many mentions the
// server releases before each round.
// Each round is aimed at aim (see killAfter) with the chance aimShare.
func (h *harness) pollRounds(n, lo, hi int, aim chan struct{}, aimShare float64, release func(round int) int) {
	h.t.Helper()
	for i := range n {
		h.fake.Release(release(i))
		h.fake.Drain()
		p := h.start("poll")
		var a chan struct{}
		if h.rng.Float64() < aimShare {
			a = aim
		}
		if exited, err := h.killAfter(p, h.ms(lo, hi), a); exited {
			h.t.Fatalf("round %d: hark poll exited by itself (%v):\n%s\nlog:\n%s", i, err, p.out, h.logTail())
		}
	}
}

// finish runs one `hark poll` to the end and stops it with SIGTERM,
// expecting a clean exit. It stops hark only once the work is visibly done
// (a SIGTERM mid-request would cancel it and prove nothing): every released
// mention has been served, every reply in want exists on the server, and
// the server has then been quiet for the given time (hark records what it
// received without further requests). After 60 s it stops hark anyway and
// leaves the checks to say what is missing.
func (h *harness) finish(quiet time.Duration, want []fakenet.ReplyKey) {
	h.t.Helper()
	before := h.fake.RequestCount()
	p := h.start("poll")
	start := time.Now()
	for {
		select {
		case err := <-p.done:
			h.t.Fatalf("hark poll exited by itself (%v):\n%s\nlog:\n%s", err, p.out, h.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(start) > time.Second && h.fake.RequestCount() > before &&
			h.fake.AllServed() && h.fake.AllCreated(want) && h.fake.QuietFor(quiet) {
			break
		}
		if time.Since(start) > 60*time.Second {
			h.t.Errorf("hark poll did not finish its work within 60 s")
			break
		}
	}
	sigterm(h.t, p, "poll", 15*time.Second)
}

// pendingReplies lists what the outbox still has to deliver, as the
// server will see it.
func (h *harness) pendingReplies() []fakenet.ReplyKey {
	h.t.Helper()
	var keys []fakenet.ReplyKey
	for _, e := range h.undelivered("before the last run") {
		keys = append(keys, fakenet.ReplyKey{InReplyTo: e.Reply.To.RemoteID, Text: mastodon.ReplyText(e.Reply)})
	}
	return keys
}

// postReport is what checkPosts found.
type postReport struct {
	served, stored, lost, duplicated, extra int
	own                                     map[string]store.StoredPost // remote id → the brand's own post
}

// checkPosts asserts that every mention the server released (and served)
// is stored exactly once, in exactly one conversation (every stored post
// of any network is in one), and that the feed cursor is the newest
// notification.
func (h *harness) checkPosts(when string, st store.Store) postReport {
	h.t.Helper()
	t := h.t
	released, newest := h.fake.ReleasedStatuses()
	rep := postReport{served: len(released), own: map[string]store.StoredPost{}}
	for _, id := range released {
		if !h.fake.WasServed(id) {
			t.Errorf("%s: mention %s was released but never served: hark did not catch up", when, id)
		}
	}

	stored := storedPosts(t, h.db, st, when) // key → post

	// Every post is in exactly one conversation, once, and it is the
	// conversation the post names.
	inConv := map[string]int{}
	err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		for _, k := range c.PostKeys {
			inConv[k]++
			sp, ok := stored[k]
			switch {
			case !ok:
				t.Errorf("%s: conversation %s lists post %s, which is not stored", when, c.ID, k)
			case sp.ConvID != c.ID:
				t.Errorf("%s: post %s is in conversation %s but names %s", when, k, c.ID, sp.ConvID)
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("%s: reading conversations: %v", when, err)
	}

	want := map[string]bool{}
	for _, id := range released {
		want[social.PostKey(social.Mastodon, account, id)] = true
	}
	for k, sp := range stored {
		switch n := inConv[k]; {
		case n == 0:
			t.Errorf("%s: post %s belongs to no conversation", when, k)
		case n > 1:
			rep.duplicated += n - 1
			t.Errorf("%s: post %s is listed %d times in conversations", when, k, n)
		}
		if sp.Network != social.Mastodon || sp.Account != account {
			continue // another network's (the team run has three)
		}
		if sp.Kind == social.KindOwn {
			rep.own[sp.RemoteID] = sp
			continue
		}
		if !want[k] {
			rep.extra++
			t.Errorf("%s: stored post %s was never released by the server", when, k)
			continue
		}
		rep.stored++
	}
	for k := range want {
		if _, ok := stored[k]; !ok {
			rep.lost++
			t.Errorf("%s: mention %s was served but is not stored (lost)", when, k)
		}
	}
	cur, err := st.Cursor(context.Background(), feedID)
	if err != nil {
		t.Errorf("%s: reading the cursor: %v", when, err)
	}
	if cur != newest {
		t.Errorf("%s: cursor of %s is %q, want the newest notification %q", when, feedID, cur, newest)
	}
	return rep
}

// replyReport is what reconcile found.
type replyReport struct {
	accepted, once, duplicated, lost, stray int
	notSent                                 int
}

// reconcile holds the outbox entries against the posts the server made,
// by what they answer and say (key): every entry reached the server
// exactly once and is sent, and the server holds nothing no entry asked
// for. sent checks a sent entry further against the post(s) made for it.
// Every message starts with prefix.
func reconcile[P any](t *testing.T, prefix string, entries []store.OutboxEntry, made map[fakenet.ReplyKey][]P,
	key func(store.OutboxEntry) fakenet.ReplyKey, sent func(e store.OutboxEntry, ps []P)) replyReport {
	t.Helper()
	var rep replyReport
	claimed := map[fakenet.ReplyKey]bool{}
	for _, e := range entries {
		rep.accepted++
		k := key(e)
		claimed[k] = true
		ps := made[k]
		switch {
		case len(ps) == 0:
			rep.lost++
			t.Errorf("%soutbox %d (%q) never reached the server (state %s, attempts %d, error %q)",
				prefix, e.Seq, e.Reply.Text, e.State, e.Attempts, e.LastError)
		case len(ps) > 1:
			rep.duplicated += len(ps) - 1
			t.Errorf("%soutbox %d (%q) reached the server %d times: %v (state %s, attempts %d)",
				prefix, e.Seq, e.Reply.Text, len(ps), ps, e.State, e.Attempts)
		default:
			rep.once++
		}
		if e.State != store.OutSent {
			rep.notSent++
			t.Errorf("%soutbox %d (%q) is %s after a clean run (attempts %d, uncertain %v, error %q)",
				prefix, e.Seq, e.Reply.Text, e.State, e.Attempts, e.Uncertain, e.LastError)
			continue
		}
		sent(e, ps)
	}
	for k, ps := range made {
		if !claimed[k] {
			rep.stray += len(ps)
			t.Errorf("%sthe server holds %d post(s) %v answering %s that no outbox entry holds: %q",
				prefix, len(ps), ps, k.InReplyTo, k.Text)
		}
	}
	return rep
}

// checkReplies asserts that every Mastodon outbox entry is sent, reached
// the server exactly once under the remote id hark recorded, and joined its
// conversation; and that the server got nothing hark did not queue.
func (h *harness) checkReplies(when string, st store.Store, own map[string]store.StoredPost) replyReport {
	h.t.Helper()
	t := h.t
	entries, err := st.Outbox(context.Background(), nil)
	if err != nil {
		t.Fatalf("%s: reading the outbox: %v", when, err)
	}
	entries = slices.DeleteFunc(entries, func(e store.OutboxEntry) bool { return e.Reply.Network != social.Mastodon })
	key := func(e store.OutboxEntry) fakenet.ReplyKey {
		return fakenet.ReplyKey{InReplyTo: e.Reply.To.RemoteID, Text: mastodon.ReplyText(e.Reply)}
	}
	rep := reconcile(t, when+": ", entries, h.fake.CreatedPosts(), key, func(e store.OutboxEntry, ids []string) {
		if len(ids) > 0 && !slices.Contains(ids, e.Sent.RemoteID) {
			t.Errorf("%s: outbox %d recorded remote id %q, the server created %v", when, e.Seq, e.Sent.RemoteID, ids)
		}
		sp, ok := own[e.Sent.RemoteID]
		switch {
		case !ok:
			t.Errorf("%s: outbox %d is sent but its post %s is not in the store", when, e.Seq, e.Sent.RemoteID)
		case sp.ConvID != e.Reply.ConvID:
			t.Errorf("%s: outbox %d's post is in conversation %s, want %s", when, e.Seq, sp.ConvID, e.Reply.ConvID)
		}
	})
	if sent := rep.accepted - rep.notSent; len(own) != sent {
		t.Errorf("%s: %d of the brand's own posts stored for %d sent replies", when, len(own), sent)
	}
	return rep
}

// firstTargets runs the first poll and lists the conversations a reply
// can go to then.
func (h *harness) firstTargets() []string {
	h.t.Helper()
	h.pollOnce()
	st := h.openStore("after the first poll")
	targets := h.replyTargets(st)
	if err := st.Close(); err != nil {
		h.t.Fatal(err)
	}
	if len(targets) == 0 {
		h.t.Fatal("no conversation to reply to")
	}
	return targets
}

// replyTargets lists the conversations a reply can go to.
func (h *harness) replyTargets(st store.Store) []string {
	h.t.Helper()
	return convIDs(h.t, st, func(c social.Conversation) bool { return c.ReadOnly == "" && c.Account == account })
}

// TestCrash SIGKILLs hark at random points while it polls and while it
// delivers, then checks that nothing was lost or done twice.
func TestCrash(t *testing.T) {
	t.Parallel() // beside TestCrashTeam
	rounds, seed := soak(t, "HARK_CRASH_ROUNDS", 25)
	t.Logf("seed %d (HARK_CRASH_SEED=%d repeats the random choices), %d rounds", seed, seed, rounds)
	total := 12 * rounds
	h := newHarness(t, seed, total)

	// Polling: about three quarters of the mentions arrive over the kill
	// rounds, spread out and, every tenth round, in a burst of 45–80 (more
	// than a page); half the kills are aimed right after a page of mentions
	// was served, while hark decodes and stores it. The last quarter
	// arrives during delivery.
	bursts := rounds / 10
	perRound := max(1, (total*3/4-bursts*62)/rounds)
	h.pollRounds(rounds, 50, 400, h.fake.PageServed, 0.5, func(i int) int {
		if i%10 == 9 {
			return 45 + h.rng.IntN(36)
		}
		return h.rng.IntN(2*perRound + 1)
	})
	h.fake.Freeze()
	h.pollOnce()
	pollKills, pollStats := h.kills, h.fake.Stats()
	st := h.openStore("after polling")
	prep := h.checkPosts("after polling", st)
	targets := h.replyTargets(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	if len(targets) == 0 {
		t.Fatal("no conversation to reply to")
	}

	// Delivery: replies queued with `hark reply` (itself killed at random
	// points, or let finish), and `hark poll` killed over and over while
	// it delivers them — often right after the server created a status,
	// before hark could record it. Mentions keep arriving meanwhile.
	h.fake.Unfreeze()
	replies := max(20, rounds*4/5)
	attempted, replyRuns, replyKills := 0, 0, 0
	deliveryRounds := max(rounds, replies)
	for range deliveryRounds {
		if attempted < replies {
			conv := targets[h.rng.IntN(len(targets))]
			text := fmt.Sprintf("Thanks for reaching out, we're on it (crash reply %d/%d).", attempted+1, seed%100000)
			attempted++
			h.fake.Drain()
			rp := h.start("reply", "--no-signature", conv, text)
			replyRuns++
			d := 5 * time.Second // let it finish
			if h.rng.Float64() < 0.6 {
				d = h.ms(0, 250)
			}
			var aim chan struct{}
			if h.rng.Float64() < 0.3 {
				aim = h.fake.Created
			}
			k := h.kills
			if exited, err := h.killAfter(rp, d, aim); exited && err != nil {
				t.Logf("hark reply %s: %v\n%s", conv, err, rp.out)
			}
			replyKills += h.kills - k
		}
		h.pollRounds(1, 20, 300, h.fake.Created, 0.5, func(int) int { return h.rng.IntN(2*max(1, total/4/deliveryRounds) + 1) })
	}
	h.fake.Freeze()
	h.finish(800*time.Millisecond, h.pendingReplies())

	st = h.openStore("after delivery")
	defer st.Close()
	prep2 := h.checkPosts("after delivery", st)
	rrep := h.checkReplies("after delivery", st, prep2.own)
	fs := h.fake.Stats()
	confirmed := h.logCount("uncertain send had reached the network")

	t.Logf("polling: %d kills (%d with a notifications request open, %d aimed right after a page of mentions was served); "+
		"%d mentions served again because hark died before storing them; %d served after it, %d stored",
		pollKills, h.killsMidNotif, h.killsAfterPage, pollStats.Reserved, prep.served, prep.stored)
	t.Logf("delivery: %d hark reply runs (%d killed), %d kills in all (%d mid-POST, %d aimed right after a status was created); "+
		"server: %d POSTs, %d statuses created, %d created but never answered (the client died waiting), %d Confirm lookups, "+
		"%d of which found the reply already out",
		replyRuns, replyKills, h.kills-pollKills, h.killsMidPost, h.killsAfterPost, fs.PostReqs, fs.Created, fs.Unanswered, fs.ContextReqs, confirmed)
	t.Logf("replies: %d attempted, %d accepted into the outbox, %d lost, %d stray", attempted, rrep.accepted, rrep.lost, rrep.stray)
	t.Logf("crash: %d kill rounds, %d posts served, %d stored, %d lost, %d duplicated; %d replies, %d delivered once, %d duplicated",
		h.kills, prep2.served, prep2.stored, prep2.lost, prep2.duplicated, rrep.accepted, rrep.once, rrep.duplicated)
}

// TestCrashConfirmRateLimited is one crash, aimed: hark is killed after the
// server created its reply and before the answer arrived, and the server
// is throttling when the next run asks (Confirm) whether the reply is out.
// The reply must still reach the server exactly once: a refused lookup
// says nothing about the earlier send, so the entry must stay uncertain
// and be confirmed again once the limit resets.
func TestCrashConfirmRateLimited(t *testing.T) {
	t.Parallel() // beside TestCrashTeam
	if testing.Short() {
		t.Skip("runs hark as a subprocess; skipped with -short")
	}
	h := newHarness(t, 6, 8, func(o *fakenet.CrashOptions) {
		o.MaxLatency = 5 * time.Millisecond
		o.DelayShare, o.MinDelay, o.MaxDelay = 1, 2*time.Second, 2*time.Second // every answer held back
	})
	targets := h.firstTargets()

	h.fake.Drain()
	rp := h.start("reply", "--no-signature", targets[0], "Sorry about that, a replacement is on its way.")
	if exited, err := h.killAfter(rp, 20*time.Second, h.fake.Created); exited {
		t.Fatalf("hark reply ended before the server created the reply (%v):\n%s", err, rp.out)
	}
	if fs := h.fake.Stats(); fs.Created != 1 || fs.Unanswered != 1 {
		t.Fatalf("setup: server created %d status(es), %d unanswered; want 1 and 1", fs.Created, fs.Unanswered)
	}

	h.fake.RateLimitContext(1, time.Second)
	h.finish(3*time.Second, h.pendingReplies())

	st := h.openStore("after the throttled recovery")
	defer st.Close()
	prep := h.checkPosts("after the throttled recovery", st)
	rrep := h.checkReplies("after the throttled recovery", st, prep.own)
	t.Logf("throttled confirm: %d reply, %d delivered once, %d duplicated, %d lost", rrep.accepted, rrep.once, rrep.duplicated, rrep.lost)
}

// TestCrashForwardedReplies: hark reply asked of a running hark poll (the
// bbolt file's holder answers it over its socket, queues the reply in its
// outbox and delivers it), with the holder SIGKILLed at random points
// while it does, often right after the server created the reply. The
// command gets whatever it gets. Every reply that reached the outbox
// reaches the server exactly once, under the id hark recorded, and the
// server gets nothing hark did not queue.
func TestCrashForwardedReplies(t *testing.T) {
	t.Parallel() // beside TestCrashTeam
	rounds, seed := soak(t, "HARK_CRASH_ROUNDS", 25)
	rounds = max(10, rounds/2)
	t.Logf("seed %d, %d rounds", seed, rounds)
	h := newHarness(t, seed, 8)
	targets := h.firstTargets()
	answered, failed := 0, 0
	for i := range rounds {
		h.fake.Drain()
		holder := h.start("poll")
		if !testkit.Poll(30*time.Second, func() bool { return strings.Contains(holder.out.String(), "polling every feed") }) {
			t.Fatalf("round %d: hark poll did not start:\n%s", i, holder.out)
		}
		text := fmt.Sprintf("On it (forwarded reply %d/%d).", i+1, seed%100000)
		rp := h.start("reply", "--no-signature", targets[h.rng.IntN(len(targets))], text)
		var aim chan struct{}
		if h.rng.Float64() < 0.5 {
			aim = h.fake.Created
		}
		if exited, err := h.killAfter(holder, h.ms(0, 400), aim); exited {
			t.Fatalf("round %d: hark poll exited by itself (%v):\n%s", i, err, holder.out)
		}
		select {
		case err := <-rp.done:
			if err == nil {
				answered++
			} else {
				failed++
				if !strings.Contains(rp.out.String(), "may have done it") && !strings.Contains(rp.out.String(), "in use") {
					t.Errorf("round %d: hark reply failed without saying what became of the reply: %v\n%s", i, err, rp.out)
				}
			}
		case <-time.After(30 * time.Second):
			_ = rp.cmd.Process.Kill()
			<-rp.done
			t.Fatalf("round %d: hark reply did not end 30 s after the hark it asked was killed:\n%s", i, rp.out)
		}
	}
	h.finish(800*time.Millisecond, h.pendingReplies())

	st := h.openStore("after the forwarded replies")
	defer st.Close()
	prep := h.checkPosts("after the forwarded replies", st)
	rrep := h.checkReplies("after the forwarded replies", st, prep.own)
	t.Logf("%d rounds: hark reply answered %d times, failed %d (its hark killed); %d kills mid-POST, %d right after a reply was created; "+
		"%d replies in the outbox, %d delivered once, %d duplicated, %d lost, %d stray",
		rounds, answered, failed, h.killsMidPost, h.killsAfterPost, rrep.accepted, rrep.once, rrep.duplicated, rrep.lost, rrep.stray)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// rawView reads the bbolt file itself (the store is open read-only, and
// bbolt lets several readers share the file): the checks look at the file's
// buckets, under the store's interface.
func rawView(path string, fn func(tx *bolt.Tx) error) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(fn)
}
