//go:build e2ereal

package real

import (
	"maps"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Scenarios of issue 21 against both servers: status posts, a scheduled
// reply across a restart, a customer's photo shown with its alt text, a
// reply with an image, and SIGKILL during a status post and an upload.

// bothNetworks is one hark whose brand has an account on each server.
func bothNetworks(t *testing.T) (*harkEnv, *gts, *atp) {
	t.Helper()
	g, a := newGTS(t), newATP(t)
	secrets := maps.Clone(g.secrets())
	maps.Copy(secrets, a.secrets())
	return newHark(t, g.account(g.base())+a.account(a.base()), secrets), g, a
}

// oneStatus waits until the customer sees exactly one status post of the
// brand with tok on p, containing want; it returns it.
func oneStatus(t *testing.T, p peer, tok, want string) seen {
	t.Helper()
	var got []seen
	eventually(30*time.Second, func() bool { got = p.statuses(t, tok); return len(got) > 0 })
	if len(got) != 1 {
		t.Fatalf("%s: the customer sees %d status posts with %s, want exactly 1: %v", p.name(), len(got), tok, got)
	}
	if !strings.Contains(got[0].text, want) {
		t.Errorf("%s: status post %q lacks %q", p.name(), got[0].text, want)
	}
	return got[0]
}

// TestStatusPostBothNetworks: `hark post --brand` publishes one status
// post on the brand's two accounts at once; then, in the TUI under tmux,
// P writes a second one and S lists both with their links. The customer
// reads each once on each server (the brand's profile, not a reply), with
// the brand's signature; `hark statuses` lists the links.
func TestStatusPostBothNetworks(t *testing.T) {
	h, g, a := bothNetworks(t)
	tok := token("outage")
	t0 := time.Now()
	out := h.must(t, "post", "--brand", "Alice Co", "We know the website is down ("+tok+"); we're on it.")
	took := time.Since(t0)
	for _, acct := range []string{"mastodon/gts", "bluesky/atp"} {
		if !regexp.MustCompile(`(?m)^sent on ` + acct + `: \S+`).MatchString(out) {
			t.Errorf("hark post did not say it sent on %s:\n%s", acct, out)
		}
	}
	for _, p := range []peer{g, a} {
		s := oneStatus(t, p, tok, "we're on it")
		if !strings.Contains(s.text, "^AA") {
			t.Errorf("%s: status post %q has no brand signature ^AA", p.name(), s.text)
		}
	}
	list := h.must(t, "statuses", "--brand", "Alice Co")
	if !strings.Contains(list, tok) || strings.Count(list, "\tsent\t") < 2 {
		t.Errorf("hark statuses does not list the post with its two copies sent:\n%s", list)
	}
	t.Logf("hark post on both networks in %s:\n%s", took.Round(time.Millisecond), out)

	needTmux(t)
	p := startTUI(t, h, tok)
	p.keys("P")
	p.waitFor("the status post composer", "ctrl+s post")
	p.waitFor("both accounts ticked", "[x] bluesky/atp")
	p.keys("-l", "Update "+tok+": the website is back for most of you.")
	p.waitFor("the text", "back for most of you")
	p.keys("C-s") // (its "queued on 2 account(s)" may be gone by now: sent)
	for _, pr := range []peer{g, a} {
		var got []seen
		if !eventually(30*time.Second, func() bool { got = pr.statuses(t, tok); return len(got) >= 2 }) || len(got) != 2 {
			t.Fatalf("%s: the customer sees %d status posts with %s after P, want 2: %v", pr.name(), len(got), tok, got)
		}
	}
	p.keys("S")
	s := p.waitFor("the status list", "Status posts · Alice Co")
	if !eventually(20*time.Second, func() bool {
		s = p.screen()
		return strings.Count(s, "http://localhost:8080/") >= 2 && strings.Count(s, "/post/") >= 2
	}) {
		t.Errorf("S does not show both status posts with their links on both networks:\n%s", s)
	}
	p.keys("Escape")
	p.keys("q")
	t.Logf("TUI: P posted on 2 accounts; S:\n%s", s)
}

// schedulers are the two ways to schedule a reply.
var schedulers = []struct {
	name     string
	schedule func(t *testing.T, h *harkEnv, convID, tok, text string, in time.Duration)
}{
	{"reply --at", func(t *testing.T, h *harkEnv, convID, tok, text string, in time.Duration) {
		out := h.must(t, "reply", "--at", in.String(), convID, text)
		if !strings.HasPrefix(out, "scheduled (outbox ") {
			t.Fatalf("hark reply --at: %s", out)
		}
	}},
	{"ctrl+l", func(t *testing.T, h *harkEnv, convID, tok, text string, in time.Duration) {
		needTmux(t)
		p := startTUI(t, h, tok)
		p.open(tok, "my replacement should come")
		p.keys("r")
		p.waitFor("the composer", "ctrl+l later")
		p.keys("-l", text)
		p.waitFor("the text", text[:20])
		p.keys("C-l")
		p.waitFor("the send-later prompt", "at ›")
		p.keys("-l", in.String())
		p.keys("Enter")
		p.waitFor("the confirmation", "Scheduled for")
		p.keys("q")
		if !eventually(20*time.Second, func() bool { return exec.Command("tmux", "has-session", "-t", p.name).Run() != nil }) {
			t.Fatalf("hark did not quit:\n%s", p.screen())
		}
	}},
}

// TestScheduledReplyAfterRestart, on each server, scheduled with `hark
// reply --at` and with ctrl+l in the TUI: a running hark (hark poll) is
// stopped before the reply is due; nothing is posted while no hark runs,
// even past the due time; the next hark, started after it, sends it at
// once; a further run sends nothing more. The customer sees it once.
func TestScheduledReplyAfterRestart(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer) {
		for _, sc := range schedulers {
			t.Run(sc.name, func(t *testing.T) {
				h := harkOn(t, p)
				tok := token("later")
				m := p.mention(t, tok+" my replacement should come this week", nil)
				c := h.pollConv(t, m.id)
				const in = 25 * time.Second
				sc.schedule(t, h, c.ID, tok, "Did the replacement arrive? "+tok, in)
				e := h.lastEntry(t)
				if !e.Scheduled() {
					t.Fatalf("outbox entry %d is %s, want scheduled", e.Seq, e.State)
				}
				// a hark runs, and stops before the time
				r := h.start(t, "poll")
				r.waitOutput(t, regexp.MustCompile(`polling every feed`), 30*time.Second)
				if time.Now().After(e.SendAt) {
					t.Fatalf("the machine is too slow: hark started after the reply was due (%s)", e.SendAt)
				}
				r.stop(t)
				if n := len(p.replies(t, m)); n != 0 {
					t.Fatalf("%d replies before the time", n)
				}
				// no hark runs at the due time
				<-time.After(time.Until(e.SendAt.Add(3 * time.Second))) // the event: the due time has passed
				if n := len(p.replies(t, m)); n != 0 {
					t.Fatalf("%d replies while no hark ran", n)
				}
				started := time.Now()
				r = h.start(t, "poll")
				r.waitOutput(t, regexp.MustCompile(`(?m)^sent\s+reply `+strconv.FormatUint(e.Seq, 10)+` `), 90*time.Second)
				late := time.Since(started)
				r.stop(t)
				again := h.pollOnce(t) // one more restart: nothing more goes
				if strings.Contains(again, " sent: ") {
					t.Errorf("a further run sent something:\n%s", again)
				}
				got := p.oneReply(t, m, "Did the replacement arrive? "+tok)
				e = h.lastEntry(t)
				t.Logf("%s, %s: due %s; hark stopped before, started %s after; sent %s after start (outbox %d %s); the customer sees 1 reply %s",
					p.name(), sc.name, e.SendAt.Format("15:04:05"), started.Sub(e.SendAt).Round(time.Millisecond), late.Round(time.Millisecond), e.Seq, e.State, got.id)
			})
		}
	})
}

// TestPhotoMentionAndImageReply, on each server: the customer mentions
// the brand with a photo and its alt text (the server's own API); under
// tmux the conversation shows the photo's line with that alt text; the
// operator answers with an image (ctrl+o, a path, its alt text); the
// customer reads the reply back with the image and its alt text.
func TestPhotoMentionAndImageReply(t *testing.T) {
	needTmux(t)
	forEachPeer(t, func(t *testing.T, p peer) {
		h := harkOn(t, p)
		tok := token("photo")
		alt := "Mug, handle snapped off " + tok[len(tok)-4:]
		m := p.mention(t, tok+" this is how it arrived", newPhoto(t, alt))
		h.pollConv(t, m.id)

		pane := startTUI(t, h, tok)
		pane.open(tok, "this is how it arrived")
		shown := pane.waitFor("the photo with its alt text", `"`+alt+`"`)
		photoLine := ""
		for _, l := range strings.Split(shown, "\n") {
			if i := strings.Index(l, alt); i >= 0 {
				photoLine = l[:i+len(alt)+1]
				if j := strings.LastIndexAny(photoLine[:i], "│┃"); j >= 0 {
					photoLine = strings.TrimSpace(photoLine[j+len("│"):])
				}
			}
		}
		form := newPhoto(t, "")
		formAlt := "Returns form, page 1 " + tok[len(tok)-4:]
		pane.keys("r")
		pane.waitFor("the composer", "ctrl+o image")
		pane.keys("-l", "Sorry "+tok+"! Please fill in this form.")
		pane.keys("C-o")
		pane.waitFor("the file prompt", "file ›")
		pane.keys("-l", form.path)
		pane.keys("Enter")
		pane.waitFor("the alt text prompt", "alt ›")
		pane.keys("-l", formAlt)
		pane.keys("Enter")
		pane.waitFor("the image attached", "it goes with the next send")
		pane.keys("C-s")
		r := p.oneReply(t, m, "Please fill in this form")
		if len(r.alts) != 1 || r.alts[0] != formAlt {
			t.Errorf("%s: the customer sees the reply with images %q, want one with alt %q", p.name(), r.alts, formAlt)
		}
		pane.keys("q")
		t.Logf("%s: the customer's photo in the TUI: %s\nthe reply the customer reads: %s", p.name(), photoLine, r)
	})
}

// killPoints are the two moments of a status post with an image hark is
// SIGKILLed at.
var killPoints = []struct {
	name string
	path func(peer) string
}{
	{"during the upload", peer.uploadPath},
	{"during the status post", peer.createPath},
}

// TestKillDuringStatusPostAndUpload, on each server: `hark post --image`
// is SIGKILLed once the server has done the upload (its answer held back)
// and once it has made the status post (answer held back). The next run
// (poll --once) finishes: the customer sees the status post once, with
// the image once, and the proxy counts what reached the server.
func TestKillDuringStatusPostAndUpload(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer) {
		for _, kp := range killPoints {
			t.Run(strings.ReplaceAll(kp.name, " ", "_"), func(t *testing.T) {
				px := newHoldProxy(t, p.base(), p.createPath(), p.uploadPath())
				h := newHark(t, p.account(px.URL), p.secrets())
				tok := token("kpost")
				ph := newPhoto(t, "Map of the outage area "+tok[len(tok)-4:])
				px.killAt(t, h, kp.path(p), "post", "--brand", "Alice Co", "--image", ph.path, "--alt", ph.alt, "Power cut in Millbrook ("+tok+"): crews are on site.")
				last := h.lastEntry(t)
				checkKilledMidSend(t, last)
				out := h.afterKill(t, last.Seq)
				s := oneStatus(t, p, tok, "crews are on site")
				if len(s.alts) != 1 || s.alts[0] != ph.alt {
					t.Errorf("the status post carries images %q, want one with alt %q", s.alts, ph.alt)
				}
				ups, posts := px.count(p.uploadPath()), px.count(p.createPath())
				if posts != 1 {
					t.Errorf("%d status creations reached the server, want 1", posts)
				}
				if kp.path(p) == p.createPath() && ups != 1 {
					t.Errorf("%d uploads reached the server, want 1 (the upload was done before the kill)", ups)
				}
				t.Logf("%s, SIGKILL %s: %d upload(s), %d status creation(s) reached the server; the customer sees 1 status post %s with %d image; next run: %s",
					p.name(), kp.name, ups, posts, s.id, len(s.alts), firstLine(out, "outbox:"))
			})
		}
	})
}

// TestWritesWhileHarkRuns, on each server: with `hark poll` holding the
// store, `hark reply` and `hark post` from another process go through the
// running hark (its socket) to the server. The customer sees one reply
// and one status post; the running hark, stopped afterwards, sent nothing
// more.
func TestWritesWhileHarkRuns(t *testing.T) {
	forEachPeer(t, func(t *testing.T, p peer) {
		h, tok, m, c := mentioned(t, p, "held", " my order never came")
		r := h.start(t, "poll")
		r.waitOutput(t, regexp.MustCompile(`polling every feed`), 30*time.Second)
		if out := h.must(t, "reply", c.ID, "Sorry, checking now "+tok); !strings.HasPrefix(out, "sent: ") {
			t.Fatalf("hark reply while hark poll runs:\n%s", out)
		}
		out := h.must(t, "post", "--brand", "Alice Co", "Orders are late today ("+tok+")")
		if !regexp.MustCompile(`(?m)^sent on \S+: \S+`).MatchString(out) {
			t.Fatalf("hark post while hark poll runs:\n%s", out)
		}
		r.stop(t)
		if strings.Contains(r.output(), "store is in use") {
			t.Fatalf("the running hark's output:\n%s", r.output())
		}
		got := p.oneReply(t, m, "Sorry, checking now "+tok)
		st := oneStatus(t, p, tok, "Orders are late today")
		t.Logf("%s: reply %s and status post %s through the running hark", p.name(), got.id, st.id)
	})
}
