package team_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/team"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// demoApp opens the demo on a fresh bbolt file and polls it once.
func demoApp(t *testing.T) *app.App {
	t.Helper()
	a, _ := apptest.Demo(t, apptest.Options{Now: func() time.Time { return apptest.Start }, Poll: true})
	return a
}

func topIDs(t *testing.T, a *app.App, n int) []string {
	t.Helper()
	top, err := a.Store.Top(context.Background(), store.ViewActionable, n, nil)
	if err != nil || len(top) < n {
		t.Fatalf("top %d: %v (%d)", n, err, len(top))
	}
	var ids []string
	for _, c := range top {
		ids = append(ids, c.ID)
	}
	return ids
}

var (
	jd = social.Actor{Name: "Jane Doe", Initials: "JD"}
	ak = social.Actor{Name: "Ade Kim", Initials: "AK"}
)

// next waits for the next event that passes keep.
func next(t *testing.T, ch <-chan team.Event, keep func(team.Event) bool) team.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if keep(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no such event within 10 s")
			return team.Event{}
		}
	}
}

func TestClaims(t *testing.T) {
	a := demoApp(t)
	clk := testkit.NewClock(apptest.Start)
	reg := team.New(a.Engine, team.Options{Idle: 5 * time.Minute, Now: clk.Now})
	s1, s2 := reg.Join(t.Context(), jd, []string{"Skylark Air"}), reg.Join(t.Context(), ak, nil)
	events, stop := s2.Subscribe()
	defer stop()
	id := topIDs(t, a, 1)[0]

	steps := []struct {
		name string
		do   func()
		want func(team.Event) bool
	}{
		{"JD opens the composer", func() {
			if _, ok := s1.Claim(t.Context(), id); !ok {
				t.Fatal("free conversation not claimed")
			}
		}, func(ev team.Event) bool {
			return ev.Kind == team.EvClaimed && ev.Claim.Holder == jd && ev.Claim.Conv == id
		}},
		{"AK is warned", func() {
			c, ok := s2.Claim(t.Context(), id)
			if ok || c.Holder != jd {
				t.Fatalf("second claim: %+v %v", c, ok)
			}
			if o, ok := s2.Other(id); !ok || o.Holder != jd {
				t.Fatalf("Other = %+v %v", o, ok)
			}
			if _, ok := s1.Other(id); ok {
				t.Fatal("JD's own claim shown to JD as another's")
			}
		}, nil},
		{"JD presses esc", func() { s1.Release(t.Context(), id) },
			func(ev team.Event) bool { return ev.Kind == team.EvReleased && ev.Reason == team.ReasonReleased }},
		{"AK claims, JD takes it over after confirming", func() {
			if _, ok := s2.Claim(t.Context(), id); !ok {
				t.Fatal("released conversation not claimable")
			}
			s1.Take(t.Context(), id)
		}, func(ev team.Event) bool {
			return ev.Kind == team.EvClaimed && ev.Reason == team.ReasonTaken && ev.Prev != nil && ev.Prev.Holder == ak
		}},
		{"idle: touched at 4 m, still held at 8 m, gone at 9 m 1 s", func() {
			clk.Advance(4 * time.Minute)
			if !s1.Touch(t.Context(), id) {
				t.Fatal("touch lost the claim")
			}
			clk.Advance(4 * time.Minute)
			if n := len(reg.Sweep()); n != 0 {
				t.Fatalf("swept %d live claims", n)
			}
			clk.Advance(time.Minute + time.Second)
			if got := reg.Sweep(); len(got) != 1 || got[0].Conv != id {
				t.Fatalf("sweep = %+v", got)
			}
			if _, ok := s1.ClaimOf(id); ok {
				t.Fatal("idle claim still shown")
			}
		}, func(ev team.Event) bool { return ev.Kind == team.EvReleased && ev.Reason == team.ReasonIdle }},
		{"disconnect releases every claim", func() {
			ids := topIDs(t, a, 3)
			for _, x := range ids {
				s1.Claim(t.Context(), x)
			}
			if len(s1.Held()) != 3 {
				t.Fatalf("held %v", s1.Held())
			}
			s1.Close()
			if n := len(reg.Claims()); n != 0 {
				t.Fatalf("%d claims after disconnect", n)
			}
			if on := reg.Online(); len(on) != 1 || on[0].Actor != ak {
				t.Fatalf("online %+v", on)
			}
		}, func(ev team.Event) bool { return ev.Kind == team.EvPresence && ev.Reason == team.ReasonLeft }},
		{"brand change is presence", func() { s2.SetBrand(t.Context(), "Northwind Energy") },
			func(ev team.Event) bool { return ev.Kind == team.EvPresence && ev.Presence.Brand == "Northwind Energy" }},
	}
	for _, st := range steps {
		st.do()
		if st.want != nil {
			next(t, events, st.want)
		}
	}
	if got := s1.Brands(); len(got) != 1 || got[0] != "Skylark Air" {
		t.Errorf("brands %v", got)
	}
	// A closed session claims nothing.
	if _, ok := s1.Claim(t.Context(), id); ok {
		t.Error("closed session claimed")
	}
}

func TestSlowSubscriberNeverBlocks(t *testing.T) {
	a := demoApp(t)
	reg := team.New(a.Engine, team.Options{})
	s := reg.Join(t.Context(), jd, nil)
	slow, stopSlow := reg.Subscribe() // never read until the end
	defer stopSlow()
	fast, stopFast := reg.Subscribe()
	defer stopFast()
	got := make(chan struct{})
	go func() {
		for ev := range fast {
			if ev.Kind == team.EvClaimed && strings.HasPrefix(ev.Claim.Conv, "final") {
				close(got)
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 500; i++ {
			s.Claim(t.Context(), fmt.Sprint(i))
			s.Release(t.Context(), fmt.Sprint(i))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("claims blocked on a subscriber that does not read")
	}
	// A reader that keeps up (or catches up after a resync) hears what
	// happens next.
	deadline := time.After(5 * time.Second)
	for k := 0; ; k++ {
		s.Claim(t.Context(), fmt.Sprintf("final-%d", k))
		select {
		case <-got:
		case <-time.After(10 * time.Millisecond):
			continue
		case <-deadline:
			t.Fatal("the reading subscriber never heard a new claim")
		}
		break
	}
	// The slow one gets what fit, then a resync.
	n, resync := 0, false
	for len(slow) > 0 {
		ev := <-slow
		n++
		resync = resync || ev.Kind == team.EvResync
	}
	if n == 0 {
		t.Fatal("slow subscriber got nothing")
	}
	s.Claim(t.Context(), "x") // the next event after an overflow is a resync
	if ev := <-slow; ev.Kind != team.EvResync && !resync {
		t.Fatalf("after overflow got %v, want resync", ev.Kind)
	}
}

func TestReplyThroughSessionRespectsClaims(t *testing.T) {
	a := demoApp(t)
	reg := team.New(a.Engine, team.Options{})
	s1, s2 := reg.Join(t.Context(), jd, nil), reg.Join(t.Context(), ak, nil)
	id := topIDs(t, a, 1)[0]
	s1.Claim(t.Context(), id)
	_, err := s2.Operator().Reply(t.Context(), id, "me too ^AK", engine.ReplyOptions{})
	var ce *team.ClaimedError
	if !errors.As(err, &ce) || ce.Holder != jd || !strings.Contains(err.Error(), "JD") {
		t.Fatalf("AK's reply on JD's claim: %v", err)
	}
	if _, err := s2.Operator().Reply(t.Context(), id, "me too ^AK", engine.ReplyOptions{Force: true}); err != nil {
		t.Fatalf("confirmed reply: %v", err)
	}
	if c, ok := reg.ClaimOf(id); !ok || c.Holder != jd {
		t.Fatalf("JD's claim after AK's forced reply: %+v %v", c, ok)
	}
	// JD sends: the claim ends on send.
	if _, err := s1.Operator().Reply(t.Context(), id, "sorted ^JD", engine.ReplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.ClaimOf(id); ok {
		t.Fatal("claim outlived its send")
	}
	// A reply with no claim taken first takes it for the call and lets go.
	if _, err := s2.Operator().Reply(t.Context(), id, "one more ^AK", engine.ReplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(reg.Claims()) != 0 {
		t.Fatalf("claims left: %+v", reg.Claims())
	}
}

func drain(t *testing.T, a *app.App) {
	t.Helper()
	var pending []store.OutboxEntry
	if !testkit.PollEvery(10*time.Second, 20*time.Millisecond, func() bool {
		var err error
		pending, err = a.Store.Outbox(context.Background(), func(x store.OutboxEntry) bool {
			return x.State == store.OutQueued || x.State == store.OutSending
		})
		if err != nil {
			t.Fatal(err)
		}
		a.Engine.Kick()
		return len(pending) == 0
	}) {
		t.Fatalf("%d replies still in the outbox", len(pending))
	}
}

func TestPerOperatorStats(t *testing.T) {
	a := demoApp(t)
	reg := team.New(a.Engine, team.Options{})
	s1, s2 := reg.Join(t.Context(), jd, nil), reg.Join(t.Context(), ak, nil)
	ids := topIDs(t, a, 4)
	// JD answers 0 and 1 (resolving 1 with the reply), AK answers 2 and resolves 0 by hand; 3 is solo.
	for _, r := range []struct {
		s       *team.Session
		id      string
		resolve bool
	}{{s1, ids[0], false}, {s1, ids[1], true}, {s2, ids[2], false}} {
		if _, err := r.s.Operator().Reply(t.Context(), r.id, "hello", engine.ReplyOptions{Resolve: r.resolve}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Engine.Reply(t.Context(), ids[3], "solo hello", engine.ReplyOptions{}); err != nil {
		t.Fatal(err)
	}
	a.Engine.Deliver(context.Background())
	if _, err := s2.Operator().Resolve(t.Context(), ids[0]); err != nil {
		t.Fatal(err)
	}
	r, err := a.Stats(t.Context(), 14, "operator")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]int{} // replies, resolved, first responses
	for _, o := range r.Operators {
		got[o.Key] = [3]int{o.Replies, o.Resolved, o.FirstReply.N}
	}
	want := map[string][3]int{"JD": {2, 1, 2}, "AK": {1, 1, 1}, "DO": {1, 0, 1}} // DO: the demo config's agent
	for k, w := range want {
		if got[k] != w {
			t.Errorf("operator %s: replies/resolved/first = %v, want %v (all: %v)", k, got[k], w, got)
		}
	}
	var sb strings.Builder
	if err := a.WriteStatsBy(t.Context(), &sb, app.StatsOptions{By: "operator", CSV: true}); err != nil || !strings.Contains(sb.String(), "operator,JD,2,") {
		t.Fatalf("csv: %v\n%s", err, sb.String())
	}
	if err := a.WriteStatsBy(t.Context(), &sb, app.StatsOptions{By: "nobody"}); err == nil {
		t.Fatal("--by nobody accepted")
	}
}

// Five sessions hammer the same three conversations: claims, replies
// (some confirmed over another's claim, some repeated with the same id),
// resolve, pending, reopen and snooze, while the engine delivers. Run
// with -race. Every accepted reply reaches the demo feed exactly once, and
// every accepted state change is in the conversation's trail.
func TestFiveSessionsHammer(t *testing.T) {
	a := demoApp(t)
	reg := team.New(a.Engine, team.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engineDone := make(chan struct{})
	go func() { defer close(engineDone); a.Engine.Run(ctx) }()
	defer func() { cancel(); <-engineDone }()

	ids := topIDs(t, a, 3)
	const sessions, rounds = 5, 5
	type key struct {
		conv, who string
		act       social.Action
	}
	var (
		mu       sync.Mutex
		want     = map[key]int{}       // accepted state changes
		accepted = map[string]string{} // reply marker -> conv
		refused  atomic.Int64          // replies refused on another's claim
		forced   atomic.Int64          // replies confirmed over another's claim
		seqs     = map[uint64]string{} // outbox seq -> marker (a repeat must give the same seq)
	)
	var wg sync.WaitGroup
	for i := range sessions {
		actor := social.Actor{Name: fmt.Sprintf("Operator %d", i), Initials: fmt.Sprintf("O%d", i)}
		s := reg.Join(t.Context(), actor, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Close()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			op := s.Operator()
			for r := range rounds {
				for _, id := range ids {
					marker := fmt.Sprintf("m-%d-%d-%s", i, r, id)
					_, mine := s.Claim(t.Context(), id)
					o := engine.ReplyOptions{ID: marker, Force: !mine && rng.IntN(3) == 0}
					ent, err := op.Reply(t.Context(), id, marker+" ^"+actor.Initials, o)
					var ce *engine.ClaimedError
					switch {
					case errors.As(err, &ce):
						refused.Add(1)
						if ce.Holder.Same(actor) {
							t.Errorf("refused on my own claim: %v", err)
						}
					case err != nil:
						t.Errorf("reply: %v", err)
					default:
						if again, err := op.Reply(t.Context(), id, marker+" ^"+actor.Initials, engine.ReplyOptions{ID: marker, Force: true}); err != nil || again.Seq != ent.Seq {
							t.Errorf("repeated reply %s: seq %d vs %d, %v", marker, again.Seq, ent.Seq, err)
						}
						mu.Lock()
						accepted[marker] = id
						if prev, dup := seqs[ent.Seq]; dup {
							t.Errorf("outbox %d given to %s and %s", ent.Seq, prev, marker)
						}
						seqs[ent.Seq] = marker
						if o.Force {
							forced.Add(1)
						}
						mu.Unlock()
					}
					var act social.Action
					switch rng.IntN(4) {
					case 0:
						_, err = op.Resolve(t.Context(), id)
						act = social.ActResolved
					case 1:
						_, err = op.SetState(t.Context(), id, social.StatePending)
						act = social.ActPending
					case 2:
						_, err = op.SetState(t.Context(), id, social.StateOpen)
						act = social.ActReopened
					case 3:
						_, err = op.Snooze(t.Context(), id, apptest.Start.Add(time.Hour), marker)
						act = social.ActSnoozed
					}
					if err != nil {
						t.Errorf("%s: %v", act, err)
						continue
					}
					mu.Lock()
					want[key{id, actor.Initials, act}]++
					mu.Unlock()
					s.Release(t.Context(), id)
				}
			}
		}()
	}
	wg.Wait()
	drain(t, a)

	// No reply sent twice, none lost: the feed has each accepted marker once.
	seen := map[string]int{}
	for _, p := range apptest.DemoReplies(t, a) {
		marker, _, _ := strings.Cut(p.Text, " ")
		seen[marker]++
	}
	for m := range accepted {
		if seen[m] != 1 {
			t.Errorf("reply %s reached the feed %d times", m, seen[m])
		}
	}
	for m, n := range seen {
		if _, ok := accepted[m]; !ok {
			t.Errorf("reply %s reached the feed (%d) but was never accepted", m, n)
		}
	}
	// No lost state change: each accepted one is in the trail, with its operator.
	got := map[key]int{}
	replied := 0
	for _, id := range ids {
		c, err := a.Store.Conversation(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Activity) >= social.MaxActivity {
			t.Fatalf("trail of %s is full (%d): the test would lose entries", id, len(c.Activity))
		}
		for _, x := range c.Activity {
			switch x.Action {
			case social.ActReplied:
				replied++
			case social.ActClaimedOver:
			default:
				got[key{id, x.By.Initials, x.Action}]++
			}
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s by %s on %s: %d in the trail, want %d", k.act, k.who, k.conv, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("trail has %d kinds of change, want %d", len(got), len(want))
	}
	if replied != len(accepted) {
		t.Errorf("%d replied entries in the trails, %d replies accepted", replied, len(accepted))
	}
	if len(reg.Claims()) != 0 || len(reg.Online()) != 0 {
		t.Errorf("claims %v, online %v after every session closed", reg.Claims(), reg.Online())
	}
	changes := 0
	for _, n := range want {
		changes += n
	}
	t.Logf("%d sessions × %d rounds × %d conversations: %d replies accepted (%d confirmed over a claim), each on the feed once; %d refused on a claim; %d state changes, all in the trails",
		sessions, rounds, len(ids), len(accepted), forced.Load(), refused.Load(), changes)
}
