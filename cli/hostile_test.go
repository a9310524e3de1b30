package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// hostileCorpus is textsafe's corpus of hostile text (escape sequences, C0
// and C1 controls, bidi overrides, invisible characters, invalid UTF-8)
// plus spreadsheet formulas, by name.
func hostileCorpus(t *testing.T) (names []string, data map[string]string) {
	t.Helper()
	paths, err := filepath.Glob("../textsafe/testdata/nasty/*.txt")
	if err != nil || len(paths) < 30 {
		t.Fatalf("textsafe corpus: %d files, %v", len(paths), err)
	}
	data = map[string]string{
		"formula-plus":  "+cmd|' /C calc'!A0",
		"formula-eq":    "=HYPERLINK(\"http://evil.invalid\",\"x\")",
		"formula-minus": "-2+3+cmd|' /C calc'!A0",
		"formula-at":    "@SUM(1+1)*cmd|' /C calc'!A0",
		"formula-tab":   "\t=1+1",
		"formula-cr":    "\r=1+1",
		"c1-raw-bytes":  "a\x9b2Jb\x9d0;pwned\x9cc",
		"bidi-c1-mix":   "\u202eevil\u202c \u0085next \u009b31m",
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[strings.TrimSuffix(filepath.Base(p), ".txt")] = string(b)
	}
	for n := range data {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, data
}

// hostileWorld is a store holding one conversation per corpus entry — the
// entry as the post's text, author handle, display name, URL, language and
// brand — and a config (mode 0600) pointing at it.
func hostileWorld(t *testing.T) (cfg, db string, data map[string]string) {
	t.Helper()
	names, data := hostileCorpus(t)
	now := time.Now().Add(-time.Hour)
	var posts []social.Post
	for i, n := range names {
		s := data[n]
		posts = append(posts, social.Post{
			Network: social.RSS, Account: "hostile", Brand: []string{"Acme", s}[i%2], RemoteID: fmt.Sprint("p", i),
			URL: "https://example.invalid/" + s, Author: social.Author{Handle: s, DisplayName: s, URL: s},
			Text: s, Lang: s, CreatedAt: now.Add(time.Duration(i) * time.Second), Kind: social.KindMention,
			Meta: map[string]string{s: s},
		})
	}
	tri := func(c *social.Conversation, _ social.Post, _ store.Contact) {
		c.Priority, c.Reasons = 70, []string{"urgent: \x1b]0;pwned\x07", "\u202egnp.exe"}
	}
	cfg, db = storeWorld(t, "hostile.db", "Acme", "hostile", func(st store.Store) {
		ctx := context.Background()
		if _, err := st.Ingest(ctx, "rss:hostile", "", posts, tri, now); err != nil {
			t.Fatal(err)
		}
		// the outbox: replies to those authors with that text, some
		// failed with it as their error, some sent with it as their link
		for i, n := range names {
			s := data[n]
			ent, err := st.Enqueue(ctx, social.Reply{ID: fmt.Sprint("r", i), Network: social.RSS, Account: s, ConvID: fmt.Sprint(i + 1),
				To: social.Post{Author: social.Author{Handle: s}}, Text: s, Direct: i%3 == 0}, false, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.UpdateOutbox(ctx, ent.Seq, func(x *store.OutboxEntry) error {
				x.Attempts, x.LastError, x.Uncertain = 1, s, i%4 == 0
				x.State = []store.OutboxState{store.OutFailed, store.OutSent, store.OutQueued}[i%3]
				x.Sent = social.Sent{RemoteID: s, URL: s}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	})
	return cfg, db, data
}

// storeWorld is a store file (name) in a test folder, which holds the XDG
// state and config folders too, filled by fill, and a config with that
// store, a log file, brand and an RSS feed of it named feed.
func storeWorld(t *testing.T, name, brand, feed string, fill func(store.Store)) (cfg, db string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	db = filepath.Join(dir, name)
	st, err := store.Open(db, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	fill(st)
	st.Close()
	cfg = filepath.Join(dir, "config.yaml")
	body := "store: " + db + "\nlog_file: " + filepath.Join(dir, "hark.log") + "\nbrands:\n  - name: " + brand + "\n" +
		"feeds:\n  - name: " + feed + "\n    url: http://127.0.0.1:9/feed.xml\n    brand: " + brand + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

// run runs the command tree with args and returns stdout, stderr.
func run(t *testing.T, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	out, errs, err := harkIn(t, args...)
	return []byte(out), []byte(errs), err
}

// TestEveryOutputFormatIsTerminalSafe prints a hostile corpus in every
// format the CLI has — text (queue, stats, outbox), JSON (stats, outbox),
// JSON Lines and CSV (export, stats) — and scans what it wrote byte by byte: no escape
// sequence, control character, bidi control or invalid UTF-8 may reach the
// terminal, whether stdout is a terminal, a pipe or a file.
func TestEveryOutputFormatIsTerminalSafe(t *testing.T) {
	cfg, _, data := hostileWorld(t)
	for _, args := range [][]string{
		{"queue", "--view", "all", "-n", "100"},
		{"queue", "--json", "--view", "all", "-n", "100"},
		{"search", "-n", "100", "--", "-zzzqx"},
		{"search", "--json", "-n", "100", "--", "-zzzqx"},
		{"stats"},
		{"stats", "--json"},
		{"stats", "--csv"},
		{"stats", "--by", "operator", "--csv"},
		{"export"},
		{"export", "--format", "csv"},
		{"outbox", "--sent", "100"},
		{"outbox", "--json", "--sent", "100"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, err := run(t, append([]string{"--config", cfg}, args...)...)
			if err != nil {
				t.Fatalf("%v (stderr %q)", err, errOut)
			}
			if len(out) < 200 {
				t.Fatalf("printed only %q", out)
			}
			for what, b := range map[string][]byte{"stdout": out, "stderr": errOut} {
				if err := textsafe.Scan(b, false); err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			t.Logf("%d bytes scanned, no terminal control", len(out)+len(errOut))
		})
	}

	// JSON Lines stays exact: every line decodes to the stored text.
	out, _, err := run(t, "--config", cfg, "export")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var c social.Conversation
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		seen[c.Contact.Handle] = true
	}
	for n, s := range data {
		if utf8.ValidString(s) && !seen[s] {
			t.Errorf("%s: the exported contact handle does not decode to the stored text", n)
		}
	}
}

// TestCSVExportNeutralisesFormulas: a cell that starts with =, +, -, @, tab
// or CR is a formula to a spreadsheet, whichever column it is in.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	cfg, _, _ := hostileWorld(t)
	out, _, err := run(t, "--config", cfg, "export", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 30 {
		t.Fatalf("%d rows", len(rows))
	}
	contacts := 0
	for _, row := range rows[1:] {
		for col, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s: cell %q starts a formula", rows[0][col], cell)
			}
		}
		if strings.HasPrefix(row[6], "'+cmd") {
			contacts++
		}
	}
	if contacts != 1 {
		t.Errorf("the contact +cmd|… was not exported neutralised once (%d)", contacts)
	}
}

// TestExportSkipsADamagedRecord: a conversation the store cannot decode is
// skipped and reported; every other one is still exported.
func TestExportSkipsADamagedRecord(t *testing.T) {
	cfg, db, data := hostileWorld(t)
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("convs"))
		k, _ := b.Cursor().First()
		return b.Put(append([]byte(nil), k...), []byte("{not json"))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"jsonl", "csv"} {
		out, _, err := run(t, "--config", cfg, "export", "--format", format)
		if err == nil || !strings.Contains(err.Error(), "conversation 1") || !strings.Contains(err.Error(), "1 damaged conversation(s) skipped") {
			t.Errorf("%s: error %v, want the damaged conversation 1 reported", format, err)
		}
		lines := bytes.Count(out, []byte("\n"))
		want := len(data) - 1
		if format == "csv" {
			want++ // the header
		}
		if lines != want {
			t.Errorf("%s: %d lines, want %d (every other conversation)", format, lines, want)
		}
	}
}
