package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store/pg"
)

// A lost PostgreSQL: the action fails with one clear line, the status line
// says the database is unreachable, and once it is back the tick's probe
// clears it by itself.
func TestDatabaseUnreachable(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t, "hark_tmpl", func(dsn string) error { return pg.Migrate(ctx, dsn) })
	st, err := pg.Open(ctx, dsn, pg.Options{OpTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := social.Post{Network: social.Demo, Account: "acme", Brand: "Acme", RemoteID: "1",
		Author: social.Author{Handle: "@ann"}, Text: "help", CreatedAt: time.Now(), Kind: social.KindMention}
	if _, err := st.Ingest(ctx, "demo", "c", []social.Post{p}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := New(Deps{Engine: engine.New(engine.Options{Store: st})})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(m.loadRefs()())

	c := pgtest.Shared(t)
	name := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	db := pgx.Identifier{name}.Sanitize()
	if err := c.Exec(ctx, "postgres", "ALTER DATABASE "+db+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	// an idle screen learns it from the tick's probe
	m.Update(m.probeDB()())
	if !m.dbDown || !strings.Contains(m.renderStatus(), "database unreachable, reconnecting") {
		t.Fatalf("the probe did not mark the database down: %q", m.renderStatus())
	}
	m.dbDown = false
	cmd := m.onKey(tea.KeyPressMsg{Code: 'e', Text: "e"})
	if cmd == nil {
		t.Fatal("resolve made no command")
	}
	m.Update(cmd()) // the Cmd returns (bounded), the screen never waited for it
	if got := m.renderStatus(); !strings.Contains(got, "database unreachable") || strings.Contains(got, "\n") {
		t.Fatalf("status after the failed action: %q", got)
	}
	m.msgs.unseen = nil // the operator has read it: the status line itself
	if got := m.renderStatus(); !strings.Contains(got, "database unreachable, reconnecting") {
		t.Fatalf("status line: %q", got)
	}
	// still down: the probe fails and the mark stays
	m.Update(m.probeDB()())
	if !m.dbDown {
		t.Fatal("a failed probe cleared the mark")
	}
	if err := c.Exec(ctx, "postgres", "ALTER DATABASE "+db+" ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	if !testkit.PollEvery(20*time.Second, 20*time.Millisecond, func() bool { // each check probes the database
		if m.dbDown {
			m.Update(m.probeDB()())
		}
		return !m.dbDown
	}) {
		t.Fatal("the database came back but the mark stays")
	}
	if cur, _ := m.current(); cur.ID != "" && cur.State == social.StateResolved {
		t.Fatal("the failed resolve changed the conversation")
	}
}
