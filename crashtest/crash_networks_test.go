package crashtest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// This file extends the crash-safety proof of TestCrash (issue 6: a resend
// after a crash or a timeout must not duplicate) to Bluesky and X, with the
// same method: the real hark binary against internal/fakenet's Bluesky PDS
// and X API v2 fakes, SIGKILLed at random points while it polls and while
// it delivers, the fakes made dangerous by an interceptor that lets a
// create call through and then holds its answer back, replaces it with a
// 502 or drops the connection — the window in which the reply exists on
// the server and hark has not recorded it. Then a clean run, and the
// checks: the store passes bbolt's check, every outbox entry is sent, and
// the server holds exactly one post per entry. Each network runs twice:
// public replies, and direct messages (`hark reply --dm`).

// netCase is one network (and kind of reply) under test.
type netCase struct {
	name    string
	network social.Network
	account string
	// replyArgs go before ID and TEXT on `hark reply` ("--dm" for a direct
	// message to the author of the conversation's latest post).
	replyArgs []string
	// net names the fake network; interval is the account's poll interval.
	net      fakenet.Net
	interval string
	// fake is the network's fake in n.
	fake func(n *fakenet.Nets) crashFake
	// calls are the create, Confirm and poll calls the crash layer in
	// front of the fake mistreats or watches.
	calls fakenet.CrashCalls
	// refusalIsProtocol says the server's refusal of a repeat is part of
	// the protocol (a repo cannot hold two records under one rkey), so a
	// blind resend is harmless. On X it is not: X documents no idempotency,
	// and its duplicate-content check is the only thing between a blind
	// resend and a second public reply.
	refusalIsProtocol bool
	// mentions lists the remote ids of the mentions the fake serves.
	mentions func(n *fakenet.Nets) []string
	// created lists what the server holds from hark, keyed like entryKey.
	created func(t *testing.T, n *fakenet.Nets) []madePost
	// entryKey is how the server's copy of outbox entry e is recognised.
	entryKey func(e store.OutboxEntry) fakenet.ReplyKey
	// sentID says whether hark recorded the remote id of p, the one post
	// the server made for e.
	sentID func(e store.OutboxEntry, p madePost) bool
}

// accountYAML is the account's entry under accounts: in the config.
func (c netCase) accountYAML(n *fakenet.Nets) string {
	return n.AccountYAML(c.net, "brand: Acme Coffee", "interval: "+c.interval)
}

// crashFake is what the crash tests use of a network's fake: the crash
// layer goes in front of it, its newest mentions can be held back.
type crashFake interface {
	Intercept(mw func(http.Handler) http.Handler)
	Withhold(n int)
	Release()
}

// crashLayer puts a crash layer (off) in front of the network's fake.
func (c netCase) crashLayer(n *fakenet.Nets, seed uint64) *fakenet.CrashLayer {
	d := fakenet.NewCrashLayer(c.calls, seed)
	c.fake(n).Intercept(d.Middleware)
	return d
}

// waitIdle waits until no request is being handled and none ended in the
// last 20 ms (a request whose headers were read but whose handler has not
// started yet shows up in that time). It reports false on timeout.
func waitIdle(d *fakenet.CrashLayer, timeout time.Duration) bool {
	return testkit.Poll(timeout, func() bool { return d.QuietFor(20 * time.Millisecond) })
}

// madePost is one reply the server created.
type madePost struct {
	key  fakenet.ReplyKey // what it answers (or whom it messages), and its text
	id   string           // the remote id hark records ("" if the fake keeps none)
	rkey string           // Bluesky record key
}

// blueskyCase is Bluesky: public replies (createRecord, rkey chosen at
// enqueue, Confirm = getRecord) or, with dm, chat messages
// (chat.bsky.convo.sendMessage).
func blueskyCase(dm bool) netCase {
	c := netCase{
		name:              "bluesky",
		network:           social.Bluesky,
		account:           fakenet.BlueskyAccount,
		net:               fakenet.NetBluesky,
		interval:          "10s",
		fake:              func(n *fakenet.Nets) crashFake { return n.Bluesky },
		calls:             fakenet.BlueskyCrashCalls(false),
		refusalIsProtocol: true,
		mentions:          func(n *fakenet.Nets) []string { return n.Bluesky.NotificationURIs() },
		created: func(t *testing.T, n *fakenet.Nets) []madePost {
			var out []madePost
			for _, r := range n.Bluesky.Records() {
				out = append(out, madePost{
					key: fakenet.ReplyKey{InReplyTo: fakenet.JSONString(r.Record, "reply", "parent", "uri"), Text: fakenet.JSONString(r.Record, "text")},
					id:  r.URI, rkey: r.Rkey,
				})
			}
			return out
		},
		entryKey: func(e store.OutboxEntry) fakenet.ReplyKey {
			return fakenet.ReplyKey{InReplyTo: e.Reply.To.RemoteID, Text: e.Reply.Text}
		},
		sentID: func(e store.OutboxEntry, p madePost) bool {
			return p.rkey == e.Reply.Key && e.Sent.RemoteID == p.id
		},
	}
	if dm {
		// Every chat message goes to the fixture's one conversation; the
		// fake keeps no message ids, so only the count and text can be
		// checked. Known failure: hark's Bluesky Confirm answers "not
		// found" for every chat message without asking (feeds/bluesky
		// send.go), so a crash or a lost answer after sendMessage makes the
		// engine send the message again. This case fails until Confirm
		// looks the message up (chat.bsky.convo.getMessages).
		c.name = "bluesky-dm"
		c.replyArgs = []string{"--dm"}
		c.calls, c.refusalIsProtocol = fakenet.BlueskyCrashCalls(true), false
		c.created = func(_ *testing.T, n *fakenet.Nets) []madePost {
			var out []madePost
			for _, m := range n.Bluesky.Messages() {
				out = append(out, madePost{key: fakenet.ReplyKey{Text: m.Text}})
			}
			return out
		}
		c.entryKey = func(e store.OutboxEntry) fakenet.ReplyKey { return fakenet.ReplyKey{Text: e.Reply.Text} }
		c.sentID = func(store.OutboxEntry, madePost) bool { return true }
	}
	return c
}

// xCase is X: public replies (POST /2/tweets, no idempotency, Confirm =
// the brand's own recent posts) or, with dm, direct messages to the
// author (POST /2/dm_conversations/with/:id/messages, Confirm = the
// conversation's events). The fake refuses a repeated post text with X's
// 403; it accepts any repeated DM, as X does.
func xCase(dm bool) netCase {
	c := netCase{
		name:     "x",
		network:  social.X,
		account:  fakenet.XAccount,
		net:      fakenet.NetX,
		interval: "60s",
		fake:     func(n *fakenet.Nets) crashFake { return n.X },
		calls:    fakenet.XCrashCalls(false),
		mentions: func(n *fakenet.Nets) []string { return n.X.MentionIDs() },
		created: func(_ *testing.T, n *fakenet.Nets) []madePost {
			var out []madePost
			for _, tw := range n.X.Created() {
				out = append(out, madePost{key: fakenet.ReplyKey{InReplyTo: tw.InReplyTo, Text: tw.Text}, id: tw.ID})
			}
			return out
		},
		entryKey: func(e store.OutboxEntry) fakenet.ReplyKey {
			return fakenet.ReplyKey{InReplyTo: e.Reply.To.RemoteID, Text: e.Reply.Text}
		},
		sentID: func(e store.OutboxEntry, p madePost) bool { return e.Sent.RemoteID == p.id },
	}
	if dm {
		c.name = "x-dm"
		c.replyArgs = []string{"--dm"}
		c.calls = fakenet.XCrashCalls(true)
		c.created = func(_ *testing.T, n *fakenet.Nets) []madePost {
			var out []madePost
			for _, m := range n.X.DMs() {
				out = append(out, madePost{key: fakenet.ReplyKey{InReplyTo: m.ParticipantID, Text: m.Text}, id: m.EventID})
			}
			return out
		}
		c.entryKey = func(e store.OutboxEntry) fakenet.ReplyKey {
			return fakenet.ReplyKey{InReplyTo: e.Reply.To.Author.ID, Text: e.Reply.Text}
		}
	}
	return c
}

// ---- the harness ----

// netHarness runs hark against one fake network.
type netHarness struct {
	harkRun
	c    netCase
	nets *fakenet.Nets
	d    *fakenet.CrashLayer

	killsMidCreate int // kills with a create call being handled
	killsAimed     int // kills aimed right after the server created a reply
}

// eachPublicNet runs f as a subtest for Bluesky's and X's public replies,
// each with its own seed and harness.
func eachPublicNet(t *testing.T, f func(t *testing.T, c netCase, h *netHarness, seed uint64)) {
	for _, c := range []netCase{blueskyCase(false), xCase(false)} {
		t.Run(c.name, func(t *testing.T) {
			seed := crashSeed(t)
			f(t, c, newNetHarness(t, c, seed), seed)
		})
	}
}

func newNetHarness(t *testing.T, c netCase, seed uint64) *netHarness {
	t.Helper()
	h := &netHarness{harkRun: newHarkRun(t, seed), c: c, nets: fakenet.Start(t)}
	h.d = c.crashLayer(h.nets, seed)
	// max_attempts is raised because this test SIGKILLs hark mid-send far
	// more often than any real deployment would, and each kill counts as an
	// attempt; the give-up after 8 is tested in engine, not here.
	h.writeConfig("crash-"+c.name, "outbox:\n  max_attempts: 100\naccounts:\n"+c.accountYAML(h.nets))
	h.env = childEnv(h.dir, "FAKENET_")
	for k, v := range h.nets.Env() {
		h.env = append(h.env, k+"="+v)
	}
	return h
}

// killAfter SIGKILLs p after d — or, if aimed, 0–15 ms after the fake
// created a reply, whichever comes first — unless p exits on its own
// before. It reports whether p exited by itself, and its error. Every
// request of the dead process is finished before it returns.
func (h *netHarness) killAfter(p *proc, d time.Duration, aimed bool) (exited bool, err error) {
	h.t.Helper()
	var aim chan struct{}
	if aimed {
		aim = h.d.Created
	}
	var creates int
	exited, hit, err := h.kill(p, d, aim, func() { creates = h.d.Busy() })
	if exited {
		return true, err
	}
	if hit {
		h.killsAimed++
	}
	if creates > 0 {
		h.killsMidCreate++
	}
	if !waitIdle(h.d, 5*time.Second) {
		h.t.Fatalf("the fake still handles requests of a killed hark after 5 s")
	}
	return false, nil
}

// targets lists the public conversations of the account a reply can go to.
func (h *netHarness) targets() []string {
	h.t.Helper()
	st := h.openStore("after the first poll")
	defer st.Close()
	return convIDs(h.t, st, func(c social.Conversation) bool {
		return c.ReadOnly == "" && !c.Direct && c.Account == h.c.account
	})
}

// pending lists the outbox entries not yet sent: queued or sending, and
// scheduled ones due within the clean run (a killed poll may have died
// before it released a due entry, which the clean run then sends).
func (h *netHarness) pending() map[uint64]bool {
	h.t.Helper()
	out := map[uint64]bool{}
	for _, e := range h.undelivered("before the clean run") {
		out[e.Seq] = true
	}
	return out
}

// sentLine is what `hark poll` prints when a delivery ends.
var sentLine = regexp.MustCompile(`(?m)^(sent|failed)\s+(?:reply (\d+) to #|(?:follow-up of )?status post \S+ \(outbox (\d+)\))`)

// sentSeq is the outbox number of a sentLine match (a reply's or a status
// post's).
func sentSeq(m []string) uint64 {
	s := m[2]
	if s == "" {
		s = m[3]
	}
	seq, _ := strconv.ParseUint(s, 10, 64)
	return seq
}

// finish runs one `hark poll` with the network behaving until every entry
// in want has been delivered (or failed), then stops it with SIGTERM and
// expects a clean exit. Entries that met an injected failure wait out
// hark's backoff (8–12 s); after 60 s it stops hark anyway and leaves the
// checks to say what is missing.
func (h *netHarness) finish(want map[uint64]bool) time.Duration {
	h.t.Helper()
	start := time.Now()
	p := h.start("poll")
	for {
		select {
		case err := <-p.done:
			h.t.Fatalf("hark poll exited by itself (%v):\n%s\nlog:\n%s", err, p.out, h.logTail())
		case <-time.After(25 * time.Millisecond):
		}
		done := 0
		for _, m := range sentLine.FindAllStringSubmatch(p.out.String(), -1) {
			if want[sentSeq(m)] {
				done++
			}
		}
		if done >= len(want) && time.Since(start) > 500*time.Millisecond && h.d.QuietFor(300*time.Millisecond) {
			break
		}
		if time.Since(start) > 60*time.Second {
			h.t.Errorf("hark poll did not deliver every queued reply within 60 s (%d of %d done)", done, len(want))
			break
		}
	}
	took := time.Since(start)
	sigterm(h.t, p, "poll", 15*time.Second)
	return took
}

// netReport is what the checks found.
type netReport struct {
	mentions, mentionsStored int
	replyReport
}

// check asserts the end state: every mention stored once in one
// conversation; every outbox entry sent, matching exactly one post on the
// server under the remote id hark recorded, its own post stored in its
// conversation; nothing on the server that no entry holds.
func (h *netHarness) check(st store.Store) netReport {
	h.t.Helper()
	t := h.t
	var rep netReport

	stored := storedPosts(t, h.db, st, "at the end")
	inConv := map[string]int{}
	err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		for _, k := range c.PostKeys {
			inConv[k]++
			if sp, ok := stored[k]; !ok {
				t.Errorf("conversation %s lists post %s, which is not stored", c.ID, k)
			} else if sp.ConvID != c.ID {
				t.Errorf("post %s is in conversation %s but names %s", k, c.ID, sp.ConvID)
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("reading conversations: %v", err)
	}
	for k := range stored {
		if n := inConv[k]; n != 1 {
			t.Errorf("post %s is listed %d times in conversations, want once", k, n)
		}
	}
	for _, id := range h.c.mentions(h.nets) {
		rep.mentions++
		if _, ok := stored[social.PostKey(h.c.network, h.c.account, id)]; ok {
			rep.mentionsStored++
		} else {
			t.Errorf("mention %s is not stored (lost)", id)
		}
	}

	entries, err := st.Outbox(context.Background(), nil)
	if err != nil {
		t.Fatalf("reading the outbox: %v", err)
	}
	made := map[fakenet.ReplyKey][]madePost{}
	for _, p := range h.c.created(t, h.nets) {
		made[p.key] = append(made[p.key], p)
	}
	entries = slices.DeleteFunc(entries, func(e store.OutboxEntry) bool {
		return e.Reply.Network != h.c.network // another network's (the team run has three)
	})
	rep.replyReport = reconcile(t, "", entries, made, h.c.entryKey, func(e store.OutboxEntry, ps []madePost) {
		if len(ps) == 1 && !h.c.sentID(e, ps[0]) {
			t.Errorf("outbox %d (key %q) recorded remote id %q; the server made %+v", e.Seq, e.Reply.Key, e.Sent.RemoteID, ps[0])
		}
		sp, ok := stored[social.PostKey(h.c.network, h.c.account, e.Sent.RemoteID)]
		switch {
		case !ok:
			t.Errorf("outbox %d is sent but its post %s is not in the store", e.Seq, e.Sent.RemoteID)
		case sp.Kind != social.KindOwn:
			t.Errorf("outbox %d: its post %s is stored as %v, want the brand's own", e.Seq, e.Sent.RemoteID, sp.Kind)
		case sp.ConvID != e.Reply.ConvID:
			t.Errorf("outbox %d's post is in conversation %s, want %s", e.Seq, sp.ConvID, e.Reply.ConvID)
		}
	})
	return rep
}

// TestCrashNetworks is TestCrash for Bluesky and X: hark is SIGKILLed at
// random points while it polls and delivers replies, the network holds back,
// fails or drops the answers to create calls after the reply exists, and in
// the end every reply must be on the server exactly once.
//
// HARK_CRASH_ROUNDS sets the kill rounds per network (default 14; replies
// queued: the larger of 12 and half the rounds). The two networks run in
// parallel.
func TestCrashNetworks(t *testing.T) {
	rounds, seed := soak(t, "HARK_CRASH_ROUNDS", 14)
	for i, c := range []netCase{blueskyCase(false), xCase(false), blueskyCase(true), xCase(true)} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := seed + uint64(i)*0x9e3779b9
			t.Logf("seed %d (HARK_CRASH_SEED=%d repeats the random choices), %d rounds", s, seed, rounds)
			crashNetwork(t, c, s, rounds)
		})
	}
}

func crashNetwork(t *testing.T, c netCase, seed uint64, rounds int) {
	began := time.Now()
	h := newNetHarness(t, c, seed)

	// The first poll sees all but the newest mention; it arrives during the
	// kill rounds.
	h.c.fake(h.nets).Withhold(1)
	h.pollOnce()
	targets := h.targets()
	if len(targets) == 0 {
		t.Fatal("no public conversation to reply to")
	}

	// Delivery: M replies queued with `hark reply` (itself killed at random
	// points — often right after the server created the reply — or let
	// finish), and a `hark poll` killed after 20–300 ms after each, half of
	// them aimed right after the server created a reply.
	h.d.SetOn(true)
	replies := max(12, rounds/2)
	rounds = max(rounds, replies)
	queued, replyKills := 0, 0
	// A whole `hark reply` run, as measured here: -race on a busy 2-core
	// machine takes far longer than a quick laptop just to start, so kill
	// times are drawn over the run's real length, not a fixed window.
	whole := 250 * time.Millisecond
	for i := range rounds {
		if i == rounds/2 {
			h.c.fake(h.nets).Release()
		}
		if queued < replies {
			conv := targets[h.rng.IntN(len(targets))]
			queued++
			text := fmt.Sprintf("Thanks for reaching out, we're on it (%s crash reply %d/%d).", c.name, queued, seed%100000)
			h.d.Drain()
			rp := h.start(append(append([]string{"reply", "--no-signature"}, c.replyArgs...), conv, text)...)
			// Every other reply runs to its end, so that at least half
			// reach the outbox and delivery is tested at all (a random
			// 40% let too few through when starting took the whole kill
			// window); the others die at a random point of a whole run,
			// or right after the server created their post.
			d, aimed := 10*time.Second, false
			if queued%2 == 0 {
				d, aimed = time.Duration(h.rng.Int64N(int64(whole)*3/2+1)), h.rng.Float64() < 0.3
			}
			k, began := h.kills, time.Now()
			exited, err := h.killAfter(rp, d, aimed)
			if exited && err != nil {
				t.Logf("hark reply %s: %v\n%s", conv, err, rp.out)
			}
			if exited && err == nil && d == 10*time.Second {
				whole = time.Since(began)
			}
			replyKills += h.kills - k
		}
		h.d.Drain()
		p := h.start("poll")
		if exited, err := h.killAfter(p, h.ms(20, 300), h.rng.Float64() < 0.5); exited {
			t.Fatalf("round %d: hark poll exited by itself (%v):\n%s\nlog:\n%s", i, err, p.out, tail(h.log, 40))
		}
	}
	h.c.fake(h.nets).Release()

	// The clean run: the network behaves, hark delivers what is left.
	h.d.SetOn(false)
	want := h.pending()
	took := h.finish(want)

	st := h.openStore("after delivery")
	defer st.Close()
	rep := h.check(st)
	ds, refusals := h.d.Snapshot()
	confirmed := strings.Count(readFile(h.log), "uncertain send had reached the network")
	for _, r := range refusals {
		if c.refusalIsProtocol {
			t.Logf("the server refused a repeat create (harmless on %s: one record per rkey): %s", c.name, r)
		} else {
			t.Errorf("hark resent a reply the server already held; only %s's duplicate-content check kept it from "+
				"posting twice, and X promises no such check: %s", c.name, r)
		}
	}
	t.Logf("%s: %d kill rounds, %d kills (%d of hark reply, %d with a create call open, %d aimed right after a reply was created); "+
		"clean run delivered %d pending in %s; whole test %s",
		c.name, rounds, h.kills, replyKills, h.killsMidCreate, h.killsAimed, len(want), took.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	t.Logf("%s server: %d create calls, %d created, %d answers held back (%d never read: the client died), %d 502 after creating, "+
		"%d connections dropped after creating, %d 502 before creating, %d repeats refused; %d Confirm lookups (%d failed with 502)",
		c.name, ds.Creates, ds.Created, ds.Held, ds.Unanswered, ds.BadGateway, ds.Dropped, ds.FailedBefore, ds.Refused, ds.Confirms, ds.ConfirmFails)
	t.Logf("crash %s: %d rounds, %d kills, %d replies queued, %d created, %d confirmed after a crash or timeout, %d duplicates, %d losses; "+
		"%d delivered exactly once, %d not sent by the end, %d stray; %d of %d mentions stored",
		c.name, rounds, h.kills, rep.accepted, ds.Created, confirmed, rep.duplicated, rep.lost, rep.once, rep.notSent, rep.stray,
		rep.mentionsStored, rep.mentions)
	if rep.accepted < queued/2 {
		t.Errorf("only %d of %d replies reached the outbox: the kills of hark reply land too early to test delivery", rep.accepted, queued)
	}
	if ds.Unanswered+ds.BadGateway+ds.Dropped == 0 {
		t.Errorf("no create answer was lost: the test did not open the window it is about")
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
