package serve_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/hark-tui/hark/internal/pgtest"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/serve"
)

const wait = 30 * time.Second // bound of every wait (a hang, not a figure); tests normally take far less

// The PostgreSQL of the team tests, if one started, stops at the end.
func TestMain(m *testing.M) { apptest.Main(m, pgtest.StopShared) }

// ---- server under test ----

type env struct {
	a       *app.App
	dir     string
	addr    string
	info    serve.Info
	keys    string // authorized_keys path
	logPath string

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// openApp opens the demo app on a fresh store and polls the demo feed once.
func openApp(t *testing.T) (*app.App, string) {
	t.Helper()
	// the clock stands still: a held reply would never go
	return apptest.Demo(t, apptest.Options{Now: func() time.Time { return apptest.Start }, NoHold: true, Poll: true})
}

// startServer runs serve.Run on a loopback port with the given authorized
// client keys (none and insecure: no authentication).
func startServer(t *testing.T, insecure bool, authorized ...gossh.Signer) *env {
	t.Helper()
	a, dir := openApp(t)
	return startServerWith(t, a, dir, insecure, authorized...)
}

// startServerWith is startServer on an app of the caller's.
func startServerWith(t *testing.T, a *app.App, dir string, insecure bool, authorized ...gossh.Signer) *env {
	t.Helper()
	return startServerOpts(t, a, dir, insecure, nil, authorized...)
}

// startServerOpts is startServerWith with options of the caller's (tune,
// when given, changes them before Run).
func startServerOpts(t *testing.T, a *app.App, dir string, insecure bool, tune func(*serve.Options), authorized ...gossh.Signer) *env {
	t.Helper()
	e := &env{a: a, dir: dir, logPath: filepath.Join(dir, "hark.log"), done: make(chan error, 1)}
	o := serve.Options{
		Listen:         "127.0.0.1:0",
		HostKeyPath:    filepath.Join(dir, "host_key"),
		InsecureNoAuth: insecure,
		Version:        "test",
	}
	if !insecure {
		e.keys = filepath.Join(dir, "authorized_keys")
		writeKeys(t, e.keys, authorized...)
		o.AuthorizedKeys = e.keys
	}
	if tune != nil {
		tune(&o)
	}
	e.run(t, o)
	return e
}

// run starts serve.Run on e's app with o, waits until it listens, and
// stops it when the test ends.
func (e *env) run(t *testing.T, o serve.Options) {
	t.Helper()
	started := make(chan serve.Info, 1)
	o.Started = func(i serve.Info) { started <- i }
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- serve.Run(ctx, e.a, o) }()
	select {
	case e.info = <-started:
	case err := <-e.done:
		cancel()
		t.Fatalf("serve.Run: %v", err)
	case <-time.After(wait):
		cancel()
		t.Fatal("server did not start")
	}
	e.addr = e.info.Addr.String()
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("serve.Run: %v", err)
		}
	})
}

// stop cancels Run's context and waits for it to return.
func (e *env) stop() error {
	e.once.Do(func() {
		e.cancel()
		select {
		case e.err = <-e.done:
		case <-time.After(wait):
			e.err = errors.New("Run did not return after its context ended")
		}
	})
	return e.err
}

func (e *env) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitLog waits until the app's log contains every want.
func (e *env) waitLog(t *testing.T, want ...string) string {
	t.Helper()
	var l, missing string
	if !testkit.Poll(wait, func() bool {
		l, missing = e.log(t), ""
		for _, w := range want {
			if !strings.Contains(l, w) {
				missing = w
				break
			}
		}
		return missing == ""
	}) {
		t.Fatalf("log lacks %q:\n%s", missing, l)
	}
	return l
}

// ---- keys ----

func writeKeys(t *testing.T, path string, keys ...gossh.Signer) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("# operators of the test box\n\n")
	for i, k := range keys {
		line := bytes.TrimSpace(gossh.MarshalAuthorizedKey(k.PublicKey()))
		fmt.Fprintf(&b, "%s operator%d@test\n", line, i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ---- client ----

func dial(e *env, user string, key gossh.Signer) (*gossh.Client, error) {
	cfg := &gossh.ClientConfig{
		User: user,
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			if got := gossh.FingerprintSHA256(k); got != e.info.HostFingerprint {
				return fmt.Errorf("host key %s, want %s", got, e.info.HostFingerprint)
			}
			return nil
		},
		Timeout: wait,
	}
	if key != nil {
		cfg.Auth = []gossh.AuthMethod{gossh.PublicKeys(key)}
	}
	return gossh.Dial("tcp", e.addr, cfg)
}

func mustDial(t *testing.T, e *env, user string, key gossh.Signer) *gossh.Client {
	t.Helper()
	c, err := dial(e, user, key)
	if err != nil {
		t.Fatalf("dial as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// term is a client session with a PTY; it accumulates everything the
// server writes.
type term struct {
	t     *testing.T
	sess  *gossh.Session
	in    io.WriteCloser
	w, h  int
	ended chan error

	mu      sync.Mutex
	out     []byte
	mark    int // searches look at out[mark:]
	changed chan struct{}
}

func openTerm(t *testing.T, c *gossh.Client, w, h int) *term {
	t.Helper()
	return openTermAs(t, c, "xterm-256color", w, h)
}

// openTermAs is openTerm with the terminal's TERM.
func openTermAs(t *testing.T, c *gossh.Client, termName string, w, h int) *term {
	t.Helper()
	tm := &term{t: t, w: w, h: h, ended: make(chan error, 1), changed: make(chan struct{}, 1)}
	tm.sess, tm.in = testkit.SSHShell(t, c, termName, w, h, tm)
	go func() { tm.ended <- tm.sess.Wait() }()
	return tm
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	tm.out = append(tm.out, p...)
	tm.mu.Unlock()
	select {
	case tm.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

// screen is the text written since the mark, without escape sequences.
func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return ansi.Strip(string(tm.out[tm.mark:]))
}

// raw is what the server wrote since the mark, escape sequences and all.
func (tm *term) raw() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return string(tm.out[tm.mark:])
}

// waitFor waits until cond holds for the text since the mark. poke, when
// given, runs every 200ms while waiting.
func (tm *term) waitFor(what string, cond func(string) bool, poke func()) string {
	tm.t.Helper()
	return tm.waitOn(tm.screen, what, cond, poke)
}

// waitOn is waitFor on what read returns (screen or raw).
func (tm *term) waitOn(read func() string, what string, cond func(string) bool, poke func()) string {
	tm.t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if s := read(); cond(s) {
			return s
		}
		select {
		case <-tm.changed:
		case <-tick.C:
			if poke != nil {
				poke()
			}
		case <-deadline.C:
			tm.t.Fatalf("timed out waiting for %s; screen text:\n%s", what, tm.screen())
		}
	}
}

func (tm *term) waitText(want string) string {
	tm.t.Helper()
	return tm.waitFor(strconv.Quote(want), func(s string) bool { return strings.Contains(s, want) }, nil)
}

// repaint makes the TUI draw its whole screen again (a resize does), so
// the text after the mark is a full frame rather than a diff.
func (tm *term) repaint() {
	tm.mu.Lock()
	tm.mark = len(tm.out)
	tm.mu.Unlock()
	tm.w ^= 1 // alternate between two widths
	if err := tm.sess.WindowChange(tm.h, tm.w); err != nil {
		tm.t.Logf("window change: %v", err)
	}
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.in, s); err != nil {
		tm.t.Fatal(err)
	}
}

// waitComposerClosed waits for a whole frame with the composer closed.
// The feed can receive a reply before the screen has taken the engine's
// answer to it; until then the composer is open and the keys typed wait
// for that answer (tui's sendAhead): the test goes on from a known screen.
func (tm *term) waitComposerClosed() {
	tm.t.Helper()
	tm.repaint()
	tm.waitFor("a frame with the composer closed", func(s string) bool {
		return strings.Contains(s, "r reply · R DM")
	}, tm.repaint)
}

// waitEnd waits for the session to end and returns its error (nil: exit 0).
func (tm *term) waitEnd() error {
	tm.t.Helper()
	select {
	case err := <-tm.ended:
		return err
	case <-time.After(wait):
		tm.t.Fatalf("session did not end; screen text:\n%s", tm.screen())
		return nil
	}
}

// waitInbox waits until a full frame shows "inbox n" in the header. The
// renderer writes only what changed, so the count is read from a frame
// drawn after a resize.
func (tm *term) waitInbox(n int) {
	tm.t.Helper()
	tm.waitFor(fmt.Sprintf("a frame with inbox %d", n), func(s string) bool { return inbox(s) == n }, tm.repaint)
}

func storeInbox(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.a.Store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n[0]
}

var inboxRe = regexp.MustCompile(`inbox\s*(\d+)\s*pending`)

// inbox is the last "inbox N" count in s, or -1.
func inbox(s string) int {
	m := inboxRe.FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// ---- tests ----

func TestOperatorGetsTheTUI(t *testing.T) {
	key := testkit.SSHKey(t)
	e := startServer(t, false, key)
	if e.info.AuthorizedKeys != 1 || e.info.Insecure || !e.info.HostKeyCreated {
		t.Fatalf("info = %+v", e.info)
	}
	fi, err := os.Stat(e.info.HostKey)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", fi.Mode().Perm())
	}

	c := mustDial(t, e, "ana", key)
	tm := openTerm(t, c, 100, 30)
	tm.waitText("priority") // the top conversation is open
	tm.waitInbox(storeInbox(t, e))
	tm.send("q")
	if err := tm.waitEnd(); err != nil {
		t.Fatalf("session ended with %v, want exit 0", err)
	}
	fp := gossh.FingerprintSHA256(key.PublicKey())
	l := e.waitLog(t, "serve: session start", "serve: session end")
	for _, want := range []string{"user=ana", "key=" + fp, "remote=127.0.0.1:", "width=100", "height=30"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}

func TestTwoOperatorsShareOneEngine(t *testing.T) {
	ana, ben := testkit.SSHKey(t), testkit.SSHKey(t)
	e := startServer(t, false, ana, ben)
	ta := openTerm(t, mustDial(t, e, "ana", ana), 100, 30)
	tb := openTerm(t, mustDial(t, e, "ben", ben), 100, 30)
	resolveSeenByOther(t, ta, tb, e, e)
}

// resolveSeenByOther: Ana (ta, on ea) resolves the conversation open on
// her screen and Ben's screen (tb, on eb: the same server, or another on
// the same database) follows without a key press; eb's store agrees. Then
// both quit.
func resolveSeenByOther(t *testing.T, ta, tb *term, ea, eb *env) {
	t.Helper()
	ta.waitText("priority")
	tb.waitText("priority")
	before := storeInbox(t, ea)
	if before <= 0 {
		t.Fatalf("inbox count %d", before)
	}
	ta.waitInbox(before)
	tb.waitInbox(before)

	// Ana resolves the conversation open on her screen (the top one).
	ta.send("e")
	ta.waitText("Resolved")

	// Ben's screen follows: his model hears the engine's event and reloads
	// (from another process: NOTIFY, then the event).
	tb.waitInbox(before - 1)

	// And the store agrees.
	if n := storeInbox(t, eb); n != before-1 {
		t.Fatalf("store inbox count %d, want %d", n, before-1)
	}
	ta.send("q")
	tb.send("q")
	if err := ta.waitEnd(); err != nil {
		t.Fatal(err)
	}
	if err := tb.waitEnd(); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownKeyIsRefused(t *testing.T) {
	known, stranger := testkit.SSHKey(t), testkit.SSHKey(t)
	e := startServer(t, false, known)
	fp := gossh.FingerprintSHA256(stranger.PublicKey())

	c, err := dial(e, "mallory", stranger)
	if err == nil {
		c.Close()
		t.Fatal("a key not in authorized_keys got in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("dial error = %v, want an authentication failure", err)
	}
	l := e.waitLog(t, "serve: refused: key not in authorized keys")
	if !strings.Contains(l, "key="+fp) || !strings.Contains(l, "user=mallory") {
		t.Fatalf("refusal logged without user and key fingerprint:\n%s", l)
	}

	// No key at all (the "none" method) is refused too.
	if c, err := dial(e, "mallory", nil); err == nil {
		c.Close()
		t.Fatal("a client without a key got in")
	}

	// authorized_keys is read on every connection: adding the key lets it
	// in, removing it shuts it out again, with no restart.
	writeKeys(t, e.keys, known, stranger)
	c, err = dial(e, "mallory", stranger)
	if err != nil {
		t.Fatalf("key added to authorized_keys still refused: %v", err)
	}
	c.Close()
	writeKeys(t, e.keys, known)
	if c, err := dial(e, "mallory", stranger); err == nil {
		c.Close()
		t.Fatal("key removed from authorized_keys still gets in")
	}
}

func TestSessionWithoutTerminal(t *testing.T) {
	e := startServer(t, true)
	if !e.info.Insecure {
		t.Fatalf("info = %+v", e.info)
	}
	c := mustDial(t, e, "script", nil) // insecure mode on loopback: no key needed
	for _, tc := range []struct {
		name string
		run  func(*gossh.Session) error
	}{
		{"shell", func(s *gossh.Session) error { return s.Shell() }},
		{"command", func(s *gossh.Session) error { return s.Start("hark queue") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var stdout, stderr bytes.Buffer
			sess.Stdout, sess.Stderr = &stdout, &stderr
			if err := tc.run(sess); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- sess.Wait() }()
			select {
			case err = <-done:
			case <-time.After(wait):
				t.Fatal("session without a terminal was not closed")
			}
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Fatalf("session ended with %v, want exit status 1", err)
			}
			if !strings.Contains(stderr.String(), serve.NoPTYMessage) {
				t.Fatalf("stderr = %q, want the no-terminal message", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Fatalf("stdout = %q, want nothing (no TUI)", stdout.String())
			}
		})
	}
	e.waitLog(t, "serve: refused: no terminal", "user=script")

	// The same server gives a client with a terminal the TUI, without a key.
	tm := openTerm(t, c, 80, 24)
	tm.waitText("priority")
	tm.send("q")
	if err := tm.waitEnd(); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownEndsSessionsAndGoroutines(t *testing.T) {
	// Every goroutine the server, the engine and the session started ends
	// (checked when the test is over; a Cmd already sleeping in a tea.Tick,
	// the TUI's 5 s clock, ends when its timer fires, within NoLeaks' wait).
	testkit.NoLeaks(t)
	key := testkit.SSHKey(t)
	e := startServer(t, false, key)
	c, err := dial(e, "ana", key)
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerm(t, c, 100, 30)
	tm.waitText("priority")

	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	// Run has returned: the session is over, and told why.
	if err := tm.waitEnd(); err != nil {
		t.Fatalf("session ended with %v, want exit 0", err)
	}
	if !strings.Contains(tm.screen(), "hark serve is shutting down") {
		t.Fatalf("no shutdown notice; screen text:\n%s", tm.screen())
	}
	c.Close()
	if _, err := dial(e, "ana", key); err == nil {
		t.Fatal("server still accepts connections after Run returned")
	}
	e.waitLog(t, "serve: stopped")
}

func TestOptionsRefused(t *testing.T) {
	a, dir := openApp(t)
	keys := filepath.Join(dir, "authorized_keys")
	writeKeys(t, keys, testkit.SSHKey(t))
	open := filepath.Join(dir, "open_keys")
	writeKeys(t, open, testkit.SSHKey(t))
	if err := os.Chmod(open, 0o666); err != nil {
		t.Fatal(err)
	}
	looseHost := filepath.Join(dir, "loose_host_key")
	if err := os.WriteFile(looseHost, []byte("not even a key"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := filepath.Join(dir, "host_key")
	for _, tc := range []struct {
		name string
		o    serve.Options
		want string
	}{
		{"no auth chosen", serve.Options{Listen: "127.0.0.1:0"}, "needs --authorized-keys"},
		{"insecure on every interface", serve.Options{Listen: ":2222", InsecureNoAuth: true}, "loopback"},
		{"insecure on 0.0.0.0", serve.Options{Listen: "0.0.0.0:0", InsecureNoAuth: true}, "loopback"},
		{"insecure on a LAN address", serve.Options{Listen: "192.168.1.10:2222", InsecureNoAuth: true}, "loopback"},
		{"both auth modes", serve.Options{Listen: "127.0.0.1:0", InsecureNoAuth: true, AuthorizedKeys: keys}, "choose one"},
		{"bad listen address", serve.Options{Listen: "2222", AuthorizedKeys: keys}, "listen address"},
		{"missing authorized_keys", serve.Options{Listen: "127.0.0.1:0", AuthorizedKeys: filepath.Join(dir, "nope")}, "no such file"},
		{"authorized_keys writable by others", serve.Options{Listen: "127.0.0.1:0", AuthorizedKeys: open}, "writable by other users"},
		{"host key open to others", serve.Options{Listen: "127.0.0.1:0", AuthorizedKeys: keys, HostKeyPath: looseHost}, "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.HostKeyPath == "" {
				tc.o.HostKeyPath = host
			}
			tc.o.Started = func(serve.Info) { t.Error("server started") }
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			err := serve.Run(ctx, a, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	a, dir := openApp(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := serve.Options{Listen: ln.Addr().String(), InsecureNoAuth: true, HostKeyPath: filepath.Join(dir, "host_key")}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := serve.Run(ctx, a, o); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run = %v, want address already in use", err)
	}
}
