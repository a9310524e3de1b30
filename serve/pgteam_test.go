package serve_test

import (
	"context"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/store/pg"
)

// openPGApp opens the demo app on a PostgreSQL database shared with other
// processes (each app its own pool, engine and listener).
func openPGApp(t *testing.T, dsn string) (*app.App, string) {
	t.Helper()
	return apptest.Demo(t, apptest.Options{Store: dsn, Now: func() time.Time { return apptest.Start }, Kind: "serve", NoHold: true})
}

// TestTwoServesOnOneDatabase: two `hark serve` on one PostgreSQL database,
// an operator on each over real SSH. What Ana resolves on the first shows
// on Ben's screen on the second without a key press (NOTIFY, then his
// model re-reads the conversation).
func TestTwoServesOnOneDatabase(t *testing.T) {
	dsn := pgtest.DB(t, "serve_tmpl", func(dsn string) error { return pg.Migrate(context.Background(), dsn) })
	aa, adir := openPGApp(t, dsn)
	if r := aa.Engine.PollOnce(context.Background()); len(r) == 0 || r[0].Err != nil {
		t.Fatalf("demo poll: %+v", r)
	}
	ba, bdir := openPGApp(t, dsn)
	ana, ben := testkit.SSHKey(t), testkit.SSHKey(t)
	ea := startServerWith(t, aa, adir, false, ana)
	eb := startServerWith(t, ba, bdir, false, ben)
	ta := openTerm(t, mustDial(t, ea, "ana", ana), 100, 30)
	tb := openTerm(t, mustDial(t, eb, "ben", ben), 100, 30)
	resolveSeenByOther(t, ta, tb, ea, eb)
}
