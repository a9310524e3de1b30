//go:build e2ereal

package real

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/store"
)

// lastEntry is the newest outbox entry (hark must not be running).
func (h *harkEnv) lastEntry(t *testing.T) store.OutboxEntry {
	t.Helper()
	ob := h.outbox(t)
	if len(ob) == 0 {
		t.Fatal("the outbox is empty")
	}
	return ob[len(ob)-1]
}

// afterKill runs `hark poll --once` until it reports outbox entry seq sent
// (the next run after a kill confirms it with the network first) and
// returns that output.
func (h *harkEnv) afterKill(t *testing.T, seq uint64) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^outbox: .*\b` + strconv.FormatUint(seq, 10) + `\b.* sent: `)
	out := ""
	if !eventually(90*time.Second, func() bool { out, _ = h.run(t, "poll", "--once"); return re.MatchString(out) }) {
		t.Fatalf("the next run did not confirm outbox entry %d:\n%s\nlog:\n%s", seq, out, h.logTail())
	}
	return out
}

// checkKilledMidSend asserts the entry hark was killed in is left in
// "sending" (or uncertain): the next run must ask the network first.
func checkKilledMidSend(t *testing.T, e store.OutboxEntry) {
	t.Helper()
	if e.State != store.OutSending && !e.Uncertain {
		t.Fatalf("after SIGKILL outbox entry %d is %s (uncertain %v), want sending", e.Seq, e.State, e.Uncertain)
	}
}

// TestKillDuringSend, on each server, three times: hark sends a reply
// through a proxy that lets the server create the post but holds the
// answer; hark is SIGKILLed while it waits. The next run finds the entry
// in "sending", asks the server (Mastodon: the thread; Bluesky: the
// record by its rkey) and marks it sent: the customer sees exactly one
// reply each time.
func TestKillDuringSend(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer) {
		px := newHoldProxy(t, p.base(), p.createPath())
		h := newHark(t, p.account(px.URL), p.secrets())
		const rounds = 3
		for i := range rounds {
			tok := token("kill")
			m := p.mention(t, "round "+strconv.Itoa(i+1)+" "+tok+": where is my refund?", nil)
			c := h.pollConv(t, m.id)
			px.killAt(t, h, p.createPath(), "reply", c.ID, "Refund "+tok+" is on its way")
			last := h.lastEntry(t)
			checkKilledMidSend(t, last)
			h.afterKill(t, last.Seq)
			p.oneReply(t, m, "Refund "+tok)
		}
		if n := px.count(p.createPath()); n != rounds {
			t.Errorf("%d post creations reached the server in %d rounds, want %d", n, rounds, rounds)
		}
		t.Logf("%s: SIGKILL during send ×%d: %d post creations on the server, exactly 1 reply seen by the customer each round", p.name(), rounds, px.count(p.createPath()))
	})
}
