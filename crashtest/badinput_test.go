package crashtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/internal/testkit"
)

// TestBadInputExitsClearly runs the real binary on broken configuration and
// broken stores: each must exit non-zero with a message that names the file
// and says what to do, and must leave the file as it was.
func TestBadInputExitsClearly(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := func(extra string) string {
		return "store: " + filepath.Join(dir, "ok.db") + "\nlog_file: " + filepath.Join(dir, "hark.log") + "\n" +
			"brands:\n  - name: Acme\naccounts:\n  - name: acme\n    network: mastodon\n    brand: Acme\n    server: https://social.example\n" + extra
	}
	corrupt := write("corrupt.db", strings.Repeat("not a bbolt file ", 1000), 0o600)
	truncated := truncatedStore(t, filepath.Join(dir, "truncated.db"))
	empty := write("empty.db", "", 0o600)

	cases := []struct {
		name string
		cfg  string // config body ("" = use args only)
		env  []string
		args []string
		want []string // all must appear in stderr
	}{
		{name: "unknown key", cfg: base("    token: env:T\nthemes: dark\n"), want: []string{"themes", "config.yaml"}},
		{name: "wrong type", cfg: base("    token: env:T\n    interval: often\n"), want: []string{"interval", "config.yaml"}},
		{name: "literal token", cfg: base("    token: abc123secret\n"), want: []string{"token", "env:", "cmd:"}},
		{name: "missing token variable", cfg: base("    token: env:HARK_TEST_NOPE\n"), want: []string{"HARK_TEST_NOPE"}},
		{name: "failing token command", cfg: base("    token: 'cmd:echo oops >&2; exit 4'\n"), want: []string{"oops", "exit status 4"}},
		{name: "bad yaml", cfg: "brands: [\n", want: []string{"YAML", "config.yaml"}},
		{name: "missing config", args: []string{"--config", filepath.Join(dir, "nope.yaml"), "queue"}, want: []string{"nope.yaml", "hark init"}},
		{name: "corrupted store", args: []string{"--demo", "--db", corrupt, "queue"}, want: []string{corrupt, "move it aside"}},
		// a store cut short must not be mapped: pages past the end crashed
		// the runtime (SIGBUS, "fatal error: fault")
		{name: "truncated store", args: []string{"--demo", "--db", truncated, "queue"}, want: []string{truncated, "the file is damaged", "cut short", "move it aside"}},
		{name: "truncated store, writing", args: []string{"--demo", "--db", truncated, "poll", "--once"}, want: []string{truncated, "the file is damaged", "move it aside"}},
		{name: "empty store", args: []string{"--demo", "--db", empty, "queue"}, want: []string{empty, "empty (0 bytes)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			var cfgPath string
			var before []byte
			if tc.cfg != "" {
				cfgPath = write("config.yaml", tc.cfg, 0o600)
				before = []byte(tc.cfg)
				args = []string{"--config", cfgPath, "poll", "--once"}
			}
			var corruptBefore []byte
			var damaged string
			switch tc.name {
			case "corrupted store":
				damaged = corrupt
			case "truncated store", "truncated store, writing":
				damaged = truncated
			case "empty store":
				damaged = empty
			}
			if damaged != "" {
				corruptBefore, _ = os.ReadFile(damaged)
			}
			cmd := exec.Command(harkBin, args...)
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg-c"), "XDG_STATE_HOME="+filepath.Join(dir, "xdg-s"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("hark did not exit")
			}
			if err == nil {
				t.Fatalf("exit 0; stderr: %s", stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if cfgPath != "" {
				if after, _ := os.ReadFile(cfgPath); !bytes.Equal(after, before) {
					t.Error("the config file was changed")
				}
			}
			if damaged != "" {
				if after, _ := os.ReadFile(damaged); !bytes.Equal(after, corruptBefore) {
					t.Error("the damaged store was changed")
				}
			}
			for _, crash := range []string{"fatal error", "SIGBUS", "goroutine ", "bad file descriptor"} {
				if strings.Contains(stderr.String(), crash) {
					t.Errorf("stderr has %q:\n%s", crash, stderr.String())
				}
			}
		})
	}
}

// TestSecondHarkAndNewerSchema: a store held by a running hark (for a
// command that needs the store itself: a poll, a reindex, an engine,
// which is told which hark holds it), and a store written by a newer hark, are refused
// quickly with the reason and the fix.
func TestSecondHarkAndNewerSchema(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "c"), "XDG_STATE_HOME="+filepath.Join(dir, "s"))
	db := filepath.Join(dir, "held.db")
	first := exec.Command(harkBin, "--demo", "--db", db, "poll")
	first.Env = env
	firstOut := &testkit.Buffer{}
	first.Stdout = firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	if !testkit.Poll(10*time.Second, func() bool { return strings.Contains(firstOut.String(), "polling") }) {
		t.Fatal("first hark did not start")
	}
	// (reading commands, queue among them, hark reply, hark post and
	// hark poll --once are answered by the running hark over its socket:
	// reads_test.go)
	for _, args := range [][]string{{"poll"}, {"poll", "--backfill", "7d"}, {"store", "reindex"}, {"engine"}} {
		cmd := exec.Command(harkBin, append([]string{"--demo", "--db", db}, args...)...)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err == nil {
			t.Fatalf("%v: second hark on a held store exited 0", args)
		}
		if took > 10*time.Second { // a hang, not a figure: the lock wait is 1.5 s, the rest is a loaded machine
			t.Errorf("%v: took %v to give up", args, took)
		}
		if !strings.Contains(string(out), db) || !strings.Contains(string(out), "in use by another hark") {
			t.Errorf("%v: unclear message: %s", args, out)
		}
		// a hark that needs the store itself is told which hark holds it
		// and what to run instead
		if args[0] == "engine" && !strings.Contains(string(out), fmt.Sprintf("hark poll (pid %d) holds it and polls it: to answer beside it, run hark serve in its place", first.Process.Pid)) {
			t.Errorf("%v: does not name the hark that holds the store: %s", args, out)
		}
	}

	newer := filepath.Join(dir, "newer.db")
	bdb, err := bolt.Open(newer, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("meta"))
		return b.Put([]byte("schema"), []byte("99"))
	})
	bdb.Close()
	before, _ := os.ReadFile(newer)
	cmd := exec.Command(harkBin, "--demo", "--db", newer, "queue")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "newer hark") || !strings.Contains(string(out), newer) {
		t.Fatalf("newer schema: %v %s", err, out)
	}
	if after, _ := os.ReadFile(newer); !bytes.Equal(before, after) {
		t.Fatal("a newer store was changed")
	}
}

// truncatedStore writes a real bbolt store of a few megabytes at path and
// cuts it to half its length, its header intact.
func truncatedStore(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("posts"))
		if err != nil {
			return err
		}
		for i := 0; i < 4000; i++ {
			if err := b.Put([]byte(fmt.Sprintf("key-%06d", i)), bytes.Repeat([]byte{'x'}, 1000)); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	return path
}
