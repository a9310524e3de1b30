package crashtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
)

// readEnv is a clean XDG home (and TMPDIR, where the demo's throw-away
// store goes) for the binary.
func readEnv(t *testing.T) (env []string, state, tmp string) {
	dir := t.TempDir()
	state = filepath.Join(dir, "s")
	tmp = filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "c"), "XDG_STATE_HOME="+state, "TMPDIR="+tmp)
	return env, state, tmp
}

// runHark runs the binary to its end.
func runHark(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runHarkIn(t, "", env, args...)
}

// runHarkIn runs the binary to its end in folder dir ("": this one).
func runHarkIn(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(harkBin, args...)
	cmd.Env, cmd.Dir = env, dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("hark %v did not exit", args)
	}
	return out.String(), errb.String(), err
}

// startHolder starts a long-running hark that holds the store and waits
// until it says it runs.
func startHolder(t *testing.T, env []string, ready string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(harkBin, args...)
	cmd.Env = env
	out := &testkit.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if !testkit.Poll(15*time.Second, func() bool { return strings.Contains(out.String(), ready) }) {
		t.Fatalf("hark %v did not start: %s", args, out.String())
	}
	return cmd
}

// holder is a long-running hark that holds its store and answers other
// harks over its socket.
type holder struct {
	name  string
	args  []string // PORT: a free port
	ready string   // what it prints once it runs
}

var holders = []holder{
	{"poll", []string{"poll"}, "polling"},
	{"serve", []string{"serve", "--insecure-no-auth", "--listen", "PORT"}, "listening"},
}

// holdDemo starts h on a fresh demo store in a clean home: the home's
// environment and state folder, the store, the process.
func holdDemo(t *testing.T, h holder) (env []string, state, db string, cmd *exec.Cmd) {
	env, state, _ = readEnv(t)
	db = filepath.Join(t.TempDir(), "held.db")
	args := []string{"--demo", "--db", db}
	for _, a := range h.args {
		if a == "PORT" {
			a = freePort(t)
		}
		args = append(args, a)
	}
	return env, state, db, startHolder(t, env, h.ready, args...)
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestReadsWhileHarkRuns (issue 15): doctor, queue, stats, export and statuses work
// while `hark poll` or `hark serve` holds the bbolt store: a second
// process asks the first over its unix socket (0600 in a 0700 folder under
// the state dir). A socket left by a killed hark is ignored and replaced.
func TestReadsWhileHarkRuns(t *testing.T) {
	needBinary(t)
	for _, h := range holders {
		t.Run(h.name, func(t *testing.T) {
			env, state, db, first := holdDemo(t, h)

			// the socket: the user's only
			socks, _ := filepath.Glob(filepath.Join(state, "hark", "run", "*.sock"))
			if len(socks) != 1 {
				t.Fatalf("sockets %v, want one", socks)
			}
			fi, err := os.Lstat(socks[0])
			if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
				t.Fatalf("socket %s: %v %v, want a socket with mode 0600", socks[0], fi.Mode(), err)
			}
			if di, err := os.Stat(filepath.Dir(socks[0])); err != nil || di.Mode().Perm() != 0o700 {
				t.Fatalf("socket folder: %v %v, want 0700", di.Mode(), err)
			}

			// the demo's first poll lands soon after the start
			var out string
			if !testkit.PollEvery(15*time.Second, 50*time.Millisecond, func() bool { // each check runs hark
				out, _, err = runHark(t, env, "--demo", "--db", db, "queue", "--view", "all", "-n", "50")
				return err == nil && strings.Count(out, "\n") >= 10
			}) {
				t.Fatalf("queue while hark runs: %v\n%s", err, out)
			}
			if !strings.Contains(out, "Skylark Air") || !strings.Contains(out, "@jonas.bsky.social") {
				t.Errorf("queue:\n%s", out)
			}
			out, stderr, err := runHark(t, env, "--demo", "--db", db, "stats", "--json")
			var rep struct {
				Total struct{ Volume int } `json:"total"`
			}
			if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Total.Volume < 10 {
				t.Errorf("stats --json: %v %s\n%s", err, stderr, out)
			}
			out, stderr, err = runHark(t, env, "--demo", "--db", db, "export", "--csv")
			if err != nil || !strings.HasPrefix(out, "id,brand,network") || strings.Count(out, "\n") < 11 {
				t.Errorf("export --csv: %v %s\n%s", err, stderr, out)
			}
			out, stderr, err = runHark(t, env, "--demo", "--db", db, "doctor")
			if err != nil || !strings.Contains(out, "all feeds OK") || !strings.Contains(out, "last ok") {
				t.Errorf("doctor: %v %s\n%s", err, stderr, out)
			}
			// the status posts' list is a read too (it said the store was
			// in use)
			out, stderr, err = runHark(t, env, "--demo", "--db", db, "statuses", "-n", "5")
			if err != nil || stderr != "" || out == "" {
				t.Errorf("statuses: %v %s\n%s", err, stderr, out)
			}
			// a flag the running hark refuses comes back as the error
			if _, stderr, err := runHark(t, env, "--demo", "--db", db, "stats", "--by", "nobody"); err == nil || !strings.Contains(stderr, "use brand or operator") {
				t.Errorf("stats --by nobody: %v %s", err, stderr)
			}

			// killed: the socket stays behind, and is ignored
			first.Process.Signal(syscall.SIGKILL)
			first.Wait()
			if _, err := os.Lstat(socks[0]); err != nil {
				t.Fatalf("after SIGKILL: %v", err) // nothing cleans up after a kill
			}
			out, stderr, err = runHark(t, env, "--demo", "--db", db, "queue")
			if err != nil || !strings.Contains(out, "Skylark Air") {
				t.Fatalf("queue after the holder died: %v %s\n%s", err, stderr, out)
			}
			// the next hark replaces it
			startHolder(t, env, "polling", "--demo", "--db", db, "poll")
			if out, _, err := runHark(t, env, "--demo", "--db", db, "queue"); err != nil || !strings.Contains(out, "Skylark Air") {
				t.Fatalf("queue with a new holder: %v\n%s", err, out)
			}
		})
	}
}

// TestWritesWhileHarkRuns: hark reply and hark post work while hark holds
// the bbolt store (a script beside the TUI; they said the store was in
// use): the running hark queues them in its outbox and delivers them, and
// the command prints what came of it. The image a command attaches is
// found from the command's folder, not the running hark's. A write the
// running hark refuses fails the command. hark outbox lists and discards
// through it too, a script resolves and snoozes through it, and cron's
// hark poll --once asks it to poll now.
func TestWritesWhileHarkRuns(t *testing.T) {
	needBinary(t)
	for _, h := range holders {
		t.Run(h.name, func(t *testing.T) {
			env, _, db, _ := holdDemo(t, h)
			hark := func(args ...string) (string, string, error) {
				return runHark(t, env, append([]string{"--demo", "--db", db}, args...)...)
			}
			if !testkit.PollEvery(15*time.Second, 50*time.Millisecond, func() bool { // each check runs hark
				out, _, err := hark("queue", "--view", "all", "-n", "50")
				return err == nil && strings.Contains(out, "@d.whitfield")
			}) {
				t.Fatal("the demo's first poll never showed in hark queue")
			}

			// the command's own folder holds the image
			dir := t.TempDir()
			var png bytes.Buffer
			if err := pngEncode(&png); err != nil {
				t.Fatal(err)
			}
			testkit.WriteFile(t, dir, "gate.png", png.String())
			out, stderr, err := runHarkIn(t, dir, env, "--demo", "--db", db, "reply", "9", "So sorry Dana, rebooking you now",
				"--image", "gate.png", "--alt", "the gate's board")
			// the demo numbers what it is sent in one sequence: the first
			// reply is demo-reply-1, and the status post below is
			// demo-status-2 only if that reply went out once
			if err != nil || !strings.Contains(out, "sent: demo-reply-1 ") {
				t.Fatalf("reply while hark runs: %v %s\n%s", err, stderr, out)
			}
			if out, _, _ := hark("queue", "--view", "pending"); !strings.Contains(out, "@d.whitfield") {
				t.Errorf("the answered conversation is not pending:\n%s", out)
			}
			out, stderr, err = hark("post", "--brand", "Skylark Air", "Delays at ORD: we are rebooking everyone")
			if err != nil || !strings.Contains(out, "sent on demo/skylark: https://demo.hark.invalid/@skylarkair/demo-status-2") {
				t.Fatalf("post while hark runs: %v %s\n%s", err, stderr, out)
			}
			if _, stderr, err := hark("reply", "424242", "hello"); err == nil || !strings.Contains(stderr, "424242") {
				t.Errorf("a reply to no conversation: %v %q", err, stderr)
			}
			// a conversation resolved and snoozed by a script
			if out, stderr, err := hark("resolve", "11"); err != nil || !strings.HasSuffix(out, ": resolved\n") {
				t.Errorf("resolve while hark runs: %v %s\n%s", err, stderr, out)
			}
			if out, stderr, err := hark("snooze", "11", "3d", "--note", "courier"); err != nil || !strings.Contains(out, ": snoozed until ") {
				t.Errorf("snooze while hark runs: %v %s\n%s", err, stderr, out)
			}
			// cron's hark poll --once: the running hark polls already, and
			// is asked to poll now
			if out, stderr, err := hark("poll", "--once"); err != nil || !strings.Contains(out, "asked it to poll now") || !strings.Contains(out, ": ok (last polled ") {
				t.Errorf("poll --once while hark runs: %v %s\n%s", err, stderr, out)
			}
			// the outbox: listed, and an entry discarded, through the
			// running hark (a subcommand travels as its path)
			out, stderr, err = hark("reply", "--at", "3d", "1", "Any news, Jonas?")
			seq, _, _ := strings.Cut(strings.TrimPrefix(out, "scheduled (outbox "), ")")
			if err != nil || !strings.HasPrefix(out, "scheduled (outbox ") {
				t.Fatalf("a scheduled reply: %v %s\n%s", err, stderr, out)
			}
			if out, stderr, err = hark("outbox", "--sent", "5"); err != nil || !strings.Contains(out, seq+"  for ") || !strings.Contains(out, "1  sent ") {
				t.Fatalf("outbox: %v %s\n%s", err, stderr, out)
			}
			if out, stderr, err = hark("outbox", "discard", seq); err != nil || out != "discarded (outbox "+seq+"): it is never sent\n" {
				t.Fatalf("outbox discard %s: %v %s\n%s", seq, err, stderr, out)
			}
			if out, _, _ = hark("outbox"); !strings.HasPrefix(out, "(nothing waits") {
				t.Errorf("outbox after the discard:\n%s", out)
			}
		})
	}
}

// pngEncode writes a small PNG.
func pngEncode(w *bytes.Buffer) error {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	return png.Encode(w, img)
}

// rssOnlyConfig is a real config whose one feed is never polled here.
const rssOnlyConfig = "brands:\n  - name: Acme\nfeeds:\n  - name: acme\n    url: http://127.0.0.1:1/feed\n"

// TestDemoNeverTouchesTheRealStore (issue 15): `hark` with no config,
// `hark --demo` and `hark poll --once` on the demo keep their customers in
// a throw-away store: the default store is never created, nothing is left
// behind, and a config written afterwards starts with nothing.
func TestDemoNeverTouchesTheRealStore(t *testing.T) {
	needBinary(t)
	env, state, tmp := readEnv(t)
	defaultDB := filepath.Join(state, "hark", "default.db")
	for _, args := range [][]string{{"poll", "--once"}, {"--demo", "poll", "--once"}} {
		out, stderr, err := runHark(t, env, args...)
		if err != nil || !strings.Contains(out, "new") {
			t.Fatalf("%v: %v %s\n%s", args, err, stderr, out)
		}
		if _, err := os.Stat(defaultDB); err == nil {
			t.Fatalf("%v wrote the demo into the default store %s", args, defaultDB)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("%v left %d files in TMPDIR (%s)", args, len(left), left[0].Name())
		}
	}
	// the demo running, as `hark` with no config: its reads come from it,
	// not from a store on disk
	startHolder(t, env, "polling", "--demo", "poll")
	if out, _, err := runHark(t, env, "queue"); err != nil || !strings.Contains(out, "Skylark Air") {
		t.Fatalf("queue with the demo running: %v\n%s", err, out)
	}
	if _, err := os.Stat(defaultDB); err == nil {
		t.Fatal("the running demo wrote into the default store")
	}
	// a real config (an RSS feed that is never polled here): nothing yet,
	// and the running demo's customers are not in it
	cfg := testkit.WriteFile(t, t.TempDir(), "config.yaml", rssOnlyConfig)
	out, stderr, err := runHark(t, env, "--config", cfg, "queue")
	if err != nil || strings.Contains(out, "Skylark") || !strings.Contains(stderr, "nothing yet") {
		t.Fatalf("a real config's queue while the demo runs: %v\n%s\n%s", err, out, stderr)
	}
}

// TestFirstCommandOnAFreshMachine (issue 15): queue, stats and export
// before hark ever stored anything say so and how to start, instead of a
// Go error about a missing file, and create nothing.
func TestFirstCommandOnAFreshMachine(t *testing.T) {
	needBinary(t)
	env, state, _ := readEnv(t)
	cfg := testkit.WriteFile(t, t.TempDir(), "config.yaml", rssOnlyConfig)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"queue"}, []string{"nothing yet", "no config", "hark init", "demo"}},
		{[]string{"stats"}, []string{"nothing yet", "hark init"}},
		{[]string{"export"}, []string{"nothing yet", "hark init"}},
		{[]string{"--config", cfg, "queue"}, []string{"nothing yet", "hark poll --once"}},
		{[]string{"--config", cfg, "stats"}, []string{"nothing yet", "hark poll --once"}},
		{[]string{"--config", cfg, "export", "--csv"}, []string{"nothing yet", "hark poll --once"}},
		{[]string{"--demo", "queue"}, []string{"the demo keeps no store"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, stderr, err := runHark(t, env, c.args...)
			if err != nil {
				t.Fatalf("exit: %v\n%s", err, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "no such file") || strings.Contains(stderr, "stat ") {
				t.Errorf("a raw Go error:\n%s", stderr)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if dbs, _ := filepath.Glob(filepath.Join(state, "hark", "*.db")); len(dbs) != 0 {
				t.Errorf("created %v", dbs)
			}
		})
	}
}

// A reader that goes away (hark … | head) ends hark as ctrl+c does: it
// exits with the status a shell gives a command ended by SIGPIPE (141),
// having released its store and removed the demo's throw-away store,
// which SIGPIPE's default action left behind in TMPDIR.
func TestReaderGoneEndsHarkCleanly(t *testing.T) {
	needBinary(t)
	for _, args := range [][]string{{"--demo", "poll"}, {"doctor"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			env, _, tmp := readEnv(t)
			cmd := exec.Command(harkBin, args...)
			cmd.Env = env
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout = w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			// read the first line, then go away as head does
			buf := make([]byte, 1)
			for buf[0] != '\n' {
				if _, err := r.Read(buf); err != nil {
					t.Fatalf("hark printed no line: %v", err)
				}
			}
			// caught, not ignored: what hark runs (a secret's cmd:) must
			// not inherit an ignored SIGPIPE
			if ign, _ := signalMasks(t, cmd.Process.Pid); ign&(1<<(syscall.SIGPIPE-1)) != 0 {
				t.Errorf("hark ignores SIGPIPE (SigIgn %x): the commands it runs would too", ign)
			}
			r.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			err = testkit.Await(t, done, 30*time.Second, "hark to end once its reader went away", func(error) bool { return true })
			// (doctor may have written all it had into the pipe before
			// its reader went: then it ends as usual)
			var ex *exec.ExitError
			if (err != nil || args[0] != "doctor") && (!errors.As(err, &ex) || ex.ExitCode() != 141) {
				t.Fatalf("hark ended with %v, want exit status 141", err)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Fatalf("left in TMPDIR: %v", left)
			}
		})
	}
}

// doctor reports an account that did not start in its own list, once:
// not also as a warning on stderr, as the commands that poll give it.
func TestDoctorSaysNotStartedOnce(t *testing.T) {
	needBinary(t)
	env, state, _ := readEnv(t)
	path := filepath.Join(state, "config.yaml")
	yaml := "store: " + filepath.Join(state, "hark.db") + "\nbrands:\n  - name: Acme\n" +
		"accounts:\n  - name: acme\n    network: mastodon\n    brand: Acme\n    server: http://127.0.0.1:9\n" +
		"    token: env:HARK_TEST_UNSET_TOKEN\n"
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, _ := runHark(t, env, "--config", path, "doctor")
	if n := strings.Count(out, "HARK_TEST_UNSET_TOKEN is not set"); n != 1 {
		t.Errorf("doctor names the unset secret %d times:\n%s", n, out)
	}
	if strings.Contains(stderr, "not started") {
		t.Errorf("doctor warned on stderr too: %s", stderr)
	}
	_, stderr, _ = runHark(t, env, "--config", path, "poll", "--once")
	if !strings.Contains(stderr, "warning: not started") {
		t.Errorf("poll --once does not warn: %q", stderr)
	}
}
