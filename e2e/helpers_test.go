package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/cli"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Feed ids as hark names them (adapter prefix + account name).
var (
	feedMastodon = "mastodon:" + fakenet.MastodonAccount
	feedBluesky  = "bluesky:" + fakenet.BlueskyAccount
	feedX        = "x:" + fakenet.XAccount
	feedRSS      = "rss:" + fakenet.RSSFeed
	allFeeds     = []string{feedMastodon, feedBluesky, feedX, feedRSS}
)

// world is one hark set-up: the fakes and a config file pointing at them.
type world struct {
	nets *fakenet.Nets
	dir  string // the store, log and canned folder live here
	cfg  string // config file
}

// newWorld starts the fakes, writes the config (mode 0600, as hark wants
// it) into a temporary folder and puts the secrets in the environment the
// config's env: references name. XDG folders point into the temporary
// folder too, so nothing outside it is read or written.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{nets: fakenet.Start(t), dir: t.TempDir()}
	for k, v := range w.nets.Env() {
		t.Setenv(k, v)
	}
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(k, filepath.Join(w.dir, "xdg", k))
	}
	for _, k := range config.EnvVars() {
		t.Setenv(k, "") // HARK_* from the developer's shell must not leak in
		os.Unsetenv(k)
	}
	w.cfg = filepath.Join(w.dir, "config.yaml")
	if err := os.WriteFile(w.cfg, []byte(w.nets.Config(w.dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// hark runs the real command tree with args after --config and returns
// what it printed on stdout and stderr.
func (w *world) hark(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return w.harkWith(t, w.cfg, args...)
}

// harkWith is hark with another config file.
func (w *world) harkWith(t *testing.T, cfg string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := cli.Root()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"--config", cfg}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// loadConfig loads and validates the config the way the CLI does.
func (w *world) loadConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var pollLine = regexp.MustCompile(`(?m)^(\S+): (\d+) new$`)

// pollCounts reads `hark poll --once` output: feed id → posts reported new.
func pollCounts(t *testing.T, out string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, m := range pollLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[2])
		got[m[1]] = n
	}
	return got
}

// storedPosts opens the store read-only and returns every post of every
// conversation, by network, in conversation order; a post listed by two
// conversations (or twice by one) is returned twice.
func storedPosts(t *testing.T, path string) map[social.Network][]store.StoredPost {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[social.Network][]store.StoredPost{}
	var keys []string
	if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		keys = append(keys, c.PostKeys...)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		p, err := st.Post(context.Background(), k)
		if err != nil {
			t.Fatalf("post %s listed by a conversation: %v", k, err)
		}
		out[p.Network] = append(out[p.Network], p)
	}
	return out
}

// openApp opens hark on the world's config.
func (w *world) openApp(t *testing.T, ctx context.Context, o app.Options) *app.App {
	t.Helper()
	a, err := app.Open(ctx, w.loadConfig(t), o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// publicConv is the first stored conversation on network n (and account,
// unless "") that can be answered in public.
func publicConv(t *testing.T, a *app.App, n social.Network, account string) social.Conversation {
	t.Helper()
	var target social.Conversation
	err := a.Store.ForEachConv(t.Context(), func(c social.Conversation) bool {
		if c.Network == n && (account == "" || c.Account == account) && c.ReadOnly == "" && !c.Direct {
			target = c
			return false
		}
		return true
	})
	if err != nil || target.ID == "" {
		t.Fatalf("no %s conversation to answer (err %v)", n, err)
	}
	return target
}

// openPolled opens hark on the world with a test clock that starts now
// and polls every feed once (what a poll did is the test's to check).
func (w *world) openPolled(t *testing.T, ctx context.Context) (*app.App, *testkit.Clock) {
	t.Helper()
	clk := testkit.NewClock(time.Now())
	a := w.openApp(t, ctx, app.Options{Now: clk.Now})
	a.Engine.PollOnce(ctx)
	return a, clk
}

// pollAll polls every feed once; each poll must succeed.
func pollAll(t *testing.T, ctx context.Context, a *app.App) {
	t.Helper()
	for _, r := range a.Engine.PollOnce(ctx) {
		if r.Err != nil {
			t.Fatalf("poll %s: %v", r.Feed, r.Err)
		}
	}
}
