//go:build e2ereal

package real

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hark-tui/hark/store"
)

// gtsStop stops the running GoToSocial (the pid file gts-up.sh wrote)
// and returns a func that starts it again on the same state.
func gtsStop(t *testing.T, g *gts) (start func()) {
	t.Helper()
	pidb, err := os.ReadFile(filepath.Join(g.home, "server.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidb)))
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		t.Fatalf("GoToSocial pid %d: %v", pid, err)
	}
	proc, _ := os.FindProcess(pid)
	proc.Signal(syscall.SIGTERM)
	if !eventually(30*time.Second, func() bool { return proc.Signal(syscall.Signal(0)) != nil }) {
		t.Fatalf("GoToSocial (pid %d) did not stop", pid)
	}
	started := false
	start = func() {
		if started {
			return
		}
		started = true
		logf, err := os.OpenFile(filepath.Join(g.home, "server.log"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(exe, "--config-path", filepath.Join(g.home, "config.yaml"), "server", "start")
		cmd.Env = append(os.Environ(), "GTS_WAZERO_COMPILATION_CACHE="+filepath.Join(filepath.Dir(g.home), "wazero-cache"))
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(g.home, "server.pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
		go cmd.Wait()
		if !eventually(120*time.Second, func() bool { _, err := g.get(g.bobToken, "/api/v1/instance", nil); return err == nil }) {
			t.Fatal("GoToSocial did not come back within 120 s")
		}
	}
	t.Cleanup(start) // never leave the server down for the next test
	return start
}

var sentLine = regexp.MustCompile(`(?m)^sent\s+reply (\d+)`)

// TestGTSServerDownThenUp: the server stops; a reply is queued with a
// clear reason; hark runs (poll) and says the feed is failing; the server
// comes back and the queued reply is delivered, once.
func TestGTSServerDownThenUp(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "outage", " app is down for me")

	start := gtsStop(t, g)
	out, err := h.run(t, "reply", c.ID, "Back soon, "+tok)
	if err != nil {
		t.Fatalf("hark reply with the server down: %v\n%s", err, out)
	}
	if !strings.Contains(out, "queued (outbox") || !strings.Contains(out, "connection refused") {
		t.Errorf("hark reply with the server down does not say it is queued and why:\n%s", out)
	}
	t.Logf("hark reply, server down: %s", strings.TrimSpace(out))
	p := h.start(t, "poll")
	st := p.waitOutput(t, regexp.MustCompile(`(?m)^error mastodon:gts: .*$`), 60*time.Second)
	t.Logf("hark poll, server down: %s", st)
	if !strings.Contains(st, "connection refused") {
		t.Errorf("the feed error does not say what is wrong: %s", st)
	}
	start()
	p.waitOutput(t, sentLine, 3*time.Minute)
	p.stop(t)
	g.checkOneReply(t, m.id, "Back soon, "+tok, "public")
	n := 0
	for _, e := range h.outbox(t) {
		if e.State == store.OutSent {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d sent outbox entries, want the one reply", n)
	}
	t.Logf("server down then up: the queued reply delivered once (%d sent entries, 1 reply seen by the customer)", n)
}
