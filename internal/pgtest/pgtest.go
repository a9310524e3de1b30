package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options choose how the cluster runs.
type Options struct {
	// Fsync keeps fsync, synchronous_commit and full_page_writes on
	// (durability tests, benchmarks); off by default for speed.
	Fsync bool
}

// Cluster is one running server.
type Cluster struct {
	Bin  string // directory of initdb and postgres
	Dir  string // temporary directory (data, socket)
	Port int
	cmd  *exec.Cmd
	args []string
	cred *syscall.Credential
	done chan struct{}
	dbs  atomic.Int64
	mu   sync.Mutex
	tmpl map[string]error
}

// FindBin returns the directory holding initdb and postgres: HARK_PG_BIN,
// then the newest /usr/lib/postgresql/<major>/bin.
func FindBin() (string, error) {
	if d := os.Getenv("HARK_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("HARK_PG_BIN=%s has no initdb: %w", d, err)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries (initdb, postgres): set HARK_PG_BIN or install postgresql")
}

func major(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start initialises and starts a cluster.
func Start(o Options) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hark-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: dir, tmpl: map[string]error{}}
	cred, err := credential(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.Port = port
	c.args = []string{"-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "max_connections=200", "-c", "shared_buffers=64MB"}
	if !o.Fsync {
		c.args = append(c.args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.cred = cred
	if err := c.launch(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// launch starts the server and waits until it accepts connections.
func (c *Cluster) launch() error {
	c.done = make(chan struct{})
	c.cmd = exec.Command(filepath.Join(c.Bin, "postgres"), c.args...)
	// Pdeathsig: the server dies with the test binary, even on SIGKILL.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	logf, err := os.OpenFile(filepath.Join(c.Dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if c.cred != nil {
		_ = logf.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting postgres: %w", err)
	}
	done := c.done
	go func() { c.cmd.Wait(); logf.Close(); close(done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.DSN("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
			return fmt.Errorf("postgres exited: %s", log)
		case <-ctx.Done():
			c.kill()
			return fmt.Errorf("postgres did not accept connections: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Crash stops the server the way a crash would (immediate shutdown: no
// checkpoint, recovery from the WAL at the next start) and starts it again.
func (c *Cluster) Crash() error {
	c.kill()
	return c.launch()
}

// Restart stops the server the way `pg_ctl restart -m fast` does (SIGINT:
// fast shutdown, clients disconnected, a checkpoint), keeps it down for
// down, and starts it again on the same port.
func (c *Cluster) Restart(down time.Duration) error {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.kill()
		}
	}
	time.Sleep(down)
	return c.launch()
}

// kill ends the server by PID (SIGQUIT: immediate shutdown).
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// credential hands dir to the postgres user when running as root
// (PostgreSQL refuses root) and returns the uid/gid to run as; nil when not
// root.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DSN is the URL of a database of the cluster.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Exec runs statements on the postgres database.
func (c *Cluster) Exec(ctx context.Context, db, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, c.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// Stop ends the server by PID (immediate shutdown) and removes its files.
func (c *Cluster) Stop() {
	if c == nil || c.cmd == nil || c.cmd.Process == nil {
		return
	}
	c.kill()
	os.RemoveAll(c.Dir)
}

// Template creates database name once per cluster and runs prep on its URL
// (the migrations); later calls return prep's first result.
func (c *Cluster) Template(name string, prep func(dsn string) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.tmpl[name]; ok {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Exec(ctx, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err == nil && prep != nil {
		err = prep(c.DSN(name))
	}
	c.tmpl[name] = err
	return err
}

// NewDB creates a fresh database (from template, "" for an empty one) and
// returns its URL.
func (c *Cluster) NewDB(template string) (string, error) {
	name := fmt.Sprintf("t%d", c.dbs.Add(1))
	sql := "CREATE DATABASE " + name
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Exec(ctx, "postgres", sql); err != nil {
		return "", fmt.Errorf("creating database: %w", err)
	}
	return c.DSN(name), nil
}

// ---- one shared cluster per test binary ----

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
	sharedMu   sync.Mutex

	durable     *Cluster // fsync on: benchmarks, durability tests
	durableErr  error
	durableOnce sync.Once
)

// Durable is Shared with fsync, synchronous_commit and full_page_writes
// on (a second cluster, started on first use).
func Durable(tb testing.TB) *Cluster {
	tb.Helper()
	durableOnce.Do(func() {
		sharedMu.Lock()
		defer sharedMu.Unlock()
		durable, durableErr = Start(Options{Fsync: true})
	})
	if durableErr != nil {
		Unavailable(tb, durableErr)
	}
	return durable
}

// Shared starts the binary's cluster on first use, or skips t (fails it
// with HARK_PG_REQUIRED=1) when PostgreSQL cannot run here.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedMu.Lock()
		defer sharedMu.Unlock()
		shared, sharedErr = Start(Options{})
	})
	if sharedErr != nil {
		Unavailable(tb, sharedErr)
	}
	return shared
}

// Unavailable skips tb, or fails it when HARK_PG_REQUIRED=1.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("HARK_PG_REQUIRED") == "1" {
		tb.Fatalf("PostgreSQL is required here (HARK_PG_REQUIRED=1): %v", err)
	}
	tb.Skipf("skipping PostgreSQL tests: %v (set HARK_PG_BIN to the directory of initdb and postgres)", err)
}

// DB gives tb a fresh database made from template (prepared once by prep)
// on the shared cluster, and returns its URL.
func DB(tb testing.TB, template string, prep func(dsn string) error) string {
	tb.Helper()
	c := Shared(tb)
	if template != "" {
		if err := c.Template(template, prep); err != nil {
			tb.Fatalf("preparing template %s: %v", template, err)
		}
	}
	dsn, err := c.NewDB(template)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// Main runs the tests and stops the shared cluster afterwards, also when
// the binary is interrupted. Call it from TestMain.
func Main(m *testing.M) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			StopShared()
			os.Exit(2)
		}
	}()
	code := m.Run()
	signal.Stop(sig)
	close(sig)
	StopShared()
	os.Exit(code)
}

// StopShared stops the shared cluster if it was started.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
	if durable != nil {
		durable.Stop()
		durable = nil
	}
}
