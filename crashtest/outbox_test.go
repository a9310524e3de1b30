package crashtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/store"
)

// TestCrashStatusPost: `hark post` (a status post, not a reply, with an
// image) is SIGKILLed right after the server created the post (the crash
// layer holds the answer back, replaces it or drops it), then a
// clean `hark poll` delivers what is left. Every status the store holds
// is on the server exactly once, every copy recorded as sent; a status
// killed before it was stored is not on the server at all; every image
// was uploaded once (its upload was recorded before the post was made, so
// neither the confirmation nor the clean run uploads it again).
func TestCrashStatusPost(t *testing.T) {
	t.Parallel() // beside TestCrashTeam
	eachPublicNet(t, func(t *testing.T, c netCase, h *netHarness, seed uint64) {
		img := testkit.PNG(t, "outage-map.png", 4, 4)
		h.d.SetOn(true)
		var texts []string
		for i := range 4 {
			text := fmt.Sprintf("Status %d: our site is down and we're on it (%s %d).", i, c.name, seed%100000)
			texts = append(texts, text)
			h.d.Drain()
			p := h.start("post", "--no-signature", "--brand", "Acme Coffee", "--image", img, "--alt", "Map of the outage area", text)
			// aimed: killed 0–15 ms after the server created the post
			if exited, err := h.killAfter(p, 20*time.Second, true); exited && err != nil {
				t.Logf("hark post %d: %v\n%s", i, err, p.out)
			}
		}
		h.d.Drain()
		h.d.SetOn(false)
		want := h.pending()
		h.finish(want)

		st := h.openStore("after the clean run")
		defer st.Close()
		sts, err := store.Statuses(context.Background(), st, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, s := range sts {
			stored[s.Text] = true
			for _, it := range s.Items {
				e, err := st.OutboxEntry(context.Background(), it.Seq)
				if err != nil || it.State != "sent" || it.RemoteID == "" || !c.sentID(e, findMade(c, h, s.Text)) {
					t.Errorf("status %s copy on %s/%s: %s %q (%v)", s.ID, it.Network, it.Account, it.State, it.Error, err)
				}
			}
		}
		on := map[string]int{}
		for _, p := range c.created(t, h.nets) {
			if p.key.InReplyTo != "" {
				t.Errorf("a status post went out as a reply to %s", p.key.InReplyTo)
			}
			on[strings.TrimSpace(p.key.Text)]++
		}
		for _, text := range texts {
			switch {
			case stored[text] && on[text] != 1:
				t.Errorf("%q is on the server %d times, want once", text, on[text])
			case !stored[text] && on[text] != 0:
				t.Errorf("%q is on the server %d times but hark has no record of it", text, on[text])
			}
		}
		uploads := 0
		switch c.network {
		case "bluesky":
			uploads = len(h.nets.Bluesky.Find("com.atproto.repo.uploadBlob"))
		case "x":
			uploads = len(h.nets.X.Media())
		}
		if uploads != len(sts) {
			t.Errorf("%d uploads for %d stored status posts with one image each", uploads, len(sts))
		}
		t.Logf("%s: %d of %d status posts stored, %d kills (%d right after the server created it), seed %d",
			c.name, len(sts), len(texts), h.kills, h.killsAimed, seed)
		if len(sts) == 0 {
			t.Error("no status post reached the store: nothing was tested")
		}
	})
}

func findMade(c netCase, h *netHarness, text string) madePost {
	for _, p := range c.created(h.t, h.nets) {
		if p.key.Text == text {
			return p
		}
	}
	return madePost{}
}

// TestCrashScheduledReply: replies scheduled a moment ahead (`hark reply
// --at 2s --anyway`) are released by a `hark poll` that is SIGKILLed right
// after the server created one (its answer held back, replaced or dropped
// by the crash layer); the next runs find it sending or queued and
// confirm before sending. At the end every scheduled reply is on the
// server once and recorded as sent.
func TestCrashScheduledReply(t *testing.T) {
	t.Parallel() // beside TestCrashTeam
	eachPublicNet(t, func(t *testing.T, c netCase, h *netHarness, seed uint64) {
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
