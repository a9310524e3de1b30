package crashtest

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	for _, c := range []netCase{blueskyCase(false), xCase(false)} {
		t.Run(c.name, func(t *testing.T) {
			seed := crashSeed(t)
			h := newNetHarness(t, c, seed)
			img := filepath.Join(h.dir, "outage-map.png")
			f, err := os.Create(img)
			if err != nil {
				t.Fatal(err)
			}
			png.Encode(f, image.NewGray(image.Rect(0, 0, 4, 4)))
			f.Close()
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
}

func findMade(c netCase, h *netHarness, text string) madePost {
	for _, p := range c.created(h.t, h.nets) {
		if p.key.Text == text {
			return p
		}
	}
	return madePost{}
}
