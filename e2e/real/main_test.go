//go:build e2ereal

package real

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"

	"github.com/hark-tui/hark/internal/testkit"
)

var harkBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hark-real-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	harkBin = filepath.Join(dir, "hark")
	cmd := exec.Command("go", "build", "-o", harkBin, "github.com/hark-tui/hark")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hark:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// readEnv reads a KEY=value file as the peer scripts write them.
func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v — start the servers with `make e2e-real` (or ../shared/peers/*-up.sh up)", err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if ok {
			out[strings.TrimPrefix(k, "export ")] = strings.Trim(v, `"'`)
		}
	}
	return out
}

// harkEnv is one hark installation: a config, a store, a log, canned
// answers, XDG folders, and the secrets in its environment.
type harkEnv struct {
	dir, cfg string
	env      []string
}

// cannedAnswer is the canned file every installation has (the TUI
// scenario picks it by its shortcut).
const cannedAnswer = `---
title: Looking into it
shortcut: lookin
---
Hi {{.Name}}, thanks for telling us. We're looking into it right now.
`

func newHark(t *testing.T, accountYAML string, secrets map[string]string) *harkEnv {
	t.Helper()
	dir := t.TempDir()
	h := &harkEnv{dir: dir, cfg: filepath.Join(dir, "config.yaml")}
	cfg := fmt.Sprintf(`store: %q
log_file: %q
canned_dir: %q
demo: false
agent:
  name: Alice Agent
brands:
  - name: Alice Co
    signature: "^{{.Initials}}"
    sla_minutes: 60
    hours:
      always_open: true
      time_zone: UTC
accounts:
%stheme:
  bell: false
`, filepath.Join(dir, "hark.db"), filepath.Join(dir, "hark.log"), filepath.Join(dir, "canned"), accountYAML)
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "canned"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "canned", "looking.md"), []byte(cannedAnswer), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm-256color", "NO_COLOR=1",
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}
	for k, v := range secrets {
		h.env = append(h.env, k+"="+v)
	}
	return h
}

// run runs hark to the end and returns stdout+stderr.
func (h *harkEnv) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, harkBin, append([]string{"--config", h.cfg}, args...)...)
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (h *harkEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := h.run(t, args...)
	if err != nil {
		t.Fatalf("hark %s: %v\n%s\nlog:\n%s", strings.Join(args, " "), err, out, h.logTail())
	}
	return out
}

func (h *harkEnv) logTail() string {
	b, _ := os.ReadFile(filepath.Join(h.dir, "hark.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// proc is hark running in the background, its output collected.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (h *harkEnv) start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{done: make(chan error, 1)}
	p.cmd = exec.Command(harkBin, append([]string{"--config", h.cfg}, args...)...)
	p.cmd.Env = h.env
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

func (p *proc) output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

// waitOutput waits until the output matches re (or the process ends).
func (p *proc) waitOutput(t *testing.T, re *regexp.Regexp, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if m := re.FindString(p.output()); m != "" {
			return m
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("hark exited (%v) before printing %s:\n%s", err, re, p.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("hark did not print %s within %s:\n%s", re, d, p.output())
	return ""
}

// stop ends the process with SIGTERM (SIGKILL after 15 s).
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("hark did not stop within 15 s of SIGTERM")
	}
}

// readStore opens the store read-only (hark must not be running) for f.
func (h *harkEnv) readStore(t *testing.T, f func(st store.Store) error) {
	t.Helper()
	st, err := store.Open(filepath.Join(h.dir, "hark.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := f(st); err != nil {
		t.Fatal(err)
	}
}

// convOf returns the conversation holding the post with this remote id.
func (h *harkEnv) convOf(t *testing.T, remoteID string) social.Conversation {
	t.Helper()
	var found social.Conversation
	h.readStore(t, func(st store.Store) error {
		return st.ForEachConv(context.Background(), func(c social.Conversation) bool {
			if slices.ContainsFunc(c.PostKeys, func(k string) bool { return strings.HasSuffix(k, "/"+remoteID) }) {
				found = c
				return false
			}
			return true
		})
	})
	if found.ID == "" {
		t.Fatalf("no conversation holds post %s\nlog:\n%s", remoteID, h.logTail())
	}
	return found
}

// pollConv runs `hark poll --once`, which must report the post with this
// remote id as new, and returns its conversation.
func (h *harkEnv) pollConv(t *testing.T, remoteID string) social.Conversation {
	t.Helper()
	if out := h.must(t, "poll", "--once"); !strings.Contains(out, remoteID) {
		t.Fatalf("poll --once did not store %s:\n%s", remoteID, out)
	}
	return h.convOf(t, remoteID)
}

// postText returns the stored text of the post with this remote id in c.
func (h *harkEnv) postText(t *testing.T, c social.Conversation, remoteID string) string {
	t.Helper()
	i := slices.IndexFunc(c.PostKeys, func(k string) bool { return strings.HasSuffix(k, "/"+remoteID) })
	if i < 0 {
		t.Fatalf("conversation %s has no post %s", c.ID, remoteID)
	}
	var text string
	h.readStore(t, func(st store.Store) error {
		p, err := st.Post(context.Background(), c.PostKeys[i])
		text = p.Text
		return err
	})
	return text
}

// outbox returns the store's outbox entries.
func (h *harkEnv) outbox(t *testing.T) []store.OutboxEntry {
	t.Helper()
	var out []store.OutboxEntry
	h.readStore(t, func(st store.Store) (err error) {
		out, err = st.Outbox(context.Background(), func(store.OutboxEntry) bool { return true })
		return err
	})
	return out
}

// token is a word no earlier run posted: scenarios find their own posts
// by it on servers that keep every run's posts.
func token(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

// eventually retries f every 250 ms until it returns true or d passes
// (testkit.PollEvery: a real server's answers are slow to change).
func eventually(d time.Duration, f func() bool) bool {
	return testkit.PollEvery(d, 250*time.Millisecond, f)
}
