package faults

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// engineFaults are the faults driven through the real engine: one of each
// kind of outcome (rate limit with a reset, operator needed, proxy page,
// broken transfer, unreadable body).
var engineFaults = []fakenet.Fault{fakenet.Fault429Reset, fakenet.Fault429RetryAfter, fakenet.Fault401, fakenet.Fault502HTML, fakenet.FaultResetBody, fakenet.FaultMalformed}

// TestEngineFaults polls one faulty feed through engine.PollOnce over a
// real store: a failed poll must leave the stored cursor alone, record the
// error kind and a retry time in the feed status, and once the fault clears
// the newer posts must be stored exactly once.
func TestEngineFaults(t *testing.T) {
	for _, n := range networks() {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			first, arrived := stages(t, n)
			for _, fault := range engineFaults {
				t.Run(fault.String(), func(t *testing.T) {
					runEngineFault(t, n, fault, first, arrived)
				})
			}
		})
	}
}

func runEngineFault(t *testing.T, n *network, fault fakenet.Fault, first, arrived []string) {
	ctx := context.Background()
	f := newFake(t, n)
	st, err := store.Open(filepath.Join(t.TempDir(), "hark.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := n.source(f, web.NewClient(normalTimeout))
	e := engine.New(engine.Options{
		Store: st, Now: f.clk.Now,
		Feeds: []engine.Feed{{Source: src, Network: n.network, Account: "acme", Brand: "Acme Coffee", Interval: time.Minute}},
	})
	feed := src.ID()
	pollOnce := func(what string) engine.PollResult {
		t.Helper()
		res := e.PollOnce(ctx)
		if len(res) != 1 || res[0].Feed != feed {
			t.Fatalf("%s: PollOnce returned %+v", what, res)
		}
		return res[0]
	}
	cursor := func() string {
		t.Helper()
		c, err := st.Cursor(context.Background(), feed)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// 1. A healthy poll stores the older posts and a cursor.
	r := pollOnce("first poll")
	if r.Err != nil {
		t.Fatalf("first poll: %v", r.Err)
	}
	if got := sortedIDs(remoteIDs(r.New)); !slices.Equal(got, first) {
		t.Fatalf("first poll stored %v, want %v", got, first)
	}
	c1 := cursor()
	if c1 == "" {
		t.Fatal("no cursor stored after the first poll")
	}

	// 2. Newer posts arrive behind a fault.
	f.Set(2, fault)
	now := f.clk.Now()
	w := expect(n, fault, now)
	r = pollOnce("faulty poll")
	if r.Err == nil {
		t.Fatalf("faulty poll: no error, stored %d", len(r.New))
	}
	if f.Hits() == 0 {
		t.Error("the faulty endpoint was never called")
	}
	if len(r.New) != 0 {
		t.Errorf("faulty poll stored %d posts", len(r.New))
	}
	if c := cursor(); c != c1 {
		t.Errorf("cursor moved on a failed poll: %q → %q", c1, c)
	}
	fs := storedStatus(t, st, feed)
	if rs := r.Status; rs.ErrorKind != fs.ErrorKind || rs.LastError != fs.LastError || rs.Failures != fs.Failures || !rs.Until.Equal(fs.Until) {
		t.Errorf("stored status %+v differs from the poll's %+v", fs, rs)
	}
	if fs.ErrorKind != w.kind.String() || fs.Failures != 1 || fs.LastError == "" || !fs.LastPoll.Equal(now) {
		t.Errorf("status after the fault: kind %q failures %d error %q last poll %v; want kind %q, 1 failure",
			fs.ErrorKind, fs.Failures, fs.LastError, fs.LastPoll, w.kind)
	}
	if l := leaked(fs.LastError, n.secrets(t)); len(l) > 0 {
		t.Errorf("feed status error leaks %q: %s", l, fs.LastError)
	}
	switch {
	case w.kind == social.RateLimited:
		if !fs.Until.Equal(w.until) {
			t.Errorf("Until = %v, want the rate-limit reset %v", fs.Until, w.until)
		}
	case w.kind == social.Auth:
		// the engine waits at least five minutes for the operator
		if fs.Until.Before(now.Add(5 * time.Minute)) {
			t.Errorf("Until = %v, want ≥ 5 min after %v", fs.Until, now)
		}
	default:
		// first backoff step: the interval ±20 %
		if lo, hi := now.Add(48*time.Second), now.Add(72*time.Second); fs.Until.Before(lo) || fs.Until.After(hi) {
			t.Errorf("Until = %v, want backoff in [%v, %v]", fs.Until, lo, hi)
		}
	}
	if got := storedIDs(t, st); !slices.Equal(got, first) {
		t.Errorf("store holds %v after the failed poll, want %v", got, first)
	}

	// 3. The fault clears; the engine polls again at the retry time.
	f.Set(2, fakenet.FaultNone)
	f.clk.Set(fs.Until.Add(time.Second))
	r = pollOnce("poll after the fault")
	if r.Err != nil {
		t.Fatalf("poll after the fault: %v", r.Err)
	}
	if got := sortedIDs(remoteIDs(r.New)); !slices.Equal(got, arrived) {
		t.Errorf("poll after the fault stored %v, want %v", got, arrived)
	}
	fs = storedStatus(t, st, feed)
	if fs.ErrorKind != "" || fs.LastError != "" || fs.Failures != 0 || !fs.Until.IsZero() {
		t.Errorf("status not cleared after a good poll: %+v", fs)
	}
	if cursor() == c1 {
		t.Errorf("cursor did not move after storing new posts")
	}

	// 4. Nothing is stored twice.
	f.clk.Set(f.clk.Now().Add(time.Minute))
	if r = pollOnce("last poll"); r.Err != nil || len(r.New) != 0 {
		t.Errorf("last poll: err %v, stored %v again", r.Err, remoteIDs(r.New))
	}
	want := sortedIDs(append(slices.Clone(first), arrived...))
	if got := storedIDs(t, st); !slices.Equal(got, want) {
		t.Errorf("store holds %v, want each of %v once", got, want)
	}
	if fs = storedStatus(t, st, feed); fs.Stored != len(want) {
		t.Errorf("status says %d stored, want %d", fs.Stored, len(want))
	}
}

// storedStatus reads a feed's status back from the store.
func storedStatus(t *testing.T, st store.Store, feed string) store.FeedStatus {
	t.Helper()
	all, err := st.FeedStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Feed == feed {
			return s
		}
	}
	t.Fatalf("no status stored for %s", feed)
	return store.FeedStatus{}
}

// storedIDs lists the remote ids of every post in the store, sorted, with
// duplicates kept.
func storedIDs(t *testing.T, st store.Store) []string {
	t.Helper()
	var convs []string
	if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		convs = append(convs, c.ID)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, id := range convs {
		ps, err := st.Posts(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			ids = append(ids, p.RemoteID)
		}
	}
	return sortedIDs(ids)
}
