//go:build e2ereal

package real

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pane is hark's TUI on its config, in a tmux session of its own (120×40),
// ended with the test: every TUI scenario drives it the same way.
type pane struct {
	t    *testing.T
	name string
}

// needTmux skips a TUI scenario where tmux is not installed.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
}

// startTUI runs h's hark in a new tmux session named after tok and waits
// for its queue.
func startTUI(t *testing.T, h *harkEnv, tok string) *pane {
	t.Helper()
	p := &pane{t: t, name: "hark-real-" + tok}
	cmd := "env -i " + strings.Join(h.env, " ") + " " + harkBin + " --config " + h.cfg
	tmux(t, "new-session", "-d", "-s", p.name, "-x", "120", "-y", "40", cmd)
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", p.name).Run() })
	p.waitFor("the queue", "inbox")
	return p
}

func (p *pane) screen() string { return tmux(p.t, "capture-pane", "-p", "-t", p.name) }

func (p *pane) keys(k ...string) { tmux(p.t, append([]string{"send-keys", "-t", p.name}, k...)...) }

// waitFor polls the screen until it shows text (20 s deadline) and returns it.
func (p *pane) waitFor(what, text string) string {
	p.t.Helper()
	var s string
	if !eventually(20*time.Second, func() bool { s = p.screen(); return strings.Contains(s, text) }) {
		p.t.Fatalf("the TUI never showed %s (%q):\n%s", what, text, s)
	}
	return s
}

// search opens the search prompt, waits for it, applies query and waits
// until the header shows the filter (the text searched for may show in
// the unfiltered queue already: waiting for it alone let the next key
// act on whatever conversation was selected before the search landed).
func (p *pane) search(query string) {
	p.t.Helper()
	p.keys("/")
	p.waitFor("the search prompt", "a phrase")
	p.keys("-l", query)
	p.keys("Enter")
	p.waitFor("the search applied", "· /"+query)
}

// open finds the conversation by searching for tok, waits until the
// result shows text, and opens it.
func (p *pane) open(tok, text string) {
	p.t.Helper()
	p.search(tok)
	p.waitFor("the search result", text)
	p.keys("Enter")
}
