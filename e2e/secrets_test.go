package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/testkit"
)

// TestSecretsNeverWritten runs hark with known secrets through polling,
// replies, stats, export, doctor (working and broken) and then looks for
// every secret's bytes in everything hark wrote or printed: the bbolt file,
// the log, exports, stdout and stderr. Secrets only come from env:/cmd:.
func TestSecretsNeverWritten(t *testing.T) {
	w := newWorld(t)
	secrets := map[string]string{}
	for k, v := range w.nets.Env() {
		if strings.Contains(k, "HANDLE") || len(v) < 6 {
			continue // a handle is an identity, not a secret
		}
		secrets[k] = v
	}
	if len(secrets) < 5 {
		t.Fatalf("want the five secrets of the fakes, got %v", secrets)
	}
	var printed bytes.Buffer
	run := func(args ...string) {
		out, errOut, _ := w.hark(t, args...)
		printed.WriteString(out)
		printed.WriteString(errOut)
	}
	run("poll", "--once")
	run("queue", "--view", "all")

	// answer one conversation per network through the engine
	cfg := w.loadConfig(t)
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	convs, _ := a.Store.Top(context.Background(), 0, 50, nil)
	seen := map[string]bool{}
	for _, c := range convs {
		if seen[string(c.Network)] || c.ReadOnly != "" {
			continue
		}
		seen[string(c.Network)] = true
		if _, err := a.Engine.Reply(t.Context(), c.ID, "Thanks, we're looking into it.", engine.ReplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	a.Engine.Deliver(context.Background())
	a.Close()

	run("stats")
	run("stats", "--json")
	run("export")
	run("export", "--format", "csv")
	run("doctor")
	// a broken token: the error path must not print the value either
	t.Setenv("FAKENET_MASTODON_TOKEN", "wrong-"+secrets["FAKENET_MASTODON_TOKEN"])
	run("doctor")
	t.Setenv("FAKENET_MASTODON_TOKEN", secrets["FAKENET_MASTODON_TOKEN"])
	// a failing cmd: secret must report the command's stderr, never its stdout
	bad := strings.Replace(mustRead(t, w.cfg), "env:FAKENET_MASTODON_TOKEN", `'cmd:printf "%s\n" "$FAKENET_MASTODON_TOKEN"; echo nope >&2; exit 3'`, 1)
	badCfg := testkit.WriteFile(t, w.dir, "bad.yaml", bad)
	// (the other accounts run: the run fails, and says why that one did not)
	badOut, errOut, err := w.harkWith(t, badCfg, "poll", "--once")
	if err == nil {
		t.Fatal("a failing token command must fail the run")
	}
	printed.WriteString(badOut)
	printed.WriteString(errOut)
	printed.WriteString(err.Error())
	if !strings.Contains(badOut, "nope") || !strings.Contains(badOut, "exit status 3") {
		t.Fatalf("a failing token command must report its stderr and status: %v\n%s", err, badOut)
	}

	files := map[string][]byte{"printed output": printed.Bytes()}
	filepath.Walk(w.dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || p == w.cfg || p == badCfg {
			return nil
		}
		b, _ := os.ReadFile(p)
		files[p] = b
		return nil
	})
	if len(files) < 3 {
		t.Fatalf("expected a store and a log among %d files", len(files))
	}
	for name, b := range files {
		for k, v := range secrets {
			if i := bytes.Index(b, []byte(v)); i >= 0 {
				t.Errorf("%s holds the secret from %s: …%q…", name, k, b[max(i-80, 0):min(i+len(v)+20, len(b))])
			}
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
