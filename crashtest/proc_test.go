package crashtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/store/stores"
	"github.com/hark-tui/hark/store/storetest"
)

// What every harness here shares: running the hark binary, killing it,
// and checking the store it leaves.

// proc is one running hark.
type proc struct {
	cmd  *exec.Cmd
	out  *testkit.Buffer // stdout and stderr
	done chan error
	args []string
}

// startHark starts the hark binary with --config cfg and args, in dir with
// env; done gets its exit.
func startHark(t *testing.T, dir string, env []string, cfg string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(harkBin, append([]string{"--config", cfg}, args...)...)
	cmd.Env = env
	cmd.Dir = dir
	out := &testkit.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting hark %v: %v", args, err)
	}
	p := &proc{cmd: cmd, out: out, done: make(chan error, 1), args: args}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// childEnv is the test's environment for hark: without HARK_*, XDG_* and
// the drop prefixes, with the XDG folders inside dir.
func childEnv(dir string, drop ...string) []string {
	var env []string
next:
	for _, kv := range os.Environ() {
		for _, p := range append([]string{"HARK_", "XDG_"}, drop...) {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg-config"), "XDG_STATE_HOME="+filepath.Join(dir, "xdg-state"))
}

// harkRun is what both crash harnesses keep of the hark they run: its
// folder, config, store, log and environment, the random source of the
// kill moments, and the kills delivered.
type harkRun struct {
	t     *testing.T
	dir   string
	cfg   string
	db    string // a bbolt file, or a PostgreSQL URL (see usePG)
	log   string
	env   []string
	rng   *rand.Rand
	kills int // SIGKILLs delivered
}

// newHarkRun lays out a hark in a fresh folder; the end of its log is
// shown if the test fails.
func newHarkRun(t *testing.T, seed uint64) harkRun {
	t.Helper()
	dir := t.TempDir()
	r := harkRun{
		t: t, dir: dir,
		cfg: filepath.Join(dir, "config.yaml"),
		db:  filepath.Join(dir, "hark.db"),
		log: filepath.Join(dir, "hark.log"),
		rng: rand.New(rand.NewPCG(seed, seed+1)),
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hark log, last lines:\n%s", r.logTail())
		}
	})
	return r
}

// writeConfig writes the configuration every crash harness shares: the
// profile, the store, the log and canned folder, no demo, the agent Crash
// Test and the always-open brand Acme Coffee, then rest (the outbox and
// accounts sections).
func (h *harkRun) writeConfig(profile, rest string) {
	h.t.Helper()
	cfg := fmt.Sprintf(`profile: %s
store: %q
log_file: %q
canned_dir: %q
demo: false
agent:
  name: Crash Test
brands:
  - name: Acme Coffee
    hours:
      always_open: true
`, profile, h.db, h.log, filepath.Join(h.dir, "canned")) + rest
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harkRun) start(args ...string) *proc {
	h.t.Helper()
	return startHark(h.t, h.dir, h.env, h.cfg, args...)
}

// pollOnce runs `hark poll --once` and expects it to succeed.
func (h *harkRun) pollOnce() {
	h.t.Helper()
	pollOnce(h.t, h.start("poll", "--once"), h.log)
}

// ms picks a duration in [lo, hi] milliseconds.
func (h *harkRun) ms(lo, hi int) time.Duration {
	return time.Duration(lo+h.rng.IntN(hi-lo+1)) * time.Millisecond
}

// undelivered lists the outbox entries still to deliver (queued or
// sending, or scheduled and due within half a minute), read from the
// store when the test is at when.
func (h *harkRun) undelivered(when string) []store.OutboxEntry {
	h.t.Helper()
	st := h.openStore(when)
	defer st.Close()
	// scheduled ones already due count too: a poll killed before it
	// released a due entry leaves it scheduled for the next run to send
	soon := time.Now().Add(30 * time.Second)
	entries, err := st.Outbox(context.Background(), func(e store.OutboxEntry) bool {
		return e.State == store.OutQueued || e.State == store.OutSending ||
			(e.State == store.OutScheduled && e.SendAt.Before(soon))
	})
	if err != nil {
		h.t.Fatalf("reading the outbox: %v", err)
	}
	return entries
}

// kill SIGKILLs p after d — or, if aim is not nil, 0–15 ms after aim
// fires, whichever comes first — unless p exits on its own before; busy
// runs just before the signal (to note what the fake was handling). It
// reports whether p exited by itself, and its error, and whether the kill
// was aimed; a kill delivered is counted.
func (h *harkRun) kill(p *proc, d time.Duration, aim chan struct{}, busy func()) (exited, aimed bool, err error) {
	h.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-p.done:
		return true, false, err
	case <-timer.C:
	case <-aim:
		// the kill moment: a random 0–15 ms after the create, unless p
		// exits by itself first
		moment := time.NewTimer(time.Duration(h.rng.IntN(16)) * time.Millisecond)
		defer moment.Stop()
		select {
		case err := <-p.done:
			return true, false, err
		case <-moment.C:
		}
		aimed = true
	}
	busy()
	if exited, err := sigkill(h.t, p); exited {
		return true, aimed, err
	}
	h.kills++
	return false, aimed, nil
}

func (h *harkRun) logTail() string { return tail(h.log, 40) }

// openStore opens hark's store (a bbolt file read-only) and runs its
// checks.
func (h *harkRun) openStore(when string) store.Store {
	h.t.Helper()
	var st store.Store
	var err error
	if pg.IsURL(h.db) {
		st, err = stores.Open(context.Background(), h.db, stores.Options{})
	} else {
		st, err = store.Open(h.db, store.Options{ReadOnly: true})
	}
	if err != nil {
		h.t.Fatalf("%s: opening the store: %v", when, err)
	}
	storetest.Healthy(h.t, st, when)
	return st
}

// sigkill SIGKILLs p and waits for it. exited says it finished on its own
// just before the signal (err is then its exit).
func sigkill(t *testing.T, p *proc) (exited bool, err error) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("killing hark: %v", err)
	}
	err = <-p.done
	var ee *exec.ExitError
	if err == nil || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		return true, err
	}
	return false, nil
}

// pollOnce waits for `hark poll --once` (p) to succeed within 60 s.
func pollOnce(t *testing.T, p *proc, log string) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("hark poll --once: %v\n%s\nlog:\n%s", err, p.out, tail(log, 40))
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("hark poll --once did not finish within 60 s")
	}
}

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// crashSeed is HARK_CRASH_SEED or the clock.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	if v := os.Getenv("HARK_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("HARK_CRASH_SEED=%q: %v", v, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// sigterm stops p with SIGTERM and expects a clean exit within d.
func sigterm(t *testing.T, p *proc, name string, d time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping hark %s: %v", name, err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("hark %s after SIGTERM: %v\n%s", name, err, p.out)
		}
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("hark %s did not stop within %s of SIGTERM", name, d)
	}
}

// storedPosts reads every stored post by key: straight from the bbolt
// bucket (each under its own key), or through the store on PostgreSQL.
func storedPosts(t *testing.T, db string, st store.Store, when string) map[string]store.StoredPost {
	t.Helper()
	stored := map[string]store.StoredPost{}
	var err error
	if pg.IsURL(db) {
		err = st.ForEachPost(context.Background(), func(sp store.StoredPost) bool { stored[sp.Key()] = sp; return true })
	} else {
		err = rawView(db, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("posts"))
			if b == nil {
				return errors.New("no posts bucket")
			}
			return b.ForEach(func(k, v []byte) error {
				sp, err := store.DecodePost(v)
				if err != nil {
					return fmt.Errorf("post %q: %w", k, err)
				}
				if string(k) != sp.Key() {
					return fmt.Errorf("post stored under %q has key %q", k, sp.Key())
				}
				stored[string(k)] = sp
				return nil
			})
		})
	}
	if err != nil {
		t.Fatalf("%s: reading posts: %v", when, err)
	}
	return stored
}

// convIDs lists the ids of the conversations keep accepts.
func convIDs(t *testing.T, st store.Store, keep func(social.Conversation) bool) []string {
	t.Helper()
	var ids []string
	err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		if keep(c) {
			ids = append(ids, c.ID)
		}
		return true
	})
	if err != nil {
		t.Fatalf("listing conversations: %v", err)
	}
	return ids
}

// storedLine is the engine's log line for a stored batch.
var storedLine = regexp.MustCompile(`msg=stored feed=\S+ new=(\d+)`)

// loggedStored sums the new posts of the "stored" lines of a hark log.
func loggedStored(log string) int {
	b, _ := os.ReadFile(log)
	n := 0
	for _, m := range storedLine.FindAllSubmatch(b, -1) {
		k, _ := strconv.Atoi(string(m[1]))
		n += k
	}
	return n
}
