package pg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// SchemaVersion is the newest migration this build has.
var SchemaVersion = len(migrations())

// migrationLock is the advisory lock key migrations run under.
const migrationLock = 0x6861726b // "hark"

// Session settings every connection runs with: a stalled client frees its
// locks (idle in transaction), nothing waits for ever on a lock or a
// statement, and a lost peer is noticed in about 25 s (keepalives).
var Session = map[string]string{
	"statement_timeout":                   "30s",
	"lock_timeout":                        "5s",
	"idle_in_transaction_session_timeout": "15s",
	"tcp_keepalives_idle":                 "10",
	"tcp_keepalives_interval":             "5",
	"tcp_keepalives_count":                "3",
	"tcp_user_timeout":                    "20000",
}

// Options tune Open.
type Options struct {
	// Password, if set, overrides the URL's and libpq's (PGPASSWORD,
	// .pgpass). It is never logged.
	Password string
	// OpTimeout bounds a call whose context has no deadline (default 15 s):
	// a lost database fails an action instead of hanging it.
	OpTimeout time.Duration
	// MaxConns is the pool size (default 8).
	MaxConns int32
	// ReadOnly refuses to migrate (reading commands).
	ReadOnly bool
}

// Store is the PostgreSQL store. It is safe for concurrent use, and many
// processes may use one database.
type Store struct {
	pool   *pgxpool.Pool
	url    string // without password
	o      Options
	origin atomic.Pointer[string] // this process in change notices (coord.go)
}

var _ store.Store = (*Store)(nil)

// IsURL reports whether a store setting names PostgreSQL.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns the URL without its password.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Config builds the pool configuration: the session settings, TCP
// keepalives on the socket, a bounded connect.
func Config(dsn string, o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", Redact(dsn), redactErr(err, o.Password))
	}
	if o.Password != "" {
		cfg.ConnConfig.Password = o.Password
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	} else if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 10*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	for k, v := range Session {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	if o.ReadOnly {
		// a reading command cannot write, whatever it calls
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set {
		host, _ := os.Hostname()
		cfg.ConnConfig.RuntimeParams["application_name"] = "hark/" + host + "/" + strconv.Itoa(os.Getpid())
	}
	d := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}}
	cfg.ConnConfig.DialFunc = d.DialContext
	cfg.HealthCheckPeriod = 10 * time.Second
	return cfg, nil
}

// Open connects to the database at dsn and brings its schema up to date
// (under an advisory lock: processes starting together take turns). A
// database written by a newer hark is refused.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	if o.OpTimeout <= 0 {
		o.OpTimeout = 15 * time.Second
	}
	cfg, err := Config(dsn, o)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", Redact(dsn), redactErr(err, o.Password))
	}
	s := &Store{pool: pool, url: Redact(dsn), o: o}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store %s: %w", s.url, s.wrap(err))
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error { s.pool.Close(); return nil }

// Path is the URL without its password.
func (s *Store) Path() string { return s.url }

// Backend is "postgres".
func (s *Store) Backend() string { return "postgres" }

// Pool is the connection pool (doctor, tests).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() []migration {
	ents, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(ents)
	var out []migration
	for i, name := range ents {
		raw, err := migrationFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: i + 1, name: name, sql: string(raw)})
	}
	return out
}

// backfills fill what a migration adds from the records, in Go, in the
// migration's transaction (keyed by file: versions are positions).
var backfills = map[string]func(context.Context, pgx.Tx) error{
	"migrations/0006_totals_search.sql": backfillTotals,
	"migrations/0008_stat_sums.sql":     backfillSums,
	"migrations/0010_outbox_status.sql": backfillStatus,
}

// Migrate applies the missing migrations to the database at dsn (tests
// prepare their template with it).
func Migrate(ctx context.Context, dsn string) error {
	s, err := Open(ctx, dsn, Options{MaxConns: 2})
	if err != nil {
		return err
	}
	return s.Close()
}

// migrate runs in one transaction under pg_advisory_xact_lock: read the
// schema version, refuse a newer one, apply the missing files and the new
// version, commit. PostgreSQL's DDL is transactional, so a failed
// migration leaves nothing behind.
func (s *Store) migrate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute) // a backfill reads every conversation
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("waiting for the migration lock: %w", err)
	}
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	all := migrations()
	if v > len(all) {
		return store.NewerSchemaError(v, len(all), "point store: at another database")
	}
	if v == len(all) {
		return nil
	}
	if s.o.ReadOnly {
		return fmt.Errorf("schema %d needs an upgrade to %d; run hark once with write access", v, len(all))
	}
	for _, m := range all[v:] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrating schema %d to %d (%s): %w", m.version-1, m.version, m.name, err)
		}
		if fill := backfills[m.name]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return fmt.Errorf("migrating schema %d to %d (%s): %w", m.version-1, m.version, m.name, err)
			}
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO hark_meta (key, value) VALUES ('schema', $1)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, strconv.Itoa(len(all))); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('hark_meta') IS NOT NULL").Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v string
	err := q.QueryRow(ctx, "SELECT value FROM hark_meta WHERE key = 'schema'").Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("schema version %q: %w", v, err)
	}
	return n, nil
}

// op bounds a call whose context has no deadline.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.o.OpTimeout)
}

// wrap marks errors of a database that cannot be reached with
// store.ErrUnavailable and keeps the password out of messages.
func (s *Store) wrap(err error) error {
	if err == nil {
		return nil
	}
	err = redactErr(err, s.o.Password)
	if unavailable(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

func unavailable(err error) bool {
	if errors.Is(err, store.ErrUnavailable) {
		return false // already marked
	}
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	if errors.As(err, &ce) {
		// no connection could be made: unreachable, unless the server
		// refused who we are or what we asked for (that needs a fix,
		// not a retry)
		if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "28") || strings.HasPrefix(pe.Code, "3D")) {
			return false
		}
		return true
	}
	if errors.As(err, &pe) {
		// connection exceptions, admin shutdown, cannot connect now
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err) || strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "connection reset")
}

type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

func redactErr(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return redacted{msg: strings.ReplaceAll(err.Error(), password, "xxxxx"), err: err}
}

// retryable: a transaction lost to another one (serialization, deadlock,
// a concurrent insert of the same key) runs again and sees the winner.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "23505":
			return true
		}
	}
	return false
}

// write runs fn in a read-committed transaction, then flushes the writes
// fn buffered in one pipelined batch and commits. Lost races are retried.
func (s *Store) write(ctx context.Context, fn func(t *txn) error) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		err = s.tryWrite(ctx, fn)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	return s.wrap(err)
}

func (s *Store) tryWrite(ctx context.Context, fn func(t *txn) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// a connection left inside a transaction is closed by Release
	defer conn.Release()
	t := newTxn(ctx, conn.Conn())
	defer func() {
		if err != nil && t.begun {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, rerr := conn.Exec(rctx, "ROLLBACK"); rerr != nil {
				conn.Conn().Close(rctx)
			}
		}
	}()
	// BEGIN goes with the first statement or batch, COMMIT with the writes
	if err := fn(t); err != nil {
		return err
	}
	s.announce(t) // NOTIFY rides in the committing batch
	return t.flush()
}

// read runs fn in a read-only, repeatable-read transaction (one snapshot
// for a multi-statement read).
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.wrap(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return s.wrap(err)
	}
	return s.wrap(tx.Commit(ctx))
}

// Doctor reports the server, the schema, the counts against a recount and
// the session settings.
func (s *Store) Doctor(ctx context.Context) ([]store.Finding, error) {
	var out []store.Finding
	err := s.read(ctx, func(tx pgx.Tx) error {
		var ver string
		if err := tx.QueryRow(ctx, "SHOW server_version").Scan(&ver); err != nil {
			return err
		}
		out = append(out, store.Finding{Name: "server", OK: true, Detail: "PostgreSQL " + ver + " at " + s.url})
		v, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		out = append(out, store.Finding{Name: "schema", OK: v == SchemaVersion, Detail: fmt.Sprintf("version %d (this hark writes %d)", v, SchemaVersion)})
		kept, err := readCounts(ctx, tx)
		if err != nil {
			return err
		}
		var re [4]int
		rows, err := tx.Query(ctx, "SELECT rank, count(*) FROM conversations GROUP BY rank")
		if err != nil {
			return err
		}
		for rows.Next() {
			var r, n int
			if err := rows.Scan(&r, &n); err != nil {
				return err
			}
			if r >= 0 && r < 4 {
				re[r] = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = append(out, store.Finding{Name: "counts", OK: kept == re, Detail: fmt.Sprintf("kept %v, recounted %v", kept, re)})
		var names []string
		for k := range Session {
			names = append(names, k)
		}
		sort.Strings(names)
		var parts []string
		ok := true
		for _, k := range names {
			var got string
			if err := tx.QueryRow(ctx, "SELECT current_setting($1)", k).Scan(&got); err != nil {
				return err
			}
			parts = append(parts, k+"="+got)
			ok = ok && got != "0"
		}
		out = append(out, store.Finding{Name: "session", OK: ok, Detail: strings.Join(parts, " ")})
		return doctorTeam(ctx, tx, &out)
	})
	return out, err
}

// doctorTeam describes the hark processes on the database and the leases
// each holds (which feeds it polls, whether it keeps the clock).
func doctorTeam(ctx context.Context, tx pgx.Tx, out *[]store.Finding) error {
	rows, err := tx.Query(ctx, `SELECT p.host, p.pid, p.kind,
			coalesce(string_agg(l.name, ', ' ORDER BY l.name) FILTER (WHERE l.name IS NOT NULL), '')
		FROM processes p LEFT JOIN leases l ON l.owner = p.id AND l.until_at > now()
		WHERE p.heartbeat_at > now() - interval '1 minute'
		GROUP BY p.id, p.host, p.pid, p.kind ORDER BY p.host, p.pid`)
	if err != nil {
		return err
	}
	var procs []string
	for rows.Next() {
		var host, kind, leases string
		var pid int
		if err := rows.Scan(&host, &pid, &kind, &leases); err != nil {
			return err
		}
		d := fmt.Sprintf("%s/%d %s", host, pid, kind)
		if leases != "" {
			d += " (" + leases + ")"
		}
		procs = append(procs, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	detail := "no hark process running on this database"
	if len(procs) > 0 {
		detail = fmt.Sprintf("%d processes: %s", len(procs), strings.Join(procs, "; "))
	}
	*out = append(*out, store.Finding{Name: "team", OK: true, Detail: detail})
	return nil
}

func readCounts(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([4]int, error) {
	var n [4]int
	rows, err := q.Query(ctx, "SELECT rank, n FROM queue_counts")
	if err != nil {
		return n, err
	}
	defer rows.Close()
	for rows.Next() {
		var r int
		var v int64
		if err := rows.Scan(&r, &v); err != nil {
			return n, err
		}
		if r >= 0 && r < 4 {
			n[r] = int(v)
		}
	}
	return n, rows.Err()
}
