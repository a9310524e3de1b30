// Package testkit holds what tests share to wait without sleeping blind:
// Eventually polls a condition until a deadline. It imports nothing of
// hark's and is imported only by tests.
package testkit

import (
	"testing"
	"time"
)

// Eventually polls cond every 10 ms until it holds, and fails the test
// naming what it waited for if it still does not hold after timeout (a
// deadline, not a speed assertion: make it generous for a busy machine).
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}
