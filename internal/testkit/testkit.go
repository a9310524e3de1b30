// Package testkit holds what tests share to wait without sleeping blind,
// to control time and to make inputs: Eventually polls a condition until a
// deadline, Returned waits for a function to return once its context
// ended, Await for a value from a channel, Buffer collects output a test
// reads while it is written, Clock is a settable clock to inject where
// code takes a Now func, SSHKey makes a login key, PNG an image file,
// WriteFile a file, Table checks a function over a table of cases,
// CheckErr a case's error, and NoLeaks fails a test that leaves goroutines
// running. It imports nothing of hark's and is imported only by tests.
package testkit

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Returned waits for what a function that ends when its context does sent
// on done as it returned, and fails the test when that is an error or when
// nothing came within timeout (a deadline, not a speed assertion).
func Returned(t testing.TB, done <-chan error, timeout time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(timeout):
		t.Fatalf("%s did not return after its context ended", what)
	}
}

// Eventually polls cond every 10 ms until it holds, and fails the test
// naming what it waited for if it still does not hold after timeout (a
// deadline, not a speed assertion: make it generous for a busy machine).
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Poll polls cond every 10 ms until it holds (true) or timeout has passed
// (false): for a test that reports the state it last saw on timeout, or
// that does not fail on one.
func Poll(timeout time.Duration, cond func() bool) bool {
	return PollEvery(timeout, 10*time.Millisecond, cond)
}

// PollEvery is Poll with another interval, for a condition that costs
// something to check (a query, a subprocess, a store opened and checked).
func PollEvery(timeout, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// Await receives from ch until keep accepts a value, and returns it; it
// fails the test when none came within timeout (a deadline, not a speed
// assertion). what names the value awaited.
func Await[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string, keep func(T) bool) T {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case v := <-ch:
			if keep(v) {
				return v
			}
		case <-deadline.C:
			t.Fatalf("%s: not within %v", what, timeout)
		}
	}
}

// Buffer is an io.Writer a test can read while another goroutine or a
// child process's output copier writes to it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Clock is a fake clock, safe for concurrent use: it stands still until
// the test sets or advances it. Pass its Now method where code takes a
// func() time.Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (backwards too).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// NoLeaks notes the goroutines running now and, when the test ends (after
// every cleanup registered later, so servers and stores are closed by
// then), fails it if any other goroutine is still running. Goroutines end
// asynchronously after a Close, so it retries for up to about ten seconds
// before it reports them with their stacks. Call it first in a test that
// does not run in parallel with others.
func NoLeaks(t testing.TB) { t.Helper(); noLeaks(t, 10*time.Second) }

func noLeaks(t testing.TB, within time.Duration) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			err := goleak.Find(ignore) // retries for a second or two itself
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutines leaked: %v", err)
				return
			}
		}
	})
}

// WriteFile writes content to the file name in dir, readable by its owner
// only (as hark wants its config), and returns the file's path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
