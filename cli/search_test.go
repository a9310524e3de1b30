package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// searchWorld is a store with a generated history (every conversation
// through the engine's poll path) and a config pointing at it.
func searchWorld(t *testing.T) (cfg string) {
	t.Helper()
	cfg, _ = storeWorld(t, "hark.db", "Skylark Air", "news", func(st store.Store) {
		if err := benchgen.Build(context.Background(), st, benchgen.Gen{N: 300}, nil); err != nil {
			t.Fatal(err)
		}
	})
	return cfg
}

// hark search finds a word that occurs only in customers' first posts
// (never in a preview), prints like hark queue, and as JSON; hark store
// reindex rebuilds the index with a progress report.
func TestSearchCommand(t *testing.T) {
	cfg := searchWorld(t)
	out, errOut, err := run(t, "--config", cfg, "search", "-n", "5", benchgen.RareWord)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 6 || !strings.Contains(lines[5], "(5 of ") {
		t.Fatalf("want 5 conversations and a count:\n%s", out)
	}
	for _, l := range lines[:5] {
		if strings.Contains(l, benchgen.RareWord) {
			t.Errorf("the word is in the preview, so this proves nothing: %s", l)
		}
	}
	out, _, err = run(t, "--config", cfg, "search", "--json", "-n", "0", `"could you send us"`, "lang:en")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Total         int
		Conversations []struct{ ID, Lang string }
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Total == 0 || len(res.Conversations) != res.Total {
		t.Fatalf("json: %d of %d", len(res.Conversations), res.Total)
	}
	for _, c := range res.Conversations {
		if c.Lang != "en" {
			t.Errorf("#%s is %q", c.ID, c.Lang)
		}
	}
	if out, _, _ = run(t, "--config", cfg, "search", "tag:nosuchtag"); !strings.Contains(string(out), "(no match)") {
		t.Errorf("tag: with no contact: %s", out)
	}
	_, errOut, err = run(t, "--config", cfg, "store", "reindex", "--fresh")
	if err != nil || !strings.Contains(string(errOut), "indexed 300 conversations") {
		t.Fatalf("reindex: %v: %s", err, errOut)
	}
	// a mistyped --db is no store: nothing is made there (it was created
	// empty, and its index said complete)
	typo := cfg + ".typo.db"
	if _, _, err := run(t, "--config", cfg, "--db", typo, "store", "reindex"); err == nil || !strings.Contains(err.Error(), "no store at "+typo) {
		t.Fatalf("reindex of no store: %v", err)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Fatal("reindex made a store where there was none")
	}
}

// While hark holds the store, hark search asks it over its socket, the
// query included (positional arguments travel after --, a leading - of a
// negated term too).
func TestSearchAnsweredByRunningHark(t *testing.T) {
	cfgPath := searchWorld(t)
	cfg, err := loadConfig(&flags{config: cfgPath}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, app.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stop := serveReads(context.Background(), a)
	defer stop()
	out, errOut, err := run(t, "--config", cfgPath, "search", "-n", "2", "--", benchgen.RareWord, "-lang:de")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 3 || !strings.Contains(lines[2], "(2 of ") {
		t.Fatalf("the running hark's answer:\n%s", out)
	}
}

// writeColumns lines columns up in terminal cells (wide and accented
// characters too) and makes every cell safe.
func TestWriteColumns(t *testing.T) {
	var b strings.Builder
	if err := writeColumns(&b, [][]string{
		{"northwind-medical-priority-pl", "Northwind Energy", "pl", "Rejestr"},
		{"ok", "", "en", "Billing"},
		{"日本語", "Ação\x1b[2J", "ja", "\u202etitle"},
	}); err != nil {
		t.Fatal(err)
	}
	want := "northwind-medical-priority-pl  Northwind Energy  pl  Rejestr\n" +
		"ok                                               en  Billing\n" +
		"日本語                         Ação              ja  ⟨RLO⟩title\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// -n is how many to list, 0 all of them, as the help says; a negative -n
// or --days is refused with what to give instead (queue -n 0 printed one
// conversation on bbolt and none on PostgreSQL; --days 0 covered 14).
func TestListingNumbers(t *testing.T) {
	now := time.Now().Add(-time.Hour)
	cfg, _ := storeWorld(t, "n.db", "Acme", "acme", func(st store.Store) {
		var posts []social.Post
		for i := range 25 {
			posts = append(posts, social.Post{Network: social.RSS, Account: "acme", Brand: "Acme", RemoteID: fmt.Sprint("p", i),
				Author: social.Author{Handle: fmt.Sprint("@c", i)}, Text: "help", CreatedAt: now.Add(time.Duration(i) * time.Second), Kind: social.KindMention})
		}
		if _, err := st.Ingest(context.Background(), "rss:acme", "", posts, nil, now); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		args  []string
		lines int
		err   string
	}{
		{[]string{"queue"}, 20, ""},
		{[]string{"queue", "-n", "3"}, 3, ""},
		{[]string{"queue", "-n", "0"}, 25, ""},
		{[]string{"queue", "-n", "-3"}, 0, "-n -3: use 0 (all) or more"},
		{[]string{"queue", "--view", "bogus"}, 0, "--view \"bogus\""},
		{[]string{"search", "-n", "-1", "help"}, 0, "-n -1: use 0 (all) or more"},
		{[]string{"statuses", "-n", "-1"}, 0, "-n -1: use 0 (all) or more"},
		{[]string{"stats", "--days", "0"}, 0, "--days 0: use 1 or more"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, _, err := run(t, append([]string{"--config", cfg}, tc.args...)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(out), "\n"); n != tc.lines {
				t.Fatalf("%d lines, want %d:\n%s", n, tc.lines, out)
			}
		})
	}
}

// TestForwardedFlags: a command asked of a running hark sends its flags a
// value at a time (a repeated flag's String is "[a,b]", which would come
// back as one value) and its file names as absolute paths (the running
// hark has its own folder).
func TestForwardedFlags(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	c := replyCmd(&flags{})
	if err := c.ParseFlags([]string{"--image", "a.png", "--alt", "a board, and a gate", "--image", "/tmp/b.png", "--alt", "x=y", "--dm"}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(commandFlags(c), "\n")
	want := strings.Join([]string{"--alt=a board, and a gate", "--alt=x=y", "--dm=true", "--image=" + wd + "/a.png", "--image=/tmp/b.png"}, "\n")
	if got != want {
		t.Fatalf("sent:\n%s\nwant:\n%s", got, want)
	}
	// and they read back as given
	back := replyCmd(&flags{})
	if err := back.ParseFlags(commandFlags(c)); err != nil {
		t.Fatal(err)
	}
	if alts, _ := back.Flags().GetStringArray("alt"); len(alts) != 2 || alts[0] != "a board, and a gate" {
		t.Fatalf("alts read back: %q", alts)
	}
}

// hark outbox lists what waits; retry sends a failed entry again at once
// and says what came of it; discard gives up on it for good.
func TestOutboxCommand(t *testing.T) {
	cfg, _ := storeWorld(t, "hark.db", "Acme", "news", func(st store.Store) {
		ctx := context.Background()
		ent, err := st.Enqueue(ctx, social.Reply{ID: "r1", Network: social.RSS, Account: "news", ConvID: "7",
			To: social.Post{Author: social.Author{Handle: "ann"}}, Text: "We are on it"}, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateOutbox(ctx, ent.Seq, func(x *store.OutboxEntry) error {
			x.State, x.Attempts, x.LastError = store.OutFailed, 3, "HTTP 503"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	hark := func(args ...string) (string, error) {
		out, errOut, err := run(t, append([]string{"--config", cfg}, args...)...)
		return string(out) + string(errOut), err
	}
	if out, err := hark("outbox"); err != nil || !strings.HasPrefix(out, "1  failed  #7 → ann on rss/news  3 tries  We are on it  [HTTP 503]") {
		t.Fatalf("outbox: %v\n%s", err, out)
	}
	// retried now: this config has no account that sends on RSS, so it
	// fails again, and says why
	if out, err := hark("outbox", "retry", "1"); err == nil || !strings.Contains(err.Error(), "reply failed: no account configured to send on rss/news") {
		t.Fatalf("retry: %v\n%s", err, out)
	}
	if out, err := hark("outbox", "--json"); err != nil || !strings.Contains(out, `"state": "failed"`) || !strings.Contains(out, `"conversation": "7"`) ||
		!strings.Contains(out, `"last_error": "no account configured to send on rss/news"`) {
		t.Fatalf("outbox --json after the retry: %v\n%s", err, out)
	}
	for _, bad := range []string{"x", "0", "99"} {
		if _, err := hark("outbox", "discard", bad); err == nil {
			t.Errorf("discard %s: no error", bad)
		}
	}
	if out, err := hark("outbox", "discard", "1"); err != nil || out != "discarded (outbox 1): it is never sent\n" {
		t.Fatalf("discard: %v\n%s", err, out)
	}
	if out, err := hark("outbox"); err != nil || !strings.HasPrefix(out, "(nothing waits") {
		t.Fatalf("outbox after the discard: %v\n%s", err, out)
	}
}

// hark resolve, reopen, pending and snooze change conversations from a
// script, each id its own change, and say what each is now; an id that
// fails is said and fails the command, the others are changed.
func TestConversationStateCommands(t *testing.T) {
	now := time.Now().Add(-time.Hour)
	cfg, _ := storeWorld(t, "hark.db", "Acme", "news", func(st store.Store) {
		var posts []social.Post
		for i, who := range []string{"ann", "bob"} {
			posts = append(posts, social.Post{Network: social.RSS, Account: "news", Brand: "Acme", RemoteID: who,
				Author: social.Author{Handle: who}, Text: "help, " + who, CreatedAt: now.Add(time.Duration(i) * time.Second), Kind: social.KindMention})
		}
		if _, err := st.Ingest(context.Background(), "rss:news", "", posts, nil, now); err != nil {
			t.Fatal(err)
		}
	})
	hark := func(args ...string) (string, string, error) {
		out, errOut, err := run(t, append([]string{"--config", cfg}, args...)...)
		return string(out), string(errOut), err
	}
	for _, tc := range []struct {
		args      []string
		out, errs string
		fails     bool
	}{
		{args: []string{"resolve", "1", "2"}, out: "#1 ann Acme: resolved\n#2 bob Acme: resolved\n"},
		{args: []string{"reopen", "1", "99"}, out: "#1 ann Acme: open\n", errs: "#99: conversation 99: not found\n", fails: true},
		{args: []string{"pending", "2"}, out: "#2 bob Acme: pending\n"},
		{args: []string{"snooze", "1", "yesterday"}, fails: true},
		{args: []string{"snooze", "1", "2h", "--note", "courier"}, out: "#1 ann Acme: snoozed until "},
		{args: []string{"resolve"}, fails: true},
	} {
		out, errs, err := hark(tc.args...)
		if (err != nil) != tc.fails || !strings.HasPrefix(out, tc.out) || (tc.errs != "" && errs != tc.errs) {
			t.Errorf("%v: %v\nstdout %q\nstderr %q", tc.args, err, out, errs)
		}
	}
	if out, _, err := hark("queue", "--view", "all"); err != nil || !strings.Contains(out, "snoozed") || !strings.Contains(out, "pending") {
		t.Fatalf("queue after the changes: %v\n%s", err, out)
	}
	// queue --json: the view's total and its conversations
	out, _, err := hark("queue", "--json", "--view", "pending")
	var q struct {
		Total         int `json:"total"`
		Conversations []struct {
			ID, State string
		} `json:"conversations"`
	}
	if err != nil || json.Unmarshal([]byte(out), &q) != nil || q.Total != 1 || len(q.Conversations) != 1 || q.Conversations[0].ID != "2" {
		t.Fatalf("queue --json --view pending: %v\n%s", err, out)
	}
	if out, _, err := hark("queue", "--json", "--view", "all", "-n", "1"); err != nil || !strings.Contains(out, `"total": 2,`) {
		t.Fatalf("queue --json --view all -n 1: %v\n%s", err, out)
	}
}
