package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/feeds/bluesky"
	"github.com/hark-tui/hark/feeds/demo"
	"github.com/hark-tui/hark/feeds/mastodon"
	"github.com/hark-tui/hark/feeds/rss"
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/feeds/x"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/stores"
	"github.com/hark-tui/hark/textsafe"
)

// Options tune Open.
type Options struct {
	ReadOnly bool             // open the store read-only (queue, stats while the TUI runs)
	Now      func() time.Time // clock (tests)
	Offline  bool             // build no feeds (reading commands)
	// Reports says the caller reports every account itself (doctor): an
	// account that did not start is not also a warning on stderr.
	Reports bool
	// Kind names the process in the registry of processes sharing a
	// PostgreSQL store ("tui", "serve", "engine", "poll"; doctor shows it).
	Kind string
	// Existing: the command acts on what the store holds (hark reply:
	// a conversation), so a bbolt file that is not there is NoStoreError,
	// not a new empty store (a mistyped --db made one and left it behind).
	// A status post may be a new store's first write.
	Existing bool
	// Probe: a bbolt file that is not there is not made; a throw-away
	// store stands in, and the app says so (doctor checks the accounts
	// before hark has run, and leaves no store behind, where a mistyped
	// --db made one).
	Probe bool
}

// App is a wired hark.
type App struct {
	Cfg    *config.Config
	Store  store.Store
	Engine *engine.Engine
	Canned []canned.Response
	Log    *slog.Logger
	Brands map[string]*Brand
	Demo   *demo.Feed
	// Warnings are problems that did not stop hark (a broken canned file).
	Warnings []string
	// Kind is what this process is (Options.Kind: tui, serve, poll,
	// engine…): a hark that finds the store held is told which.
	Kind string

	logFile  io.Closer
	tmpDir   string // the throw-away store's folder (the demo, a probe)
	noStore  string // the store's path when a probe found none there
	closed   bool
	now      func() time.Time
	fallback *Brand
	reports  bool // Options.Reports
	logsStop bool // Close logs the stop (Open logged the start)
	// cannedErr are the canned answers that did not load or are never
	// offered (doctor lists them)
	cannedErr error
}

// Open builds everything from cfg.
func Open(ctx context.Context, cfg *config.Config, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &App{Cfg: cfg, now: o.Now, Brands: map[string]*Brand{}, reports: o.Reports}
	if err := a.openLog(); err != nil {
		return nil, err
	}
	path := cfg.Store
	probeOnly := o.Probe && !cfg.Throwaway && NeedStore(path) != nil
	if probeOnly {
		a.noStore = path
	}
	if cfg.Throwaway || probeOnly {
		if o.ReadOnly {
			a.Close()
			return nil, ErrNoDemoStore
		}
		// the demo, a probe: a new store of its own, removed on Close
		dir, err := os.MkdirTemp("", "hark-demo-")
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("demo store: %w", err)
		}
		a.tmpDir = dir
		path = filepath.Join(dir, "demo.db")
	} else if o.ReadOnly || o.Existing {
		if err := NeedStore(path); err != nil {
			a.Close()
			return nil, err
		}
	}
	st, err := OpenStore(ctx, cfg, path, store.Options{ReadOnly: o.ReadOnly, Warn: func(msg string) {
		// before anything is written: on stderr now, in the TUI's status
		// line and in the log
		a.Log.Warn("store", "check", msg)
		a.Warnings = append(a.Warnings, msg)
		fmt.Fprintf(os.Stderr, "hark: warning: %s\n", textsafe.Block(msg))
	}})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Store = st
	all, err := LoadCanned(cfg.CannedDir)
	a.Canned = all
	err = errors.Join(err, cannedBrands(all, cfg.Brands))
	a.cannedErr = err
	if err != nil {
		// A broken canned file must not keep the operator from the inbox:
		// the others load, and the problem is shown (stderr for commands,
		// the status line in the TUI) and logged.
		a.Log.Warn("canned responses", "err", err)
		a.Warnings = append(a.Warnings, err.Error())
		if !o.ReadOnly && !o.Reports { // (doctor lists them itself)
			fmt.Fprintf(os.Stderr, "hark: warning: %s\n", textsafe.Block(err.Error()))
		}
	}
	var demoBrands []demo.Brand
	if cfg.Demo {
		demoBrands = demo.Brands()
	}
	for _, b := range cfg.Brands {
		br, err := newBrand(b, demoBrands)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("config %s: brand %q: %w", cfg.Path, b.Name, err)
		}
		a.Brands[b.Name] = br
	}
	a.Kind = o.Kind
	eo := engine.Options{
		Store: st, Now: o.Now, Log: a.Log,
		Triage:      a.triage,
		Rescore:     a.rescore,
		MaxAttempts: cfg.Outbox.MaxAttempts,
		Agent:       cfg.Agent.Actor(),
		ProcessKind: o.Kind,
		LeaseTTL:    cfg.Team.Lease,
		OutboxLease: cfg.Team.SendLease,
	}
	if !o.Offline {
		if err := a.buildFeeds(ctx, &eo); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.Engine = engine.New(eo)
	if !o.ReadOnly {
		// where a log of several processes (a team's PostgreSQL) starts
		a.Log.Info("hark started", "kind", o.Kind, "pid", os.Getpid(), "store", stores.Describe(path),
			"backend", st.Backend(), "feeds", len(eo.Feeds), "accounts", len(eo.Accounts), "demo", cfg.Demo)
		a.logsStop = true
	}
	return a, nil
}

func (a *App) openLog() error {
	path := a.Cfg.LogFile
	if path == "" {
		a.Log = slog.New(slog.DiscardHandler)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("log %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("log %s: %w", path, err)
	}
	a.logFile = f
	a.Log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return nil
}

// Close releases the store and the log; closing again does nothing.
func (a *App) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	var errs []error
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	if a.logsStop {
		if err := errors.Join(errs...); err != nil {
			a.Log.Warn("hark stopped", "pid", os.Getpid(), "err", err)
		} else {
			a.Log.Info("hark stopped", "pid", os.Getpid())
		}
	}
	if a.logFile != nil {
		errs = append(errs, a.logFile.Close())
	}
	if a.tmpDir != "" {
		errs = append(errs, os.RemoveAll(a.tmpDir))
		a.tmpDir = ""
	}
	return errors.Join(errs...)
}

// OpenStore opens the store at path (cfg.Store, or the demo's throw-away
// file): a bbolt file, or a PostgreSQL database (its password from
// store_password, or libpq's PGPASSWORD and ~/.pgpass).
func OpenStore(ctx context.Context, cfg *config.Config, path string, o store.Options) (store.Store, error) {
	so := stores.Options{ReadOnly: o.ReadOnly, NoSync: o.NoSync, Warn: o.Warn}
	if stores.IsPostgres(path) && cfg.StorePassword != "" {
		pw, err := cfg.StorePassword.Resolve(ctx)
		if err != nil {
			return nil, fmt.Errorf("store_password: %w", err)
		}
		so.Password = pw
	}
	return stores.Open(ctx, path, so)
}

// ErrNoDemoStore: a reading command on the demo, which keeps no store
// once it exits.
var ErrNoDemoStore = errors.New("the demo keeps no store: its conversations live only while `hark --demo` (or `hark` with no config) runs, and queue, stats and export read them from it then; `hark init` writes a config for your own accounts")

// NoStoreError: a reading command before hark ever stored anything.
type NoStoreError struct{ Path string }

func (e *NoStoreError) Error() string {
	return fmt.Sprintf("nothing yet: no store at %s, so no conversations (check --db if you gave one). Start with `hark poll --once` or `hark` to fetch your accounts' mentions (`hark doctor` checks the accounts first)", e.Path)
}

// NeedStore is a *NoStoreError when path names a bbolt file that is not
// there, for a command that must not create one (opening a bbolt file
// makes it: a mistyped --db would become a new, empty store). A
// PostgreSQL URL passes: the database says itself what it holds.
func NeedStore(path string) error {
	if stores.IsPostgres(path) {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return &NoStoreError{Path: path}
	}
	return nil
}

// CannedBrand checks the brand: of a canned response against the
// config's brands ("" is an answer for every brand): an answer for a
// brand the config does not have is never offered.
func CannedBrand(brand string, brands []config.Brand) error {
	if brand == "" || len(brands) == 0 {
		return nil
	}
	var names []string
	for _, b := range brands {
		if canned.SameBrand(b.Name, brand) {
			return nil
		}
		names = append(names, strconv.Quote(b.Name))
	}
	return fmt.Errorf("brand %q is not a brand of the config (brands: %s): the answer would never be offered", brand, strings.Join(names, ", "))
}

// cannedBrands finds the operator's answers whose brand: the config does
// not have (a typo hides an answer for good).
func cannedBrands(all []canned.Response, brands []config.Brand) error {
	var errs []error
	for _, r := range all {
		if r.Builtin {
			continue
		}
		if err := CannedBrand(r.Brand, brands); err != nil {
			errs = append(errs, fmt.Errorf("canned %s (%s): %w", r.ID, r.Path, err))
		}
	}
	return errors.Join(errs...)
}

// LoadCanned returns the operator's canned responses (first) and the
// built-in ones; err names files that could not be read (the rest load).
func LoadCanned(dir string) ([]canned.Response, error) {
	var own []canned.Response
	var err error
	if dir != "" {
		own, err = canned.Load(dir)
	}
	return append(own, canned.Builtin()...), err
}

// buildFeeds resolves secrets and makes one adapter per account. An
// account whose secret does not resolve does not stop the others: it gets
// a feed that never polls and says why (the status line, doctor), and the
// reason is a warning.
func (a *App) buildFeeds(ctx context.Context, eo *engine.Options) error {
	for _, ac := range a.Cfg.Accounts {
		if ac.Disabled {
			continue
		}
		if err := a.buildAccount(ctx, ac, eo); err != nil {
			err = fmt.Errorf("account %s (%s): %w", ac.Name, ac.Network, err)
			a.Log.Warn("account not started", "account", ac.Name, "network", ac.Network, "err", err)
			a.Warnings = append(a.Warnings, "not started: "+err.Error())
			if !a.reports {
				fmt.Fprintf(os.Stderr, "hark: warning: not started: %s; the other accounts run (`hark doctor` checks every account)\n", textsafe.Line(err.Error()))
			}
			n := social.Network(ac.Network)
			eo.Feeds = append(eo.Feeds, engine.NotStarted(string(n)+":"+ac.Name, n, ac.Name, ac.Brand, err))
			eo.Accounts = append(eo.Accounts, engine.Account{Network: n, Name: ac.Name, Brand: ac.Brand, Broken: err})
		}
	}
	for _, f := range a.Cfg.Feeds {
		if f.Disabled {
			continue
		}
		src := rss.New(rss.Options{Name: f.Name, URL: f.URL, Brand: f.Brand, Client: &web.Client{HTTP: web.NewClient(0).HTTP, MaxBody: 8 << 20}, Now: a.now})
		eo.Feeds = append(eo.Feeds, engine.Feed{Source: src, Network: social.RSS, Account: f.Name, Brand: f.Brand, Interval: orDefault(f.Interval, rss.DefaultInterval)})
		eo.Accounts = append(eo.Accounts, engine.Account{Network: social.RSS, Name: f.Name, Brand: f.Brand})
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (a *App) buildAccount(ctx context.Context, ac config.Account, eo *engine.Options) error {
	resolve := func(s config.Secret) (string, error) { return s.Resolve(ctx) }
	client := web.NewClient(0)
	switch social.Network(ac.Network) {
	case social.Demo:
		if a.Demo == nil {
			a.Demo = demo.New(a.now(), a.now)
			eo.Feeds = append(eo.Feeds, engine.Feed{Source: a.Demo, Network: social.Demo, Interval: orDefault(ac.Interval, 2*time.Second)})
		}
		self := social.Author{Handle: "@" + ac.Name, DisplayName: ac.Brand}
		eo.Accounts = append(eo.Accounts, engine.Account{Network: social.Demo, Name: ac.Name, Brand: ac.Brand, Self: self, Sender: a.Demo, Thread: a.Demo, Limit: a.Demo})
	case social.Mastodon:
		tok, err := resolve(ac.Token)
		if err != nil {
			return err
		}
		c := mastodon.New(mastodon.Options{Server: ac.Server, Token: tok, Account: ac.Name, Brand: ac.Brand, Client: client, Now: a.now})
		eo.Feeds = append(eo.Feeds, engine.Feed{Source: c, Network: social.Mastodon, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, mastodon.DefaultInterval)})
		for _, q := range ac.Search {
			s := mastodon.NewSearch(mastodon.Options{Server: ac.Server, Token: tok, Account: ac.Name, Brand: ac.Brand, Client: client, Now: a.now}, q)
			eo.Feeds = append(eo.Feeds, engine.Feed{Source: s, Network: social.Mastodon, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, mastodon.DefaultInterval) * 2})
		}
		eo.Accounts = append(eo.Accounts, engine.Account{Network: social.Mastodon, Name: ac.Name, Brand: ac.Brand, Self: social.Author{Handle: ac.Handle, DisplayName: ac.Brand}, Sender: c, Thread: c, Limit: c})
	case social.Bluesky:
		pw, err := resolve(ac.Password)
		if err != nil {
			return err
		}
		opts := bluesky.Options{Service: ac.Server, Handle: ac.Handle, Password: pw, Account: ac.Name, Brand: ac.Brand, Client: client, Now: a.now}
		c := bluesky.New(opts)
		eo.Feeds = append(eo.Feeds, engine.Feed{Source: c, Network: social.Bluesky, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, bluesky.DefaultInterval)})
		for _, q := range ac.Search {
			eo.Feeds = append(eo.Feeds, engine.Feed{Source: bluesky.NewSearch(opts, q), Network: social.Bluesky, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, bluesky.DefaultInterval) * 2})
		}
		eo.Accounts = append(eo.Accounts, engine.Account{Network: social.Bluesky, Name: ac.Name, Brand: ac.Brand, Self: social.Author{Handle: ac.Handle, DisplayName: ac.Brand}, Sender: c, Thread: c, Limit: c, NewKey: bluesky.NewRecordKey})
	case social.X:
		var vals [4]string
		for i, s := range []config.Secret{ac.ConsumerKey, ac.ConsumerSecret, ac.AccessToken, ac.AccessSecret} {
			v, err := resolve(s)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		opts := x.Options{API: ac.Server, ConsumerKey: vals[0], ConsumerSecret: vals[1], AccessToken: vals[2], AccessSecret: vals[3], UserID: ac.UserID, Account: ac.Name, Brand: ac.Brand, Client: client, Now: a.now, MinInterval: orDefault(ac.Interval, x.DefaultInterval)}
		c := x.New(opts)
		eo.Feeds = append(eo.Feeds, engine.Feed{Source: c, Network: social.X, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, x.DefaultInterval)})
		for _, q := range ac.Search {
			eo.Feeds = append(eo.Feeds, engine.Feed{Source: x.NewSearch(opts, q), Network: social.X, Account: ac.Name, Brand: ac.Brand, Interval: orDefault(ac.Interval, x.DefaultInterval) * 3})
		}
		eo.Accounts = append(eo.Accounts, engine.Account{Network: social.X, Name: ac.Name, Brand: ac.Brand, Self: social.Author{Handle: "@" + strings.TrimPrefix(ac.Handle, "@"), DisplayName: ac.Brand}, Sender: c, Thread: c, Limit: c})
	default:
		return fmt.Errorf("unknown network %q", ac.Network)
	}
	return nil
}
