package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

// hangLimit is how long a Poll may run before the test calls it a hang.
// Every fault here ends in well under a second.
const hangLimit = 15 * time.Second

// want is what a fault must turn into.
type want struct {
	ok     bool             // no error: a valid answer
	kind   social.ErrorKind // otherwise the error's kind
	until  time.Time        // RateLimited: exactly this retry time
	status int              // the HTTP status the error carries (0: none, the transfer failed)
}

func expect(n *network, fault fakenet.Fault, now time.Time) want {
	switch fault {
	case fakenet.Fault429RetryAfter:
		return want{kind: social.RateLimited, until: now.Add(fakenet.FaultRetryAfterSecs * time.Second), status: 429}
	case fakenet.Fault429Reset:
		return want{kind: social.RateLimited, until: fakenet.FaultResetAt(now), status: 429}
	case fakenet.Fault401:
		return want{kind: social.Auth, status: 401}
	case fakenet.Fault403:
		return want{kind: n.kind403, status: 403}
	case fakenet.Fault404:
		return want{kind: social.Permanent, status: 404}
	case fakenet.Fault500:
		return want{kind: social.Transient, status: 500}
	case fakenet.Fault502HTML:
		return want{kind: social.Transient, status: 502}
	case fakenet.FaultResetBody, fakenet.FaultMalformed, fakenet.FaultHuge:
		return want{kind: social.Transient, status: 200}
	case fakenet.FaultBadUTF8, fakenet.FaultEmpty:
		return want{ok: true}
	}
	return want{kind: social.Transient} // no answer: reset in the headers, timeout
}

// checkCause checks that a transfer fault failed for its own reason, not
// for another one that happens to have the same kind.
func checkCause(t *testing.T, fault fakenet.Fault, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var te interface{ Timeout() bool }
	isTimeout := errors.As(err, &te) && te.Timeout()
	switch fault {
	case fakenet.FaultSlow:
		if !isTimeout {
			t.Errorf("slow answer: error is not the client timeout: %v", err)
		}
	case fakenet.FaultHuge:
		if !errors.Is(err, web.ErrTooLarge) {
			t.Errorf("50 MiB body: error is not web.ErrTooLarge: %v", err)
		}
	case fakenet.FaultResetBody:
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut body: error is not io.ErrUnexpectedEOF: %v", err)
		}
	case fakenet.FaultResetHeaders:
		if isTimeout {
			t.Errorf("cut headers: error is a timeout, want a broken connection: %v", err)
		}
	}
}

func (w want) String() string {
	switch {
	case w.ok:
		return "no error"
	case w.kind == social.RateLimited:
		return "rate-limited until " + w.until.UTC().Format("15:04:05")
	}
	return w.kind.String()
}

type pollResult struct {
	b        social.Batch
	err      error
	panicked any
	stack    []byte
	took     time.Duration
}

// pollGuarded runs one Poll, turning a panic into a result and a hang into
// a fatal failure. The context has no deadline: the adapter's own client
// timeout is what must end a slow answer.
func pollGuarded(t *testing.T, src social.Source, cursor string) pollResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan pollResult, 1)
	start := time.Now()
	go func() {
		var r pollResult
		defer func() {
			if p := recover(); p != nil {
				r.panicked, r.stack = p, debug.Stack()
			}
			ch <- r
		}()
		r.b, r.err = src.Poll(ctx, cursor)
	}()
	timer := time.NewTimer(hangLimit)
	defer timer.Stop()
	select {
	case r := <-ch:
		r.took = time.Since(start)
		return r
	case <-timer.C:
		t.Fatalf("Poll(%q) still running after %v: the adapter hangs", cursor, hangLimit)
	}
	return pollResult{}
}

// mustPoll is a Poll that has to succeed.
func mustPoll(t *testing.T, src social.Source, cursor, what string) social.Batch {
	t.Helper()
	r := pollGuarded(t, src, cursor)
	if r.panicked != nil {
		t.Fatalf("%s: panic: %v\n%s", what, r.panicked, r.stack)
	}
	if r.err != nil {
		t.Fatalf("%s: %v", what, r.err)
	}
	return r.b
}

func remoteIDs(ps []social.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.RemoteID
	}
	return out
}

// sortedIDs returns ids sorted, duplicates kept (so a double delivery shows).
func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// stages returns the posts a healthy first poll sees at stage 1, and the
// ids that arrive at stage 2 on top of them.
func stages(t *testing.T, n *network) (first []string, arrived []string) {
	t.Helper()
	f := newFake(t, n)
	b1 := mustPoll(t, n.source(f, web.NewClient(normalTimeout)), "", "stage 1 first poll")
	f.Set(2, fakenet.FaultNone)
	b2 := mustPoll(t, n.source(f, web.NewClient(normalTimeout)), "", "stage 2 first poll")
	first = remoteIDs(b1.Posts)
	for _, id := range remoteIDs(b2.Posts) {
		if !slices.Contains(first, id) {
			arrived = append(arrived, id)
		}
	}
	for _, id := range first {
		if !slices.Contains(remoteIDs(b2.Posts), id) {
			t.Fatalf("stage 2 lost post %s of stage 1", id)
		}
	}
	if len(first) == 0 || len(arrived) == 0 {
		t.Fatalf("the fake must have posts at both stages: stage 1 %v, arrived %v", first, arrived)
	}
	return sortedIDs(first), sortedIDs(arrived)
}

// leaked returns the secrets that appear in s.
func leaked(s string, secrets []string) []string {
	var out []string
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			out = append(out, sec)
		}
	}
	return out
}

// TestPollFaults runs every fault against every adapter's Poll. Each run
// primes the adapter with a healthy poll (so Bluesky's session exists and
// the cursor is real), lets newer posts arrive behind the fault, checks the
// result, then clears the fault and checks that the next poll, from the
// cursor the engine would have kept, delivers the newer posts exactly once.
func TestPollFaults(t *testing.T) {
	type row struct{ fault, got string }
	var (
		mu     sync.Mutex
		runs   int
		bad    []string
		table  = map[string][]row{}
		nets   = networks()
		faults = fakenet.AllFaults
	)
	t.Run("all", func(t *testing.T) {
		for _, n := range nets {
			t.Run(n.name, func(t *testing.T) {
				t.Parallel()
				_, arrived := stages(t, n)
				for _, fault := range faults {
					t.Run(fault.String(), func(t *testing.T) {
						got := "did not finish"
						defer func() { // also after t.Fatal
							mu.Lock()
							defer mu.Unlock()
							runs++
							if t.Failed() {
								bad = append(bad, n.name+"/"+fault.String())
								got = "FAIL: " + got
							}
							table[n.name] = append(table[n.name], row{fault.String(), got})
						}()
						runFault(t, n, fault, arrived, &got)
					})
				}
			})
		}
	})
	for _, n := range nets {
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%d cases):", n.name, len(table[n.name]))
		for _, r := range table[n.name] {
			fmt.Fprintf(&b, "\n  %-18s %s", r.fault, r.got)
		}
		t.Log(b.String())
	}
	verdict := "all typed, no panic, no secret leaked"
	if len(bad) > 0 {
		verdict = fmt.Sprintf("%d failing: %s", len(bad), strings.Join(bad, ", "))
	}
	t.Logf("faults: %d adapters × %d cases = %d runs, %s", len(nets), len(faults), runs, verdict)
	if runs != len(nets)*len(faults) {
		t.Errorf("%d runs, want %d", runs, len(nets)*len(faults))
	}
}

// runFault runs one fault against one adapter and says in *got what
// happened, for the report.
func runFault(t *testing.T, n *network, fault fakenet.Fault, arrived []string, got *string) {
	f := newFake(t, n)
	src := n.source(f, web.NewClient(normalTimeout))
	c0 := mustPoll(t, src, "", "priming poll").Cursor

	// The slow answer meets an adapter whose client gives up after
	// slowTimeout. It is a second instance on the same fake, so only the
	// faulty poll runs under the short timeout (Bluesky logs in first: that
	// answer is quick) and a loaded machine cannot time out the healthy
	// polls around it.
	faulty := src
	if fault == fakenet.FaultSlow {
		faulty = n.source(f, web.NewClient(slowTimeout))
	}
	f.Set(2, fault)
	now := f.clk.Now()
	w := expect(n, fault, now)
	r := pollGuarded(t, faulty, c0)
	if r.panicked != nil {
		*got = fmt.Sprintf("panic: %v", r.panicked)
		t.Fatalf("panic: %v\n%s", r.panicked, r.stack)
	}
	if f.Hits() == 0 {
		t.Errorf("the faulty endpoint was never called")
	}
	if r.took > 5*time.Second {
		t.Errorf("Poll took %v", r.took)
	}
	if fault == fakenet.FaultSlow && r.took < slowTimeout {
		t.Errorf("slow answer: Poll gave up after %v, before the %v client timeout", r.took, slowTimeout)
	}
	*got = "no error"
	if r.err != nil {
		*got = social.KindOf(r.err).String()
		if at, ok := social.RetryAt(r.err); ok {
			*got += " until " + at.UTC().Format("15:04:05")
		}
		if l := leaked(r.err.Error(), n.secrets(t)); len(l) > 0 {
			t.Errorf("error message leaks %q: %v", l, r.err)
		}
	}

	cursorAfter := c0 // the engine keeps the cursor when a poll fails
	var delivered []string
	if w.ok {
		if r.err != nil {
			t.Errorf("want no error, got %v", r.err)
		} else {
			cursorAfter = r.b.Cursor
			delivered = remoteIDs(r.b.Posts)
			*got += checkValidPage(t, f, fault, r.b, c0, arrived)
		}
	} else {
		var se *social.Error
		switch {
		case r.err == nil:
			t.Errorf("want %v, got no error (%d posts)", w, len(r.b.Posts))
		case !errors.As(r.err, &se):
			t.Errorf("error is not a *social.Error (untyped): %v", r.err)
		case se.Kind != w.kind:
			t.Errorf("kind %v, want %v: %v", se.Kind, w.kind, r.err)
		case w.kind == social.RateLimited:
			if at, ok := social.RetryAt(r.err); !ok || !at.Equal(w.until) {
				t.Errorf("RetryAt = %v %v, want %v: %v", at, ok, w.until, r.err)
			}
		}
		if se != nil && se.Status != w.status {
			t.Errorf("error status %d, want %d: %v", se.Status, w.status, r.err)
		}
		checkCause(t, fault, r.err)
		if len(r.b.Posts) > 0 {
			t.Errorf("a failed poll returned %d posts", len(r.b.Posts))
		}
		if r.err != nil {
			*got += ": " + oneLine(r.err.Error())
		}
	}
	if fault == fakenet.FaultHuge {
		*got += checkHuge(t, f)
	}

	// The fault clears; time moves past any wait the error asked for.
	f.Set(2, fakenet.FaultNone)
	next := now.Add(time.Minute)
	if at, ok := social.RetryAt(r.err); ok && !at.Before(next) {
		next = at.Add(time.Second)
	}
	f.clk.Set(next)
	rb := mustPoll(t, src, cursorAfter, "poll after the fault cleared")
	delivered = append(delivered, remoteIDs(rb.Posts)...)
	if d := sortedIDs(delivered); !slices.Equal(d, arrived) {
		t.Errorf("fault poll + recovery poll delivered %v, want the arrived posts %v exactly once", d, arrived)
	}
}

// checkValidPage checks the two faults that are no errors.
func checkValidPage(t *testing.T, f *fake, fault fakenet.Fault, b social.Batch, c0 string, arrived []string) string {
	t.Helper()
	switch fault {
	case fakenet.FaultEmpty:
		if len(b.Posts) != 0 {
			t.Errorf("empty page gave %d posts", len(b.Posts))
		}
		if b.Cursor != c0 {
			t.Errorf("empty page moved the cursor from %q to %q", c0, b.Cursor)
		}
		return ", 0 posts, cursor kept"
	case fakenet.FaultBadUTF8:
		if f.Corrupted() == 0 {
			t.Errorf("the fake spoiled no answer")
		}
		if d := sortedIDs(remoteIDs(b.Posts)); !slices.Equal(d, arrived) {
			t.Errorf("invalid UTF-8 page delivered %v, want %v", d, arrived)
		}
		replaced, raw := 0, 0
		for _, p := range b.Posts {
			switch {
			case !utf8.ValidString(p.Text):
				raw++
			case strings.ContainsRune(p.Text, utf8.RuneError):
				replaced++
			}
			if p.RemoteID == "" || p.CreatedAt.IsZero() || p.Author.Handle == "" {
				t.Errorf("post mapped badly from the invalid UTF-8 page: %+v", p)
			}
			if strings.TrimSpace(strings.ReplaceAll(p.Text, string(utf8.RuneError), "")) == "" {
				t.Errorf("post %s lost its text: %q", p.RemoteID, p.Text)
			}
		}
		if replaced+raw != len(b.Posts) {
			t.Errorf("only %d of %d posts show the bad bytes (as U+FFFD or raw)", replaced+raw, len(b.Posts))
		}
		return fmt.Sprintf(", %d posts mapped, bad bytes → U+FFFD in %d, kept raw in %d", len(b.Posts), replaced, raw)
	}
	return ""
}

// checkHuge waits for the 50 MiB handler and checks the client hung up early.
func checkHuge(t *testing.T, f *fake) string {
	t.Helper()
	h := f.Huge()
	timer := time.NewTimer(hangLimit)
	defer timer.Stop()
	select {
	case <-h.Done:
	case <-timer.C:
		t.Errorf("the 50 MiB handler is still writing after %v", hangLimit)
		return ""
	}
	if h.Err == nil || h.Written >= fakenet.FaultHugeTotal/2 {
		t.Errorf("server wrote %d bytes (err %v): the client did not stop reading early", h.Written, h.Err)
	}
	return fmt.Sprintf(" [server wrote %.1f MiB of 50 before the client hung up]", float64(h.Written)/(1<<20))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 150 {
		s = s[:150] + "…"
	}
	return s
}
