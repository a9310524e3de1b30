package crashtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/store"
)

// TestCrashScheduledReply: replies scheduled a moment ahead (`hark reply
// --at 2s --anyway`) are released by a `hark poll` that is SIGKILLed right
// after the server created one (its answer held back, replaced or dropped
// by the crash layer); the next runs find it sending or queued and
// confirm before sending. At the end every scheduled reply is on the
// server once and recorded as sent.
func TestCrashScheduledReply(t *testing.T) {
	for _, c := range []netCase{blueskyCase(false), xCase(false)} {
		t.Run(c.name, func(t *testing.T) {
			seed := crashSeed(t)
			h := newNetHarness(t, c, seed)
			h.pollOnce()
			targets := h.targets()
			if len(targets) == 0 {
				t.Fatal("no public conversation to reply to")
			}
			for i := range 3 {
				text := fmt.Sprintf("Did the replacement arrive? (%s scheduled %d/%d)", c.name, i, seed%100000)
				p := h.start("reply", "--no-signature", "--at", "2s", "--anyway", targets[i%len(targets)], text)
				if exited, err := h.killAfter(p, 20*time.Second, false); !exited || err != nil {
					t.Fatalf("hark reply --at: %v\n%s", err, p.out)
				}
			}
			st := h.openStore("after scheduling")
			sched, _ := st.Outbox(context.Background(), func(e store.OutboxEntry) bool { return e.State == store.OutScheduled })
			st.Close()
			if len(sched) != 3 {
				t.Fatalf("%d scheduled entries, want 3", len(sched))
			}
			h.d.SetOn(true)
			for round := 0; round < 6 && h.killsAimed < 2; round++ {
				h.d.Drain()
				p := h.start("poll")
				// aimed: killed 0–15 ms after the server created a reply
				if exited, err := h.killAfter(p, 10*time.Second, true); exited {
					t.Fatalf("hark poll exited by itself (%v):\n%s", err, p.out)
				}
			}
			h.d.Drain()
			h.d.SetOn(false)
			h.finish(h.pending())
			st = h.openStore("after delivery")
			defer st.Close()
			rep := h.check(st)
			if rep.duplicated != 0 || rep.lost != 0 || rep.notSent != 0 {
				t.Errorf("%+v", rep)
			}
			t.Logf("%s: %d kills (%d right after a scheduled reply was created), %d delivered exactly once, seed %d",
				c.name, h.kills, h.killsAimed, rep.once, seed)
		})
	}
}
