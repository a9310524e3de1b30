package crashtest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/store"
)

// childrenGetDefaultSignals: a test run started with SIGINT or SIGHUP
// ignored (make test as a background job of a script, or under nohup)
// would hand the ignore to every hark it starts, and hark keeps an
// inherited ignore (main's quitSignals): the signal tests would send
// signals hark is right to ignore. Caught here, they reach the children
// as the default (exec resets a caught signal), as from a terminal.
func childrenGetDefaultSignals() {
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGHUP} {
		if signal.Ignored(s) {
			signal.Notify(make(chan os.Signal, 1), s)
		}
	}
}

// TestSignalsQuitTheTUI starts the real hark TUI on a pseudo-terminal
// again and again and sends it SIGTERM, SIGINT or SIGHUP at a random moment: while
// it opens the store, while it draws its first screen, or while it runs.
// Every run must end on its own within the deadline (a run still alive then
// is a survivor: hung), leave the terminal as it found it (canonical mode
// and echo back on) and leave the store free for the next hark. Two signal
// handlers used to race, and about one run in three hung (issue 16).
func TestSignalsQuitTheTUI(t *testing.T) {
	needBinary(t)
	rounds := envInt(t, "HARK_SIGNAL_ROUNDS", 50)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (the timing of the signals stays real)", seed)
	rng := rand.New(rand.NewPCG(seed, 16))
	type plan struct {
		sig       syscall.Signal
		afterDraw bool          // wait for the first screen before the delay
		delay     time.Duration // then wait this long
	}
	plans := make([]plan, rounds)
	for i := range plans {
		plans[i] = plan{sig: []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}[rng.IntN(3)],
			afterDraw: rng.IntN(3) > 0, delay: time.Duration(rng.IntN(700)) * time.Millisecond}
	}

	var (
		mu        sync.Mutex
		survivors int
		failures  []string
		next      int
	)
	workers := 3
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(plans) {
					return
				}
				p := plans[i]
				hung, problem := signalRound(t, i, p.sig, p.afterDraw, p.delay)
				mu.Lock()
				if hung {
					survivors++
				}
				if problem != "" {
					failures = append(failures, fmt.Sprintf("run %d (%v, after draw %v, +%v): %s", i, p.sig, p.afterDraw, p.delay, problem))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d signals sent, %d survivors", rounds, survivors)
	for _, f := range failures {
		t.Error(f)
	}
	if survivors != 0 {
		t.Errorf("%d of %d runs did not quit on a signal", survivors, rounds)
	}
}

// signalRound runs hark once and signals it; hung says it did not exit in
// time, problem says what else went wrong ("" = nothing).
func signalRound(t *testing.T, i int, sig syscall.Signal, afterDraw bool, delay time.Duration) (hung bool, problem string) {
	dir, err := os.MkdirTemp("", "hark-signal-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "hark.db")
	ptmx, tty, err := pty.Open()
	if err != nil {
		return false, "opening a pty: " + err.Error()
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		return false, err.Error()
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		return false, "reading the terminal mode: " + err.Error()
	}
	cmd := exec.Command(harkBin, "--demo", "--db", db)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_CONFIG_HOME="+filepath.Join(dir, "c"),
		"XDG_STATE_HOME="+filepath.Join(dir, "s"), "GOTRACEBACK=all")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	out := &testkit.Buffer{}
	if err := cmd.Start(); err != nil {
		return false, err.Error()
	}
	go io.Copy(out, ptmx) // ends when ptmx is closed
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	if afterDraw {
		if !testkit.Poll(20*time.Second, func() bool { return strings.Contains(out.String(), "inbox") }) {
			cmd.Process.Kill()
			<-done
			return false, "no first screen within 20 s"
		}
	}
	// the signal at its random moment, unless hark ends by itself first
	moment := time.NewTimer(delay)
	select {
	case err := <-done:
		done <- err // nothing to signal: the checks below read how it ended
	case <-moment.C:
		_ = cmd.Process.Signal(sig)
	}
	moment.Stop()

	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(20 * time.Second):
		// a survivor: take its goroutines for the report, then end it
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		// the Go runtime's dump starts at "SIGQUIT": from there, the
		// main goroutine first (what it waits for is the point)
		dump := out.String()
		if k := strings.Index(dump, "SIGQUIT"); k >= 0 {
			dump = dump[k:]
		}
		if len(dump) > 16000 {
			dump = dump[:16000] + "\n…"
		}
		t.Logf("run %d hung on %v (after draw %v, +%v); its goroutines:\n%s", i, sig, afterDraw, delay, dump)
		return true, ""
	}
	if waitErr != nil {
		// only a signal that came before hark installed its handler (the
		// first moments of the process) may end it the default way
		ee, ok := waitErr.(*exec.ExitError)
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || afterDraw || !ws.Signaled() || ws.Signal() != sig || ee == nil {
			return false, fmt.Sprintf("exit: %v; output tail %q", waitErr, lastBytes(out.String(), 300))
		}
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		return false, "reading the terminal mode: " + err.Error()
	}
	const modes = unix.ICANON | unix.ECHO | unix.ISIG
	if after.Lflag&modes != before.Lflag&modes || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		return false, fmt.Sprintf("terminal not restored: lflag %#x (was %#x), iflag %#x (was %#x)", after.Lflag, before.Lflag, after.Iflag, before.Iflag)
	}
	if _, err := os.Stat(db); err == nil {
		st, err := store.Open(db, store.Options{Timeout: 500 * time.Millisecond})
		if err != nil {
			return false, "store not released: " + err.Error()
		}
		st.Close()
	}
	return false, ""
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestHangupQuitsTheTUI: the terminal hark runs in goes away (the window is
// closed, tmux kills the pane) and no SIGHUP reaches hark, because it is
// not the session's leader and the one that is does not pass the signal
// on (make, as in `make run`). Bubble Tea takes the hung-up terminal's end
// of input for the end of its input and runs on; hark used to run on with
// it, polling and holding the store, until killed. It quits, and the
// store is free.
func TestHangupQuitsTheTUI(t *testing.T) {
	needBinary(t)
	t.Parallel() // mostly waits (the first screen, the hang-up): beside TestCrashTeam
	dir := t.TempDir()
	db := filepath.Join(dir, "hark.db")
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(harkBin, "--demo", "--db", db)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_CONFIG_HOME="+filepath.Join(dir, "c"),
		"XDG_STATE_HOME="+filepath.Join(dir, "s"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty // (not its controlling terminal: no SIGHUP)
	out := &testkit.Buffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(out, ptmx)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !testkit.Poll(20*time.Second, func() bool { return strings.Contains(out.String(), "inbox") }) {
		cmd.Process.Kill()
		t.Fatalf("no first screen: %q", lastBytes(out.String(), 300))
	}
	ptmx.Close() // the terminal goes away
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hark ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("hark ran on after its terminal hung up")
	}
	st, err := store.Open(db, store.Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("store not released: %v", err)
	}
	st.Close()
}

// TestIgnoredSignalsStayIgnored: hark started with SIGHUP and SIGINT
// ignored (`nohup hark engine &`, a script's background job) leaves them
// ignored, as whoever started it asked: a nohup'd engine must outlive the
// logout. Go's signal.Notify would catch them anyway, and hark did. Started
// from a terminal, it catches them and quits through its context. Read
// from the kernel's masks once hark is running, and SIGTERM still ends it.
func TestIgnoredSignalsStayIgnored(t *testing.T) {
	needBinary(t)
	for _, tc := range []struct {
		name, trap string
		ignored    bool
	}{
		{"started ignoring them", `trap "" HUP INT; `, true},
		{"started from a terminal", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command("/bin/sh", "-c", tc.trap+`exec "$0" --demo --db "$1" engine`, harkBin, filepath.Join(dir, "hark.db"))
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "c"), "XDG_STATE_HOME="+filepath.Join(dir, "s"))
			out := &testkit.Buffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// main installs its handlers before the engine says anything
			if !testkit.Poll(30*time.Second, func() bool { return strings.Contains(out.String(), "polling every feed") }) {
				cmd.Process.Kill()
				<-done
				t.Fatalf("hark engine did not start:\n%s", out)
			}
			ign, cgt := signalMasks(t, cmd.Process.Pid)
			for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT} {
				bit := uint64(1) << (sig - 1)
				if got := ign&bit != 0; got != tc.ignored {
					t.Errorf("%v ignored: %v, want %v (SigIgn %x)", sig, got, tc.ignored, ign)
				}
				if got := cgt&bit != 0; got == tc.ignored {
					t.Errorf("%v caught: %v, want %v (SigCgt %x)", sig, got, !tc.ignored, cgt)
				}
			}
			if cgt&(1<<(syscall.SIGTERM-1)) == 0 {
				t.Errorf("SIGTERM is not caught (SigCgt %x)", cgt)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			if err := testkit.Await(t, done, 30*time.Second, "hark engine to stop on SIGTERM", func(error) bool { return true }); err != nil {
				t.Fatalf("hark engine ended with %v:\n%s", err, out)
			}
		})
	}
}

// signalMasks are a process's ignored and caught signals, from /proc.
func signalMasks(t *testing.T, pid int) (ignored, caught uint64) {
	t.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, l := range strings.Split(string(st), "\n") {
		fmt.Sscanf(l, "SigIgn:\t%x", &ignored)
		fmt.Sscanf(l, "SigCgt:\t%x", &caught)
	}
	return ignored, caught
}
