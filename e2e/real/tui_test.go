//go:build e2ereal

package real

import (
	"os/exec"

	"github.com/charmbracelet/x/ansi"
	"strings"
	"testing"
	"time"
)

// tmux runs args against the test's tmux server.
func tmux(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGTSTUICannedReply: hark's TUI under tmux (120×40) finds bob's
// mention with a search, opens it, picks the canned answer by its
// shortcut, sends it; bob sees exactly one reply, addressed by name.
func TestGTSTUICannedReply(t *testing.T) {
	needTmux(t)
	g := newGTS(t)
	h, tok, m, _ := mentioned(t, g, "tui", " my parcel is damaged")

	p := startTUI(t, h, tok)
	screen, waitFor, keys := p.screen, p.waitFor, p.keys
	p.open(tok, "my parcel is damaged")
	keys("c")
	waitFor("the canned picker", "canned ›")
	keys("-l", "lookin")
	waitFor("the filtered picker", "canned › lookin")
	keys("Enter") // insert
	waitFor("the answer in the composer", "looking into it")
	keys("C-s")
	defer func() {
		if t.Failed() {
			t.Logf("the screen:\n%s\nlog:\n%s", screen(), h.logTail())
		}
	}()
	g.checkOneReply(t, m.id, "looking into it right now", "public")
	t.Logf("TUI under tmux: canned answer sent once; screen after sending:\n%s", screen())
	keys("q")
}

// TestGTSTUIDeletedPost (item 3): bob deletes his mention; the operator
// opens the conversation in the TUI (a thread fetch): the status line says
// the customer deleted the post, whole, the post is marked deleted, and
// the conversation leaves the inbox.
func TestGTSTUIDeletedPost(t *testing.T) {
	needTmux(t)
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "tuidel", " never mind")
	if _, err := g.do(g.bobToken, "DELETE", "/api/v1/statuses/"+m.id, nil); err != nil {
		t.Fatal(err)
	}
	p := startTUI(t, h, tok)
	waitFor, keys := p.waitFor, p.keys
	p.open(tok, "never mind")
	s := waitFor("the deletion in the status line", "conversation "+c.ID+": the customer deleted this post; nothing else waits: resolved")
	waitFor("the post marked deleted", "DELETED by its author")
	keys("q")
	t.Logf("TUI, deleted post opened:\n%s", s)
}

// TestGTSTUIEmojiBorders (item 10): a mention full of emoji sequences
// (ZWJ family, skin tones, ❤️, a keycap) shown in the TUI under tmux: every
// row of the conversation box keeps its right border in the last column
// (tmux 3.3 draws 👍🏽 in 4 cells and ❤️ in 1; they used to push the border
// out or pull it in).
func TestGTSTUIEmojiBorders(t *testing.T) {
	needTmux(t)
	g := newGTS(t)
	h, tok, _, _ := mentioned(t, g, "emoji", " 👩🏽\u200d💻 my laptop 👨\u200d👩\u200d👧\u200d👦 family order 👍🏽 ❤\ufe0f 1\ufe0f\u20e3 broke")
	p := startTUI(t, h, tok)
	screen, keys := p.screen, p.keys
	var s string
	p.open(tok, "my laptop")
	if !eventually(20*time.Second, func() bool {
		s = screen()
		return strings.Contains(s, "my laptop") && strings.Contains(s, "family order")
	}) {
		t.Fatalf("the post never showed:\n%s", s)
	}
	// tmux's own idea of each row: where its last character sits.
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if !strings.Contains(l, "my laptop") && !strings.Contains(l, "family order") {
			continue
		}
		if r := strings.TrimRight(l, " "); !strings.HasSuffix(r, "┃") && !strings.HasSuffix(r, "│") {
			t.Errorf("row %d lost its right border: %q", i, l)
		}
		if w := ansi.StringWidthWc(l); w != 120 {
			t.Errorf("row %d is %d cells wide, want 120: %q", i, w, l)
		}
	}
	keys("q")
	t.Logf("TUI under tmux with emoji sequences:\n%s", s)
}
