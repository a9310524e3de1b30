package pg_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/store/storetest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const template = "hark_tmpl"

func migrate(dsn string) error { return pg.Migrate(context.Background(), dsn) }

// newDB is a fresh database holding the migrations.
func newDB(t testing.TB) string { return pgtest.DB(t, template, migrate) }

func open(t testing.TB, dsn string) *pg.Store {
	t.Helper()
	s, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) store.Store { return open(t, newDB(t)) },
		Reopen: func(t *testing.T, s store.Store) (store.Store, error) {
			dsn := s.(*pg.Store).Pool().Config().ConnString()
			s.Close()
			return pg.Open(context.Background(), dsn, pg.Options{})
		},
		BumpSchema: func(t *testing.T, s store.Store) {
			if _, err := s.(*pg.Store).Pool().Exec(context.Background(),
				"UPDATE hark_meta SET value = $1 WHERE key = 'schema'", strconv.Itoa(pg.SchemaVersion+1)); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestDifferential drives bbolt and PostgreSQL with one random sequence of
// operations and compares them after every 50.
func TestDifferential(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			b, p := bothBackends(t)
			storetest.Differential(t, b, p, seed, 600)
			if seed != 1 {
				return
			}
			// and a copy each way holds the same, byte for byte
			ctx := context.Background()
			p2 := open(t, newDB(t))
			defer p2.Close()
			var steps []int
			if err := store.Copy(ctx, b, p2, func(n int) { steps = append(steps, n) }); err != nil {
				t.Fatal(err)
			}
			storetest.SameContents(t, b, p2)
			if len(steps) == 0 {
				t.Fatal("no progress reported")
			}
			b2, err := store.Open(filepath.Join(t.TempDir(), "back.db"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b2.Close()
			if err := store.Copy(ctx, p2, b2, nil); err != nil {
				t.Fatal(err)
			}
			storetest.SameContents(t, b, b2)
			// both go on the same way after the copy
			storetest.Differential(t, b2, p2, 7, 100)
			if err := store.Copy(ctx, b, p2, nil); !errors.Is(err, store.ErrNotEmpty) {
				t.Fatalf("a copy into a store with data must be refused, got %v", err)
			}
		})
	}
}

// A failure inside the database half-way through the batch's writes (a
// trigger refuses one post) rolls back the posts already written and the
// cursor.
func TestBatchFailsInsideTheDatabase(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	if _, err := s.Pool().Exec(ctx, `
		CREATE FUNCTION refuse() RETURNS trigger AS $$
		BEGIN
			IF position('\x52454655534521'::bytea in NEW.doc) > 0 THEN RAISE EXCEPTION 'refused'; END IF;
			RETURN NEW;
		END $$ LANGUAGE plpgsql;
		CREATE TRIGGER refuse BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION refuse();`); err != nil {
		t.Fatal(err)
	}
	var batch []social.Post
	for i := range 10 {
		text := "fine"
		if i == 6 {
			text = "REFUSE!"
		}
		batch = append(batch, social.Post{Network: social.Demo, Account: "a", RemoteID: strconv.Itoa(i),
			Author: social.Author{Handle: "@u" + strconv.Itoa(i)}, Text: text, CreatedAt: time.Unix(int64(i), 0), Kind: social.KindMention})
	}
	if _, err := s.Ingest(ctx, "f", "next", batch, nil, time.Now()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("want the trigger's error, got %v", err)
	}
	var posts, convs int
	s.Pool().QueryRow(ctx, "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM conversations)").Scan(&posts, &convs)
	if posts != 0 || convs != 0 {
		t.Fatalf("%d posts and %d conversations of a failed batch are stored", posts, convs)
	}
	if cur, _ := s.Cursor(ctx, "f"); cur != "" {
		t.Fatalf("cursor %q", cur)
	}
	if n, _ := s.Counts(ctx); n != [4]int{} {
		t.Fatalf("counts %v", n)
	}
}

// Five processes opening one empty database at once make one schema and
// none fails: the test binary runs itself five times (TestMigrateHelper).
func TestConcurrentMigration(t *testing.T) {
	dsn := pgtest.DB(t, "", nil)
	cmds := make([]*exec.Cmd, 5)
	outs := make([]*strings.Builder, 5)
	for i := range cmds {
		outs[i] = &strings.Builder{}
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestMigrateHelper$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), "HARK_PG_MIGRATE_DSN="+dsn)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
	}
	for _, c := range cmds { // all started before any is waited for
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	s := open(t, dsn)
	defer s.Close()
	var v string
	var tables int
	s.Pool().QueryRow(context.Background(), "SELECT value FROM hark_meta WHERE key = 'schema'").Scan(&v)
	s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM pg_tables WHERE tablename = 'conversations'").Scan(&tables)
	if v != strconv.Itoa(pg.SchemaVersion) || tables != 1 {
		t.Fatalf("schema %q, %d conversations tables", v, tables)
	}
}

// TestMigrateHelper is one of TestConcurrentMigration's processes.
func TestMigrateHelper(t *testing.T) {
	dsn := os.Getenv("HARK_PG_MIGRATE_DSN")
	if dsn == "" {
		t.Skip("run by TestConcurrentMigration")
	}
	s, err := pg.Open(context.Background(), dsn, pg.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// Every connection runs with the session settings (read back from the
// server).
func TestSessionSettings(t *testing.T) {
	s := open(t, newDB(t))
	defer s.Close()
	ctx := context.Background()
	for k, want := range pg.Session {
		var got string
		if err := s.Pool().QueryRow(ctx, "SELECT current_setting($1)", k).Scan(&got); err != nil {
			t.Fatal(err)
		}
		norm := map[string]string{"30s": "30s", "5s": "5s", "15s": "15s", "20000": "20s"}
		if got != want && got != norm[want] {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	storetest.Healthy(t, s, "with the session settings")
}

// A database that cannot be reached fails a call with ErrUnavailable
// within the bound, instead of hanging.
func TestUnreachable(t *testing.T) {
	dsn := newDB(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	c := pgtest.Shared(t)
	// end every connection of this database and refuse new ones
	name := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	if err := c.Exec(ctx, "postgres", "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	_, err := s.Counts(ctx)
	if err == nil {
		// a pooled connection may have been dropped only now: the next
		// call must fail cleanly
		_, err = s.Counts(ctx)
	}
	if err == nil || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	if err := c.Exec(ctx, "postgres", "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	// and it comes back by itself
	if !testkit.PollEvery(20*time.Second, 50*time.Millisecond, func() bool { _, err = s.Counts(ctx); return err == nil }) {
		t.Fatalf("no reconnect: %v", err)
	}
}

// The password option reaches the connection config and never an error
// message; a URL's password is redacted from Path.
func TestPasswordNeverShown(t *testing.T) {
	cfg, err := pg.Config("postgres://hark@127.0.0.1:1/hark", pg.Options{Password: "s3cret-pw"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.Password != "s3cret-pw" {
		t.Fatal("the password option is not used")
	}
	if got := pg.Redact("postgres://hark:s3cret-pw@db.example/hark?sslmode=disable"); strings.Contains(got, "s3cret-pw") {
		t.Fatalf("Redact kept the password: %s", got)
	}
	// a server that refuses: the error names the place, not the password
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = pg.Open(ctx, "postgres://hark:s3cret-pw@127.0.0.1:1/hark?connect_timeout=2", pg.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("want an unavailable error without the password, got %v", err)
	}
}

// TestCopy200k copies a store of 200k conversations from bbolt to
// PostgreSQL and back and compares them byte for byte (HARK_BIG=1; it
// takes minutes).
func TestCopy200k(t *testing.T) {
	if os.Getenv("HARK_BIG") != "1" {
		t.Skip("set HARK_BIG=1 to copy a 200k-conversation store there and back")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "big.db")
	if keep := os.Getenv("HARK_BIG_KEEP"); keep != "" {
		path = keep // keep the bbolt store for a copy by hand
	}
	src, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	storetest.Fill(t, src, 200_000)
	p := open(t, newDB(t))
	defer p.Close()
	start := time.Now()
	if err := store.Copy(ctx, src, p, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("bbolt → PostgreSQL: %v", time.Since(start))
	back, err := store.Open(filepath.Join(t.TempDir(), "back.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	start = time.Now()
	if err := store.Copy(ctx, p, back, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL → bbolt: %v", time.Since(start))
	storetest.SameContents(t, src, p)
	storetest.SameContents(t, src, back)
}

// Durability (fsync on, its own cluster): a batch whose Ingest returned is
// there after a crash of the server, with its cursor; a batch that failed
// is not; the pool reconnects by itself after the restart.
func TestDurableAcrossCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	c, err := pgtest.Start(pgtest.Options{Fsync: true})
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	defer c.Stop()
	ctx := context.Background()
	dsn, err := c.NewDB("")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, dsn)
	defer s.Close()
	mk := func(from, n int) []social.Post {
		var out []social.Post
		for i := from; i < from+n; i++ {
			out = append(out, social.Post{Network: social.Demo, Account: "a", RemoteID: strconv.Itoa(i),
				Author: social.Author{Handle: "@u" + strconv.Itoa(i%7)}, Text: "text \x00 " + strconv.Itoa(i),
				CreatedAt: time.Unix(int64(i), 0), Kind: social.KindMention})
		}
		return out
	}
	if _, err := s.Ingest(ctx, "f", "after-100", mk(0, 100), nil, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	bad := mk(100, 10)
	bad[9].RemoteID = ""
	if _, err := s.Ingest(ctx, "f", "never", bad, nil, time.Unix(0, 0)); err == nil {
		t.Fatal("the bad batch must fail")
	}
	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	var cur string
	if !testkit.PollEvery(20*time.Second, 50*time.Millisecond, func() bool { cur, err = s.Cursor(ctx, "f"); return err == nil }) {
		t.Fatalf("no reconnect after the restart: %v", err)
	}
	if cur != "after-100" {
		t.Fatalf("cursor %q after the crash", cur)
	}
	var posts int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM posts").Scan(&posts)
	n, _ := s.Counts(ctx)
	if posts != 100 || n[0] != 100 {
		t.Fatalf("%d posts, counts %v after the crash; want the committed batch only", posts, n)
	}
	sp, err := s.Post(ctx, mk(42, 1)[0].Key())
	if err != nil || sp.Text != "text \x00 42" {
		t.Fatalf("post after the crash: %q %v", sp.Text, err)
	}
}

// A database that does not exist needs a fix, not a retry: it is not
// reported as unreachable.
func TestMissingDatabaseIsNotUnreachable(t *testing.T) {
	c := pgtest.Shared(t)
	_, err := pg.Open(context.Background(), c.DSN("no_such_db"), pg.Options{})
	if err == nil || errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no_such_db") {
		t.Fatalf("want a plain error naming the database, got %v", err)
	}
}

// A slow reader of a long scan (an export into a pager) is not cut off by
// the idle-in-transaction timeout between pages.
func TestSlowReaderOfALongScan(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	// the batch is written with the ordinary timeouts (on a loaded machine
	// a write transaction can itself pause longer than 200 ms)
	w := open(t, dsn)
	var batch []social.Post
	for i := range 2500 { // two pages
		batch = append(batch, social.Post{Network: social.Demo, Account: "a", RemoteID: strconv.Itoa(i),
			Author: social.Author{Handle: "@u" + strconv.Itoa(i)}, Text: "t", CreatedAt: time.Unix(int64(i), 0), Kind: social.KindMention})
	}
	if _, err := w.Ingest(ctx, "f", "c", batch, nil, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s, err := pg.Open(ctx, dsn+"&idle_in_transaction_session_timeout=200ms", pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// the consumer is slow on the server's clock: at the first row of
	// each page it waits until no other session of this database has
	// changed state for twice the timeout (a transaction held open
	// meanwhile would have been cut off)
	watch, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	quietFor := func() bool {
		var busy int
		err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state_change > now() - interval '400 ms'`).Scan(&busy)
		return err == nil && busy == 0
	}
	n := 0
	err = s.ForEachConv(ctx, func(social.Conversation) bool {
		n++
		if (n == 1 || n == 2001) && !testkit.PollEvery(10*time.Second, 20*time.Millisecond, quietFor) {
			t.Errorf("row %d: the sessions never stayed quiet for 400 ms", n)
		}
		return true
	})
	if err != nil || n != 2500 {
		t.Fatalf("read %d of 2500: %v", n, err)
	}
}

// A store opened read-only (the reading commands) reads, and any write is
// refused by the server.
func TestReadOnlyCannotWrite(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	w := open(t, dsn)
	defer w.Close()
	p := social.Post{Network: social.Demo, Account: "a", RemoteID: "1", Author: social.Author{Handle: "@a"},
		Text: "hi", CreatedAt: time.Unix(1, 0), Kind: social.KindMention}
	if _, err := w.Ingest(ctx, "f", "c", []social.Post{p}, nil, time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	r, err := pg.Open(ctx, dsn, pg.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := r.Counts(ctx); err != nil || n[0] != 1 {
		t.Fatalf("read-only counts %v %v", n, err)
	}
	if err := r.SaveDraft(ctx, "1", "x"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write on a read-only store: %v", err)
	}
}

// A database written before the status index (schema 9) gains it.
func TestStatusIndexMigrates(t *testing.T) {
	dsn := newDB(t)
	storetest.StatusIndexMigrates(t, func() store.Store { return open(t, dsn) }, func() {
		s := open(t, dsn)
		defer s.Close()
		if _, err := s.Pool().Exec(context.Background(), `ALTER TABLE outbox DROP COLUMN status;
			UPDATE hark_meta SET value = '9' WHERE key = 'schema'`); err != nil {
			t.Fatal(err)
		}
	})
}
