package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/tui"
)

// harkIn runs the command tree in-process with a clean XDG home.
func harkIn(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := Root()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func cleanHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "c"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "s"))
	t.Setenv("TMPDIR", dir)
	return dir
}

// A command without its arguments says what it needs and gives an
// example (issue 15: `hark reply` said "accepts 2 arg(s), received 0";
// `hark search` said "requires at least 1 arg(s), only received 0").
func TestReplyUsage(t *testing.T) {
	cleanHome(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"reply"}, "usage: hark reply ID TEXT"},
		{[]string{"reply", "12"}, "usage: hark reply ID TEXT"},
		{[]string{"reply", "12", "We're", "on", "it"}, "usage: hark reply ID TEXT"},
		{[]string{"search"}, "usage: hark search QUERY"},
		{[]string{"canned", "new"}, "usage: hark canned new NAME BODY"},
		{[]string{"canned", "new", "late-parcel", "Hi", "there"}, "usage: hark canned new NAME BODY"},
	} {
		_, _, err := harkIn(t, append([]string{"--demo"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "e.g. hark") || strings.Contains(err.Error(), "arg(s)") {
			t.Errorf("%q: %v", tt.args, err)
		}
	}
}

// `export --csv` is `export --format csv` (as `stats --csv` is).
func TestExportCSVFlag(t *testing.T) {
	dir := cleanHome(t)
	db := filepath.Join(dir, "demo.db")
	if _, stderr, err := harkIn(t, "--demo", "--db", db, "poll", "--once"); err != nil {
		t.Fatalf("poll: %v %s", err, stderr)
	}
	want, _, err := harkIn(t, "--demo", "--db", db, "export", "--format", "csv")
	if err != nil || !strings.HasPrefix(want, "id,brand,") {
		t.Fatalf("--format csv: %v\n%s", err, want)
	}
	got, _, err := harkIn(t, "--demo", "--db", db, "export", "--csv")
	if err != nil || got != want {
		t.Fatalf("--csv: %v\n%s\nwant\n%s", err, got, want)
	}
	if _, _, err := harkIn(t, "--demo", "--db", db, "export", "--csv", "--format", "jsonl"); err == nil || !strings.Contains(err.Error(), "choose one") {
		t.Fatalf("--csv --format jsonl: %v", err)
	}
}

// `hark --demo --config F` takes F's keys and theme (issue 15), and
// doctor fails on a key table or colour exactly when the TUI would not
// start with it.
func TestDemoKeysThemeAndDoctor(t *testing.T) {
	dir := cleanHome(t)
	for _, tt := range []struct {
		name, yaml string
		bad        string // in doctor's output when the TUI refuses it
	}{
		{"rebound keys and a light theme", "keys:\n  quit: x\n  reply: r,a\ntheme:\n  name: light\n  colors:\n    accent: \"#ff8800\"\n", ""},
		{"one key for two actions", "keys:\n  quit: q\n  help: q\n", `"q" is bound to both`},
		{"an unknown action", "keys:\n  frobnicate: x\n", "unknown action frobnicate"},
		{"a colour that is none", "theme:\n  colors:\n    accent: blurple\n", "not a colour"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(&flags{demo: true, config: path}, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.bad == "" && (cfg.Keys["quit"] != "x" || cfg.Theme.Name != "light" || cfg.Theme.Colors["accent"] != "#ff8800") {
				t.Fatalf("the demo did not take the config's keys and theme: %v %+v", cfg.Keys, cfg.Theme)
			}
			if !cfg.Demo || len(cfg.Accounts) != 3 {
				t.Fatalf("not the demo: %+v", cfg.Accounts)
			}
			// what the TUI says at start
			a, err := app.Open(context.Background(), cfg, app.Options{Offline: true, Now: func() time.Time { return time.Now() }})
			if err != nil {
				t.Fatal(err)
			}
			_, tuiErr := tui.New(a.TUIDeps("test", nil))
			a.Close()
			out, _, err := harkIn(t, "--demo", "--config", path, "doctor")
			var ex ExitError
			failed := errors.As(err, &ex) && ex.Code == 1
			if (tuiErr != nil) != failed || (tt.bad != "") != failed {
				t.Fatalf("TUI start: %v; doctor failed: %v (%v)\n%s", tuiErr, failed, err, out)
			}
			if tt.bad != "" && (!strings.Contains(out, tt.bad) || !strings.Contains(tuiErr.Error(), tt.bad)) {
				t.Fatalf("doctor does not say %q (the TUI: %v):\n%s", tt.bad, tuiErr, out)
			}
			if !strings.Contains(out, "demo:") && !strings.Contains(out, "signed in") {
				t.Fatalf("doctor stopped at the config and checked no account:\n%s", out)
			}
			// the same file as the config of a real hark
			out, _, err = harkIn(t, "--config", path, "doctor")
			if failed := errors.As(err, &ex) && ex.Code == 1; failed != (tt.bad != "") || !strings.Contains(out, tt.bad) {
				t.Fatalf("doctor --config: failed %v (%v), want %v:\n%s", failed, err, tt.bad != "", out)
			}
		})
	}
}

// `hark doctor` with no config checks the demo, and says so first.
func TestDoctorWithoutConfigSaysItChecksTheDemo(t *testing.T) {
	cleanHome(t)
	out, _, err := harkIn(t, "doctor")
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.HasPrefix(first, "no config at ") || !strings.Contains(first, "hark init") {
		t.Fatalf("doctor begins %q", first)
	}
	out, _, err = harkIn(t, "--demo", "doctor")
	if err != nil || strings.Contains(out, "no config") {
		t.Fatalf("doctor --demo: %v\n%s", err, out)
	}
}

// hark doctor before hark has run checks the accounts and says there is
// no store yet, and makes none (it made an empty store, where a mistyped
// --db left a stray file); once hark has run, it checks the store.
func TestDoctorBeforeTheFirstRun(t *testing.T) {
	home := cleanHome(t)
	db := filepath.Join(home, "first.db")
	out, _, err := harkIn(t, "--demo", "--db", db, "doctor")
	if err != nil || !strings.Contains(out, "store (bbolt)\n  · none yet at "+db+": hark makes it when it first runs") || !strings.Contains(out, "demo") {
		t.Fatalf("doctor before the first run: %v\n%s", err, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatalf("doctor made a store at %s", db)
	}
	if _, _, err := harkIn(t, "--demo", "--db", db, "poll", "--once"); err != nil {
		t.Fatal(err)
	}
	out, _, err = harkIn(t, "--demo", "--db", db, "doctor")
	if err != nil || strings.Contains(out, "none yet") || !strings.Contains(out, "store (bbolt)\n  ✓ ") {
		t.Fatalf("doctor after the first run: %v\n%s", err, out)
	}
}

// hark reply acts on what a store holds, a conversation: given a bbolt
// file that is not there (a mistyped --db) it says so and makes nothing
// (it made an empty store there, failed on the missing conversation and
// left the file behind). A status post may be a store's first write.
func TestReplyNeedsTheStore(t *testing.T) {
	home := cleanHome(t)
	db := filepath.Join(home, "typo.db")
	for _, args := range [][]string{{"reply", "1", "hello"}, {"reply", "--at", "tomorrow", "1", "hello"}} {
		_, _, err := harkIn(t, append([]string{"--demo", "--db", db}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "no store at "+db) {
			t.Errorf("%s: %v", args[0], err)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("%s made a store at %s", args[0], db)
		}
	}
}

// A running hark that stops answering a reply (killed mid-request) leaves
// the reply perhaps queued: the command says so, not just EOF.
func TestWriteToAHarkThatStops(t *testing.T) {
	home := cleanHome(t)
	db := filepath.Join(home, "held.db")
	cfg, err := loadConfig(&flags{demo: true, db: db}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sock := socketPath(cfg)
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // takes the request and dies
		c, err := l.Accept()
		if err == nil {
			c.Read(make([]byte, 4096))
			c.Close()
		}
	}()
	_, _, err = harkIn(t, "--demo", "--db", db, "reply", "9", "hello")
	if err == nil || !strings.Contains(err.Error(), "stopped answering") || !strings.Contains(err.Error(), "it may have done it before it stopped") {
		t.Fatalf("reply to a hark that stops: %v", err)
	}
}
