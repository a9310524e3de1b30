package tui

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hark-tui/hark/internal/testkit"
)

// A terminal that hangs up (its window closed, its SSH connection gone:
// the pty's other end closes) is noticed, and only then.
func TestWatchHangup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no ptys")
	}
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer tty.Close()
	gone := make(chan struct{})
	stop := watchHangup(tty, 5*time.Millisecond, func() { close(gone) })
	defer stop()
	// a terminal that answers is left alone (a few checks' worth)
	if testkit.Poll(50*time.Millisecond, func() bool {
		select {
		case <-gone:
			return true
		default:
			return false
		}
	}) {
		t.Fatal("a live terminal was taken for hung up")
	}
	master.Close()
	testkit.Await(t, gone, 10*time.Second, "the hang-up to be noticed", func(struct{}) bool { return true })

	// stop ends the watch of a terminal that never hangs up
	m2, tty2, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	defer tty2.Close()
	watchHangup(tty2, time.Millisecond, func() { t.Error("gone called for a live terminal") })()

	// a file that was never a terminal that answers is not watched
	f, err := os.CreateTemp(t.TempDir(), "not-a-tty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	called := make(chan struct{}, 1)
	stop = watchHangup(f, time.Millisecond, func() { called <- struct{}{} })
	if testkit.Poll(30*time.Millisecond, func() bool { return len(called) > 0 }) {
		t.Fatal("gone called for a file that never answered")
	}
	stop()
}
