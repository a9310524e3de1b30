//go:build e2ereal

package real

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hark-tui/hark/store"
)

// holdProxy forwards everything to the server; while holding, a status
// creation (POST /api/v1/statuses) is passed on at once — the server makes
// the status — but its answer is held back until the client goes away.
type holdProxy struct {
	*httptest.Server
	mu      sync.Mutex
	holding bool
	creates int
	created chan struct{}
}

func newHoldProxy(t *testing.T, target string) *holdProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &holdProxy{created: make(chan struct{}, 16)}
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/statuses" {
			return nil
		}
		p.mu.Lock()
		p.creates++
		hold := p.holding
		p.mu.Unlock()
		p.created <- struct{}{}
		if hold {
			<-r.Context().Done() // the client (hark) was killed
			return r.Context().Err()
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = u.Host // GoToSocial serves its own host name
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *holdProxy) hold(on bool) { p.mu.Lock(); p.holding = on; p.mu.Unlock() }

var sentLine = regexp.MustCompile(`(?m)^sent\s+reply (\d+)`)

// TestGTSKillDuringSend, five times: hark sends a reply through a proxy
// that lets GoToSocial create the status but holds the answer; hark is
// SIGKILLed while it waits. The next hark run (poll: polling and
// delivery) finds the entry in "sending", asks the server (Confirm) and
// marks it sent: bob sees exactly one reply each time.
func TestGTSKillDuringSend(t *testing.T) {
	g := newGTS(t)
	px := newHoldProxy(t, g.base)
	h := newHark(t, g.account(px.URL), g.secrets())
	const rounds = 5
	for i := range rounds {
		tok := token("kill")
		m := g.post(t, "@alice round "+strconv.Itoa(i+1)+" "+tok+": where is my refund?", "", "public")
		c := h.pollConv(t, m.ID)

		px.hold(true)
		for len(px.created) > 0 {
			<-px.created
		}
		p := h.start(t, "reply", c.ID, "Refund "+tok+" is on its way")
		select {
		case <-px.created:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: the reply never reached the server:\n%s", i+1, p.output())
		}
		time.Sleep(200 * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		px.hold(false)

		ob := h.outbox(t)
		last := ob[len(ob)-1]
		if last.State != store.OutSending && !last.Uncertain {
			t.Fatalf("round %d: after SIGKILL the entry is %s (uncertain %v), want sending", i+1, last.State, last.Uncertain)
		}
		d := h.start(t, "poll")
		d.waitOutput(t, regexp.MustCompile(`(?m)^sent\s+reply `+strconv.FormatUint(last.Seq, 10)+` `), 90*time.Second)
		d.stop(t)
		g.checkOneReply(t, m.ID, "Refund "+tok, "public")
	}
	px.mu.Lock()
	creates := px.creates
	px.mu.Unlock()
	if creates != rounds {
		t.Errorf("%d status creations reached the server in %d rounds, want %d", creates, rounds, rounds)
	}
	t.Logf("SIGKILL during send ×%d: %d status creations, exactly 1 reply seen by the customer in each round", rounds, creates)
}

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

// TestGTSServerDownThenUp: the server stops; a reply is queued with a
// clear reason; hark runs (poll) and says the feed is failing; the server
// comes back and the queued reply is delivered, once.
func TestGTSServerDownThenUp(t *testing.T) {
	g := newGTS(t)
	h := newHark(t, g.account(g.base), g.secrets())
	tok := token("outage")
	m := g.post(t, "@alice "+tok+" app is down for me", "", "public")
	c := h.pollConv(t, m.ID)

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
	g.checkOneReply(t, m.ID, "Back soon, "+tok, "public")
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
