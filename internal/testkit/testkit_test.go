package testkit

import (
	"errors"
	"testing"
	"time"
)

func TestEventuallyReturnsOnceTrue(t *testing.T) {
	n := 0
	Eventually(t, time.Minute, "the third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
}

// fatalRecorder records Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic(f)
}

func TestEventuallyFailsAtTheDeadline(t *testing.T) {
	r := &fatalRecorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != any(r) {
				panic(p)
			}
		}()
		Eventually(r, 30*time.Millisecond, "never", func() bool { return false })
	}()
	if !r.failed {
		t.Fatal("a condition that never holds did not fail the test")
	}
}

func TestClockStandsStillUntilMoved(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: Now = %v, want %v", got, want)
	}
	c.Set(t0.Add(-time.Hour))
	if got, want := c.Now(), t0.Add(-time.Hour); !got.Equal(want) {
		t.Fatalf("after Set: Now = %v, want %v", got, want)
	}
}

// errRecorder records Errorf instead of failing the test.
type errRecorder struct {
	testing.TB
	cleanups []func()
	errs     int
}

func (e *errRecorder) Helper()               {}
func (e *errRecorder) Cleanup(f func())      { e.cleanups = append(e.cleanups, f) }
func (e *errRecorder) Errorf(string, ...any) { e.errs++ }
func (e *errRecorder) runCleanups() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

func TestNoLeaksFindsAGoroutineLeftRunning(t *testing.T) {
	stop := make(chan struct{})
	r := &errRecorder{TB: t}
	noLeaks(r, 500*time.Millisecond)
	go func() { <-stop }()
	r.runCleanups()
	close(stop)
	if r.errs == 0 {
		t.Fatal("a goroutine left running was not reported")
	}
}

func TestNoLeaksPassesWhenGoroutinesEnd(t *testing.T) {
	r := &errRecorder{TB: t}
	NoLeaks(r)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { <-stop; close(done) }()
	r.Cleanup(func() { close(stop) }) // a Close registered later ends the goroutine before the check
	r.runCleanups()
	<-done
	if r.errs != 0 {
		t.Fatal("a goroutine that ended was reported as leaked")
	}
}

func TestPollReportsTheDeadline(t *testing.T) {
	if Poll(30*time.Millisecond, func() bool { return false }) {
		t.Fatal("Poll of a condition that never holds returned true")
	}
	n := 0
	if !Poll(time.Minute, func() bool { n++; return n == 2 }) {
		t.Fatal("Poll of a condition that holds returned false")
	}
}

func TestPollEveryChecksAtItsInterval(t *testing.T) {
	n := 0
	if PollEvery(time.Minute, 30*time.Millisecond, func() bool { n++; return n == 3 }) != true || n != 3 {
		t.Fatalf("PollEvery: %d checks", n)
	}
}

func TestReturnedFailsOnAnErrorOrNoReturn(t *testing.T) {
	for _, tc := range []struct {
		name string
		sent []error // what the function sent on returning (none: it did not)
		fail bool
	}{
		{"returned", []error{nil}, false},
		{"returned an error", []error{errors.New("boom")}, true},
		{"did not return", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			for _, err := range tc.sent {
				done <- err
			}
			r := &fatalRecorder{TB: t}
			func() {
				defer func() {
					if p := recover(); p != nil && p != any(r) {
						panic(p)
					}
				}()
				Returned(r, done, 30*time.Millisecond, "Run")
			}()
			if r.failed != tc.fail {
				t.Fatalf("failed %v, want %v", r.failed, tc.fail)
			}
		})
	}
}
