package team_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/team"
)

// ---- the shared team: registries of several processes on one database ----

func pgDB(t *testing.T) string {
	return pgtest.DB(t, "team_tmpl", func(dsn string) error { return pg.Migrate(context.Background(), dsn) })
}

// member is one hark process on the database: its app (own pool,
// engine and listener) and its team registry, both running.
type member struct {
	a   *app.App
	reg *team.Registry
	// crash stops the process's engine and registry without leaving: its
	// sessions stay in the database until they expire (as after kill -9)
	crash func()
}

// quick timings: a heartbeat every 50 ms, a session dead after 400 ms
var quick = team.Options{Beat: 50 * time.Millisecond, TTL: 400 * time.Millisecond, Idle: time.Hour, OpTimeout: 2 * time.Second}

// joinDB opens the demo app on the database (dsn may go through a proxy)
// and runs its engine and a registry with options o. The first member
// polls the demo feed.
func joinDB(t *testing.T, dsn string, o team.Options, poll bool) *member {
	t.Helper()
	a, _ := apptest.Demo(t, apptest.Options{Store: dsn, Now: func() time.Time { return apptest.Start }, Kind: "serve", Poll: poll})
	reg := team.New(a.Engine, o)
	if !reg.Shared() {
		t.Fatal("a registry on PostgreSQL is not shared")
	}
	return &member{a: a, reg: reg, crash: apptest.RunShared(t, a, reg)}
}

// twoProcesses are two processes with options o on one new database; the
// first polls the demo feed.
func twoProcesses(t *testing.T, o team.Options) (pa, pb *member) {
	t.Helper()
	dsn := pgDB(t)
	return joinDB(t, dsn, o, true), joinDB(t, dsn, o, false)
}

// heard waits until the registry's subscription delivers an event that
// passes keep, and returns when.
func heard(t *testing.T, ch <-chan team.Event, limit time.Duration, what string, keep func(team.Event) bool) time.Time {
	t.Helper()
	testkit.Await(t, ch, limit, "heard "+what, keep)
	return time.Now()
}

// listening waits until each session's process hears the other's
// changes (the listeners connect in the background): the sessions change
// brand until the other's subscriber hears it.
func listening(t *testing.T, a, b *team.Session, evA, evB <-chan team.Event) {
	t.Helper()
	for _, p := range []struct {
		s  *team.Session
		ev <-chan team.Event
	}{{a, evB}, {b, evA}} {
		deadline := time.Now().Add(30 * time.Second)
		for i := 0; ; i++ {
			brand := fmt.Sprintf("probe %d", i)
			p.s.SetBrand(t.Context(), brand)
			wait := time.After(200 * time.Millisecond)
			heardIt := false
			for !heardIt {
				select {
				case e := <-p.ev:
					heardIt = e.Kind == team.EvPresence && e.Presence.Session == p.s.ID() && e.Presence.Brand == brand
					continue
				case <-wait:
				}
				break
			}
			if heardIt {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the other process never heard a change")
			}
		}
		p.s.SetBrand(t.Context(), "")
	}
}

// TestTeamContract: the single-process behaviour of claims and presence
// is the same whether the team lives in memory (bbolt, one process) or in
// the database.
func TestTeamContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (*app.App, *team.Registry)
	}{
		{"memory", func(t *testing.T) (*app.App, *team.Registry) {
			a := demoApp(t)
			return a, team.New(a.Engine, team.Options{})
		}},
		{"database", func(t *testing.T) (*app.App, *team.Registry) {
			m := joinDB(t, pgDB(t), quick, true)
			return m.a, m.reg
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, reg := tc.open(t)
			s1, s2 := reg.Join(t.Context(), jd, nil), reg.Join(t.Context(), ak, nil)
			ev, stop := s2.Subscribe()
			defer stop()
			ids := topIDs(t, a, 3)
			id := ids[0]
			if on := reg.Online(); len(on) != 2 || on[0].Actor != jd || on[1].Actor != ak {
				t.Fatalf("online %+v", on)
			}
			if _, ok := s1.Claim(t.Context(), id); !ok {
				t.Fatal("free conversation not claimed")
			}
			next(t, ev, func(e team.Event) bool { return e.Kind == team.EvClaimed && e.Claim.Conv == id && e.Claim.Holder == jd })
			if c, ok := s2.Claim(t.Context(), id); ok || c.Holder != jd || c.Session != s1.ID() {
				t.Fatalf("second claim: %+v %v", c, ok)
			}
			if o, ok := s2.Other(id); !ok || o.Holder != jd {
				t.Fatalf("Other = %+v %v", o, ok)
			}
			if _, ok := s1.Other(id); ok {
				t.Fatal("JD's own claim shown to JD as another's")
			}
			// a reply respects the claim (the engine asks the guard)
			_, err := s2.Operator().Reply(t.Context(), id, "me too ^AK", engine.ReplyOptions{})
			var ce *team.ClaimedError
			if !errors.As(err, &ce) || ce.Holder != jd {
				t.Fatalf("AK's reply on JD's claim: %v", err)
			}
			s1.Release(t.Context(), id)
			next(t, ev, func(e team.Event) bool { return e.Kind == team.EvReleased && e.Reason == team.ReasonReleased })
			if _, ok := reg.ClaimOf(id); ok {
				t.Fatal("released claim still shown")
			}
			if _, ok := s2.Claim(t.Context(), id); !ok {
				t.Fatal("released conversation not claimable")
			}
			evJD, stopJD := s1.Subscribe()
			defer stopJD()
			if c := s1.Take(t.Context(), id); c.Holder != jd {
				t.Fatalf("take: %+v", c)
			}
			got := next(t, evJD, func(e team.Event) bool { return e.Kind == team.EvClaimed && e.Reason == team.ReasonTaken })
			if got.Prev == nil || got.Prev.Session != s2.ID() || got.Claim.Session != s1.ID() {
				t.Fatalf("taken over: %+v prev %+v", got, got.Prev)
			}
			if s2.Touch(t.Context(), id) {
				t.Fatal("AK's touch kept a claim taken over")
			}
			if !s1.Touch(t.Context(), id) {
				t.Fatal("JD's touch lost JD's claim")
			}
			// another session of the same operator: the claim moves
			s3 := reg.Join(t.Context(), jd, nil)
			if c, ok := s3.Claim(t.Context(), id); !ok || c.Session != s3.ID() {
				t.Fatalf("JD's second session: %+v %v", c, ok)
			}
			for _, x := range ids[1:] {
				s3.Claim(t.Context(), x)
			}
			if h := s3.Held(); len(h) != 3 {
				t.Fatalf("held %v", h)
			}
			s3.Close()
			next(t, ev, func(e team.Event) bool {
				return e.Kind == team.EvPresence && e.Reason == team.ReasonLeft && e.Presence.Session == s3.ID()
			})
			if n := len(reg.Claims()); n != 0 {
				t.Fatalf("%d claims after disconnect", n)
			}
			if _, ok := s3.Claim(t.Context(), id); ok {
				t.Error("closed session claimed")
			}
			s2.SetBrand(t.Context(), "Northwind Energy")
			s2.SetViewing(t.Context(), id)
			next(t, ev, func(e team.Event) bool { return e.Kind == team.EvPresence && e.Presence.Viewing == id })
			on := reg.Online()
			if len(on) != 2 || on[1].Brand != "Northwind Energy" || on[1].Viewing != id {
				t.Fatalf("online %+v", on)
			}
			// JD sends: the claim ends on send
			if _, ok := s1.Claim(t.Context(), id); !ok {
				t.Fatal("claim before send")
			}
			if _, err := s1.Operator().Reply(t.Context(), id, "sorted ^JD", engine.ReplyOptions{}); err != nil {
				t.Fatal(err)
			}
			next(t, ev, func(e team.Event) bool { return e.Kind == team.EvReleased && e.Reason == team.ReasonSent })
			if _, ok := reg.ClaimOf(id); ok {
				t.Fatal("claim outlived its send")
			}
		})
	}
}

// TestSharedClaimsAcrossProcesses: two processes' registries on one
// database. A claim made on one reaches the other's subscribers without
// anyone asking (the notice); take-over is told to the one who lost it.
func TestSharedClaimsAcrossProcesses(t *testing.T) {
	pa, pb := twoProcesses(t, quick)
	jdS := pa.reg.Join(t.Context(), jd, nil)
	akS := pb.reg.Join(t.Context(), ak, nil)
	evB, stopB := akS.Subscribe()
	defer stopB()
	evA, stopA := jdS.Subscribe()
	testkit.Eventually(t, 10*time.Second, "each process sees both operators online", func() bool {
		return len(pa.reg.Online()) == 2 && len(pb.reg.Online()) == 2
	})
	listening(t, jdS, akS, evA, evB)
	stopA() // JD's own events of the rounds below would fill it
	ids := topIDs(t, pa.a, 10)
	const n = 40
	var lat []time.Duration
	for i := range n {
		id := ids[i%len(ids)]
		t0 := time.Now()
		if _, ok := jdS.Claim(t.Context(), id); !ok {
			t.Fatalf("round %d: claim refused", i)
		}
		at := heard(t, evB, 10*time.Second, "JD's claim on the other process", func(e team.Event) bool {
			return e.Kind == team.EvClaimed && e.Claim.Conv == id && e.Claim.Holder == jd
		})
		lat = append(lat, at.Sub(t0))
		if o, ok := akS.Other(id); !ok || o.Holder != jd {
			t.Fatalf("round %d: Other on B = %+v %v", i, o, ok)
		}
		jdS.Release(t.Context(), id)
		heard(t, evB, 10*time.Second, "JD's release on the other process", func(e team.Event) bool {
			return e.Kind == team.EvReleased && e.Claim.Conv == id
		})
	}
	slices.Sort(lat)
	t.Logf("claim on process A to B's subscriber over %d claims: p50 %v, p90 %v, max %v", n, lat[n/2], lat[n*9/10], lat[n-1])

	// AK on B sees JD's claim and is refused; takes it over; JD on A is told
	evA, stopA = jdS.Subscribe()
	defer stopA()
	id := ids[0]
	jdS.Claim(t.Context(), id)
	heard(t, evB, 10*time.Second, "claim", func(e team.Event) bool { return e.Kind == team.EvClaimed && e.Claim.Conv == id })
	if c, ok := akS.Claim(t.Context(), id); ok || c.Holder != jd {
		t.Fatalf("AK's claim over JD's from another process: %+v %v", c, ok)
	}
	akS.Take(t.Context(), id)
	ev := heard(t, evA, 10*time.Second, "take-over told to JD", func(e team.Event) bool {
		return e.Kind == team.EvClaimed && e.Reason == team.ReasonTaken && e.Prev != nil && e.Prev.Session == jdS.ID()
	})
	_ = ev
	if jdS.Touch(t.Context(), id) {
		t.Fatal("JD's touch kept a claim taken over from another process")
	}
	if c, ok := jdS.Other(id); !ok || c.Holder != ak {
		t.Fatalf("JD's view after take-over: %+v %v", c, ok)
	}
	// presence: brand and the conversation on screen
	akS.SetBrand(t.Context(), "Skylark Air")
	akS.SetViewing(t.Context(), id)
	heard(t, evA, 10*time.Second, "AK's presence on A", func(e team.Event) bool {
		return e.Kind == team.EvPresence && e.Presence.Session == akS.ID() && e.Presence.Viewing == id && e.Presence.Brand == "Skylark Air"
	})
}

// TestSharedClaimHasOneWinner: operators on two processes claim the same
// conversation at once, many times over: exactly one wins each time, and
// every loser is told who holds it.
func TestSharedClaimHasOneWinner(t *testing.T) {
	pa, pb := twoProcesses(t, quick)
	var ss []*team.Session
	for i := range 3 {
		ss = append(ss, pa.reg.Join(t.Context(), social.Actor{Initials: "A" + string(rune('0'+i))}, nil))
		ss = append(ss, pb.reg.Join(t.Context(), social.Actor{Initials: "B" + string(rune('0'+i))}, nil))
	}
	ids := topIDs(t, pa.a, 5)
	for round := range 20 {
		id := ids[round%len(ids)]
		type res struct {
			s  *team.Session
			c  team.Claim
			ok bool
		}
		out := make([]res, len(ss))
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i, s := range ss {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				c, ok := s.Claim(t.Context(), id)
				out[i] = res{s, c, ok}
			}()
		}
		close(gate)
		wg.Wait()
		var win *team.Session
		for _, r := range out {
			if r.ok {
				if win != nil {
					t.Fatalf("round %d: two winners %s and %s", round, win.Actor().Label(), r.s.Actor().Label())
				}
				win = r.s
			}
		}
		if win == nil {
			t.Fatalf("round %d: nobody won", round)
		}
		for _, r := range out {
			if !r.ok && (r.c.Session != win.ID() || r.c.Holder != win.Actor()) {
				t.Fatalf("round %d: %s told %+v, winner %s", round, r.s.Actor().Label(), r.c, win.Actor().Label())
			}
		}
		win.Release(t.Context(), id)
	}
}

// TestSharedCrashReleases: a process that stops heartbeating (as after
// kill -9) loses its sessions and claims for the others within the
// session time plus a heartbeat.
func TestSharedCrashReleases(t *testing.T) {
	pa, pb := twoProcesses(t, quick)
	jdS := pa.reg.Join(t.Context(), jd, nil)
	id := topIDs(t, pa.a, 1)[0]
	if _, ok := jdS.Claim(t.Context(), id); !ok {
		t.Fatal("claim")
	}
	testkit.Eventually(t, 10*time.Second, "B sees JD's claim", func() bool { _, ok := pb.reg.ClaimOf(id); return ok })
	t0 := time.Now()
	pa.crash()
	testkit.Eventually(t, 10*time.Second, "B sees JD's claim and presence end", func() bool {
		_, held := pb.reg.ClaimOf(id)
		return !held && len(pb.reg.Online()) == 0
	})
	t.Logf("claims and presence of a crashed process gone for the others after %v (session time %v, heartbeat %v)", time.Since(t0), quick.TTL, quick.Beat)
}

// TestSharedPresenceSurvivesIdle: an operator who does nothing for a
// hundred heartbeats (eight times the session time) stays online for the
// others the whole time, and keeps a claim (idle claim expiry is a
// separate, longer rule).
func TestSharedPresenceSurvivesIdle(t *testing.T) {
	pa, pb := twoProcesses(t, quick)
	jdS := pa.reg.Join(t.Context(), jd, nil)
	id := topIDs(t, pa.a, 1)[0]
	jdS.Claim(t.Context(), id)
	evB, stop := pb.reg.Subscribe()
	defer stop()
	testkit.Eventually(t, 10*time.Second, "B sees JD", func() bool { _, ok := pb.reg.ClaimOf(id); return ok && len(pb.reg.Online()) == 1 })
	idle := 100 * quick.Beat
	end := time.After(idle)
	checks := 0
	tick := time.NewTicker(quick.Beat / 2)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-end:
			done = true
		case e := <-evB:
			if (e.Kind == team.EvPresence && e.Reason == team.ReasonLeft) || e.Kind == team.EvReleased {
				t.Fatalf("idle operator lost: %+v", e)
			}
		case <-tick.C:
			checks++
			if _, ok := pb.reg.ClaimOf(id); !ok || len(pb.reg.Online()) != 1 {
				t.Fatalf("after %d checks: claim %v, online %+v", checks, ok, pb.reg.Online())
			}
		}
	}
	t.Logf("idle %v = %d heartbeats = %.0f× the session time: online and holding throughout (%d checks)", idle, idle/quick.Beat, float64(idle)/float64(quick.TTL), checks)
}

// TestSharedIdleClaimExpires: the idle rule holds across processes, on
// the database's clock.
func TestSharedIdleClaimExpires(t *testing.T) {
	o := quick
	o.Idle = 300 * time.Millisecond
	// liveness is not under test here: a session time far above a loaded
	// machine's stalls keeps the operator online while the claim idles
	o.TTL = 10 * time.Second
	pa, pb := twoProcesses(t, o)
	jdS := pa.reg.Join(t.Context(), jd, nil)
	id := topIDs(t, pa.a, 1)[0]
	evB, stop := pb.reg.Subscribe()
	defer stop()
	jdS.Claim(t.Context(), id)
	heard(t, evB, 10*time.Second, "idle release", func(e team.Event) bool { return e.Kind == team.EvReleased && e.Reason == team.ReasonIdle })
	if jdS.Touch(t.Context(), id) {
		t.Fatal("touch revived an idle claim")
	}
	if on := pb.reg.Online(); len(on) != 1 {
		t.Fatalf("an idle claim took presence with it: %+v", on)
	}
}

// TestSharedStalledProcess: a process cut off from the database behind a
// stalled proxy loses its sessions and claims for the others; when it
// comes back its late writes change nothing of what the others did
// meanwhile, and its operator is online again.
func TestSharedStalledProcess(t *testing.T) {
	dsn := pgDB(t)
	px, err := pgtest.Shared(t).NewProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	pb := joinDB(t, dsn, quick, true)
	pa := joinDB(t, px.Via(dsn), quick, false)
	jdS := pa.reg.Join(t.Context(), jd, nil)
	akS := pb.reg.Join(t.Context(), ak, nil)
	id := topIDs(t, pb.a, 1)[0]
	if _, ok := jdS.Claim(t.Context(), id); !ok {
		t.Fatal("claim")
	}
	testkit.Eventually(t, 10*time.Second, "B sees JD's claim", func() bool { _, ok := pb.reg.ClaimOf(id); return ok })
	px.Stall()
	t0 := time.Now()
	// a write of the cut-off process, in flight while it is cut off
	late := make(chan bool, 1)
	go func() { late <- jdS.Touch(t.Context(), id) }()
	// a stall in the middle of the touch's transaction keeps its row
	// locks until the server ends it (idle_in_transaction_session_timeout,
	// 15 s): the others' sweep waits for that, so the bound is above it
	testkit.Eventually(t, 30*time.Second, "JD's session and claim gone for B", func() bool {
		_, held := pb.reg.ClaimOf(id)
		return !held && len(pb.reg.Online()) == 1
	})
	t.Logf("stalled process's session gone for the others after %v", time.Since(t0))
	if _, ok := akS.Claim(t.Context(), id); !ok {
		t.Fatal("AK could not claim the conversation the stalled process held")
	}
	px.Pass() // the stalled writes reach the database now, late
	if <-late {
		t.Fatal("the stalled process's late touch kept a claim it lost")
	}
	jdS.Release(t.Context(), id)
	if c, ok := pb.reg.ClaimOf(id); !ok || c.Holder != ak {
		t.Fatalf("AK's claim after the stalled process's release: %+v %v", c, ok)
	}
	if c, ok := jdS.Claim(t.Context(), id); ok || c.Holder != ak {
		t.Fatalf("the stalled process claimed over AK: %+v %v", c, ok)
	}
	// it heartbeats again: JD is online again for B, and A sees AK's claim
	testkit.Eventually(t, 10*time.Second, "JD online again for B", func() bool { return len(pb.reg.Online()) == 2 })
	testkit.Eventually(t, 10*time.Second, "A sees AK's claim", func() bool {
		c, ok := pa.reg.ClaimOf(id)
		return ok && c.Holder == ak && slices.ContainsFunc(pa.reg.Online(), func(p team.Presence) bool { return p.Actor == ak })
	})
}
