package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/tui"
)

// sharedApp opens the demo on the PostgreSQL database (a process of its
// own: pool, engine, listener) and runs its engine and team registry.
func sharedApp(t *testing.T, dsn string, poll bool) (*app.App, *team.Registry) {
	t.Helper()
	a, _ := apptest.Demo(t, apptest.Options{Store: dsn, Now: func() time.Time { return start }, Kind: "serve", Poll: poll})
	reg := team.New(a.Engine, team.Options{Beat: 100 * time.Millisecond, TTL: time.Second})
	apptest.RunShared(t, a, reg)
	return a, reg
}

// untilShared applies the session's team messages until its screen shows
// want.
func untilShared(t *testing.T, m *tui.Model, want string) string {
	t.Helper()
	teamUntil(t, m, 10*time.Second, m.TeamNext, func() bool { return strings.Contains(m.Screen(), want) },
		func() string { return fmt.Sprintf("the screen never showed %q", want) })
	return m.Screen()
}

// untilPresence applies the session's team messages until the status
// line's presence part says want (a "joined" message may stand over it on
// the screen: the test's frozen clock never lets it expire).
func untilPresence(t *testing.T, m *tui.Model, want string) {
	t.Helper()
	teamUntil(t, m, 10*time.Second, m.TeamNext, func() bool { return strings.Contains(m.Presence(), want) },
		func() string { return fmt.Sprintf("presence never said %q (it says %q)", want, m.Presence()) })
}

// Two operators on two processes sharing one database: the claim is a
// database write made off the UI loop (r opens the composer once it is
// answered), the other process's screen shows it by itself, a second reply
// is warned with the holder's name, and y takes it over (told to JD).
func TestSharedTeamInTheTUI(t *testing.T) {
	dsn := pgtest.DB(t, "hark_tmpl", func(dsn string) error { return pg.Migrate(context.Background(), dsn) })
	aa, ra := sharedApp(t, dsn, true)
	ab, rb := sharedApp(t, dsn, false)
	if !ra.Shared() || !rb.Shared() {
		t.Fatal("registries on PostgreSQL are not shared")
	}
	jd := teamModel(t, aa.TUIDeps("test", nil), ra.Join(t.Context(), jane, nil))
	ak := teamModel(t, ab.TUIDeps("test", nil), rb.Join(t.Context(), ade, nil))
	untilPresence(t, ak, "2 online: JD·all AK·all")
	untilPresence(t, jd, "2 online: JD·all AK·all")

	jd.Update(key("r"))
	if scr := jd.Screen(); strings.Contains(scr, "public reply · ctrl+s") {
		t.Fatalf("the composer opened before the claim was answered:\n%s", scr)
	}
	untilShared(t, jd, "public reply · ctrl+s")
	scr := untilShared(t, ak, "JD is replying")
	if !strings.Contains(scr, "✎JD") {
		t.Fatalf("AK's queue row does not show JD's claim:\n%s", scr)
	}

	ak.Update(key("r"))
	untilShared(t, ak, "Someone is already replying")
	if scr := ak.Screen(); !strings.Contains(scr, "JD on #9") {
		t.Fatalf("the warning does not name the holder:\n%s", scr)
	}
	ak.Update(key("y"))
	untilShared(t, ak, "public reply · ctrl+s")
	untilShared(t, jd, "AK took over #9")
	if c, ok := ra.ClaimOf("9"); !ok || !c.Holder.Same(ade) {
		t.Fatalf("JD's process sees the claim as %+v %v, want AK's", c, ok)
	}
	ak.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	teamUntil(t, jd, 10*time.Second, jd.TeamNext, func() bool { return !strings.Contains(jd.Screen(), "✎AK") },
		func() string { return "AK's esc never reached JD's screen" })
}
