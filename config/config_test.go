package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/hours"
	"github.com/hark-tui/hark/internal/testkit"
)

// isolate points the XDG dirs at temporary folders and clears HARK_*.
func isolate(t *testing.T) (cfgHome, stateHome string) {
	t.Helper()
	cfgHome, stateHome = t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("XDG_STATE_HOME", stateHome)
	for _, e := range EnvVars() {
		t.Setenv(e, "")
	}
	return cfgHome, stateHome
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	return testkit.WriteFile(t, t.TempDir(), "config.yaml", content)
}

// envRefs lists the variables the config's env: secrets name.
func envRefs(c *Config) []string {
	var out []string
	for _, a := range c.Accounts {
		for _, s := range []Secret{a.Token, a.Password, a.ConsumerKey, a.ConsumerSecret, a.AccessToken, a.AccessSecret} {
			if v, ok := strings.CutPrefix(string(s), "env:"); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func TestExampleFilesIdentical(t *testing.T) {
	root, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, Example()) {
		t.Fatal("config.example.yaml and config/example.yaml differ: copy config/example.yaml over the root file")
	}
}

func TestLoadExample(t *testing.T) {
	cfgHome, stateHome := isolate(t)
	path := writeFile(t, string(Example()))
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load example: %v", err)
	}
	refs := envRefs(c)
	if len(refs) != 5 {
		t.Fatalf("example names %d env secrets, want 5: %v", len(refs), refs)
	}
	for _, v := range refs {
		t.Setenv(v, "value-of-"+v)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate example: %v", err)
	}
	for _, a := range c.Accounts {
		if strings.HasPrefix(string(a.Token), "env:") {
			got, err := a.Token.Resolve(context.Background())
			if err != nil || got != "value-of-HARK_ACME_MASTODON_TOKEN" {
				t.Fatalf("resolve %s = %q, %v", a.Token, got, err)
			}
		}
	}

	if c.Path != path || c.Demo || c.Profile != "default" {
		t.Errorf("path/demo/profile = %q %v %q", c.Path, c.Demo, c.Profile)
	}
	if want := filepath.Join(stateHome, "hark", "default.db"); c.Store != want {
		t.Errorf("store = %q, want %q", c.Store, want)
	}
	if want := filepath.Join(stateHome, "hark", "hark.log"); c.LogFile != want {
		t.Errorf("log file = %q, want %q", c.LogFile, want)
	}
	if want := filepath.Join(cfgHome, "hark", "canned"); c.CannedDir != want {
		t.Errorf("canned dir = %q, want %q", c.CannedDir, want)
	}
	if len(c.Operators) != 2 || c.Operators[1].Initials != "AK" || c.Team.ClaimIdle != 5*time.Minute {
		t.Errorf("operators = %+v, team = %+v", c.Operators, c.Team)
	}
	if c.Agent.Name != "Jane Doe" || c.Agent.Initials != "JD" {
		t.Errorf("agent = %+v", c.Agent)
	}
	if len(c.Brands) != 2 || len(c.Accounts) != 4 || len(c.Feeds) != 3 {
		t.Fatalf("brands/accounts/feeds = %d/%d/%d", len(c.Brands), len(c.Accounts), len(c.Feeds))
	}
	b := c.Brands[0]
	if b.Hours.TimeZone != "Europe/Madrid" || b.Hours.Days["mon"] != "08:00-14:00, 15:00-19:00" || len(b.Hours.Holidays) != 3 {
		t.Errorf("hours = %+v", b.Hours)
	}
	if b.Urgent["es"][0] != "reembolso" || b.Vars["order_url"] == "" || len(b.VIPs) != 3 {
		t.Errorf("brand extras = %+v", b)
	}
	wantNet := []string{"mastodon", "bluesky", "x", "demo"}
	for i, a := range c.Accounts {
		if a.Network != wantNet[i] {
			t.Errorf("accounts[%d].network = %q, want %q", i, a.Network, wantNet[i])
		}
	}
	if c.Accounts[0].Interval != 60*time.Second || c.Accounts[2].Interval != 5*time.Minute {
		t.Errorf("intervals = %v %v", c.Accounts[0].Interval, c.Accounts[2].Interval)
	}
	if c.Accounts[1].Password != "cmd:pass show hark/acme-bluesky" {
		t.Errorf("bluesky password ref = %q", c.Accounts[1].Password)
	}
	if c.Feeds[0].Interval != 15*time.Minute || c.Feeds[1].Interval != DefaultFeedInterval || c.Feeds[1].Type != "rss" {
		t.Errorf("feeds = %+v", c.Feeds)
	}
	if c.Theme.Name != "dark" || c.Theme.Bell == nil || !*c.Theme.Bell || c.Theme.Colors["accent"] != "#7D56F4" {
		t.Errorf("theme = %+v", c.Theme)
	}
	if c.Outbox.MaxAttempts != 8 {
		t.Errorf("outbox = %+v", c.Outbox)
	}
}

func TestLoadDecodeErrors(t *testing.T) {
	const base = `
brands:
  - name: Acme
accounts:
  - name: a
    network: demo
    brand: Acme
`
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, besides the file name
	}{
		{"unknown top-level key", "profle: work\n", []string{": profle: unknown option", `did you mean "profile"?`}},
		{"unknown nested key", base + "  - name: b\n    network: mastodon\n    brand: Acme\n    tokne: env:X\n",
			[]string{"accounts[1].tokne: unknown option", `did you mean "token"?`}},
		{"unknown key in hours", "brands:\n  - name: A\n    hours:\n      timezone: UTC\n",
			[]string{"brands[0].hours.timezone: unknown option", `did you mean "time_zone"?`}},
		{"path is not an option", "path: /tmp/x\n", []string{": path: unknown option"}},
		{"int field gets text", "brands:\n  - name: A\n    sla_minutes: sixty\n",
			[]string{`brands[0].sla_minutes: "sixty" is not a whole number`}},
		{"int field gets fraction", "brands:\n  - name: A\n    sla_minutes: 60.5\n",
			[]string{"brands[0].sla_minutes: 60.5 is not a whole number"}},
		{"string field gets number", base + "    user_id: 12345\n",
			[]string{"accounts[0].user_id: expected text, got the number 12345", `put it in quotes ("12345")`}},
		{"bool field gets text", "demo: maybe\n", []string{`demo: "maybe" is not true or false`}},
		{"bool field gets number", "demo: 1\n", []string{"demo: expected true or false, got the number 1"}},
		{"duration without unit", base + "    interval: 90\n",
			[]string{"accounts[0].interval: 90 has no unit", `like "90s"`}},
		{"bad duration", base + "    interval: 5 minutes\n",
			[]string{`accounts[0].interval: "5 minutes" is not a duration`}},
		{"list where mapping", "agent: [a, b]\n", []string{"agent: expected a mapping", "got a list"}},
		{"scalar where list", "brands:\n  - name: A\n    vips: \"@maria\"\n",
			[]string{"brands[0].vips: expected a list", `got "@maria"`}},
		{"secret gets number", base + "    token: 42\n", []string{"accounts[0].token: expected a secret reference"}},
		{"invalid yaml", "brands: [\n", []string{"not valid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			path := writeFile(t, tt.yaml)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", c)
			}
			msg := err.Error()
			if !strings.Contains(msg, "config "+path+": ") {
				t.Errorf("error does not name the file %s: %v", path, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\n lacks %q", msg, w)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.File != path {
				t.Errorf("not a *FieldError for %s: %#v", path, err)
			}
		})
	}
}

// A YAML mistake is reported at its own line, not at the line where the
// enclosing block starts (issue 15: a mis-indented key on line 5 was
// reported on line 3).
func TestYAMLErrorLine(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       string
	}{
		{"mis-indented key", "agent:\n  name: Jane\nbrands:\n  - name: Acme\n   sla_minutes: 5\n  - name: B\n", "line 5:"},
		{"tab", "agent:\n  name: Jane\n\tinitials: JD\nbrands:\n  - name: Acme\n", "line 3:"},
		{"unclosed quote", "agent:\n  name: Jane\nbrands:\n  - name: Acme\n    signature: \"x\n  - name: B\n", "line 5:"},
		{"after a multi-line list", "brands:\n  - name: Acme\n    vips: [a,\n      b]\n    sla_minutes: 5\n   hours: x\n", "line 6:"},
		{"unclosed list", "agent:\n  name: Jane\nbrands: [\n  - name: Acme\n", "line 3:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tt.yaml))
			if err == nil || !strings.Contains(err.Error(), "not valid YAML: "+tt.want) {
				t.Fatalf("error %v, want the mistake at %s", err, tt.want)
			}
		})
	}
}

func TestLoadSeveralErrorsAtOnce(t *testing.T) {
	isolate(t)
	path := writeFile(t, "profle: x\ndemo: maybe\nbrands:\n  - name: A\n    sla_minutes: x\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 problems, one a line, got %d:\n%v", len(lines), err)
	}
}

// TestLoadYAMLScalars checks values YAML would type surprisingly.
func TestLoadYAMLScalars(t *testing.T) {
	isolate(t)
	path := writeFile(t, `
brands:
  - name: A
    hours:
      days: {mon: 09:00-17:00}
      holidays: [2026-12-25]
accounts:
  - name: a
    network: x
    brand: A
    user_id: "12345"
    interval: 1m30s
`)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Brands[0].Hours.Holidays; len(got) != 1 || got[0] != "2026-12-25" {
		t.Errorf("holidays = %q", got)
	}
	if got := c.Brands[0].Hours.Days["mon"]; got != "09:00-17:00" {
		t.Errorf("mon = %q", got)
	}
	if a := c.Accounts[0]; a.UserID != "12345" || a.Interval != 90*time.Second {
		t.Errorf("account = %+v", a)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	_, stateHome := isolate(t)
	path := writeFile(t, `
profile: work
demo: false
agent: {name: File Name}
theme: {name: light}
outbox: {max_attempts: 5}
`)
	t.Setenv("HARK_PROFILE", "night")
	t.Setenv("HARK_AGENT_NAME", "Env Operator")
	t.Setenv("HARK_DEMO", "true")
	t.Setenv("HARK_THEME_BELL", "false")
	t.Setenv("HARK_OUTBOX_MAX_ATTEMPTS", "3")
	t.Setenv("HARK_CANNED_DIR", "/srv/canned")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "night" || c.Agent.Name != "Env Operator" || c.Agent.Initials != "EO" || !c.Demo {
		t.Errorf("env did not win: %+v", c)
	}
	if c.Theme.Name != "light" {
		t.Errorf("file value lost: theme %q", c.Theme.Name)
	}
	if c.Theme.Bell == nil || *c.Theme.Bell {
		t.Errorf("bell = %v, want false", c.Theme.Bell)
	}
	if c.Outbox.MaxAttempts != 3 || c.CannedDir != "/srv/canned" {
		t.Errorf("outbox %d canned %q", c.Outbox.MaxAttempts, c.CannedDir)
	}
	if want := filepath.Join(stateHome, "hark", "night.db"); c.Store != want {
		t.Errorf("store = %q, want %q", c.Store, want)
	}

	t.Setenv("HARK_OUTBOX_MAX_ATTEMPTS", "lots")
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), `outbox.max_attempts: "lots" is not a whole number (from $HARK_OUTBOX_MAX_ATTEMPTS)`) {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestLoadMissingFiles(t *testing.T) {
	cfgHome, stateHome := isolate(t)
	t.Run("default file missing gives demo", func(t *testing.T) {
		t.Setenv("HARK_AGENT_NAME", "Night Shift")
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if !c.Demo || c.Path != "" || len(c.Brands) != 3 || len(c.Accounts) != 3 {
			t.Fatalf("not the demo config: %+v", c)
		}
		if c.Agent.Name != "Night Shift" {
			t.Errorf("env not applied to demo: %q", c.Agent.Name)
		}
		if want := filepath.Join(stateHome, "hark", "default.db"); c.Store != want {
			t.Errorf("store = %q, want %q", c.Store, want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("demo config invalid: %v", err)
		}
	})
	t.Run("default file present", func(t *testing.T) {
		def := filepath.Join(cfgHome, "hark", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(def), 0o700); err != nil {
			t.Fatal(err)
		}
		testkit.WriteFile(t, filepath.Dir(def), "config.yaml", "profile: found\n")
		defer os.Remove(def)
		c, err := Load("")
		if err != nil || c.Profile != "found" || c.Path != def || c.Demo {
			t.Fatalf("got %+v, %v", c, err)
		}
	})
	t.Run("explicit file missing", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope.yaml")
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), "config "+p+": file not found") || !strings.Contains(err.Error(), "hark init") {
			t.Fatalf("got %v", err)
		}
	})
}

// validBase is a minimal valid config; tests append to it.
const validBase = `
brands:
  - name: Acme
  - name: Other
    hours: {always_open: true}
accounts:
  - name: acme-demo
    network: demo
    brand: Acme
`

// Two public keys whose private halves were thrown away.
const (
	keyJane = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvEYnAlKY9M2Dizf60K5JwRIEDjxQdbYxyX6vZvhCvR jane@laptop"
	keyAde  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfYIi+46oi6/ELlopQn5jK1cpggmeTXcvburcROdaf6 ade@desktop"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		extra string   // appended to validBase
		yaml  string   // replaces validBase when set
		want  []string // substrings; "" = valid
		never string   // must not appear in the error
	}{
		{name: "valid", want: nil},
		{name: "bad network", extra: "  - name: m\n    network: mastadon\n    brand: Acme\n",
			want: []string{`accounts[1].network: "mastadon" is not one of mastodon, bluesky, x, demo`, "did you mean mastodon?"}},
		{name: "rss account", extra: "  - name: r\n    network: rss\n    brand: Acme\n",
			want: []string{`accounts[1].network: "rss" is not one of`, "go under feeds:"}},
		{name: "missing brand", extra: "  - name: m\n    network: demo\n    brand: Acne\n",
			want: []string{`accounts[1].brand: "Acne" is not a configured brand (brands: "Acme", "Other")`}},
		{name: "empty brand with two brands", extra: "  - name: m\n    network: demo\n",
			want: []string{"accounts[1].brand: is empty"}},
		{name: "literal secret", extra: "  - name: m\n    network: mastodon\n    brand: Acme\n    server: https://m.example\n    token: s3cr3t-t0ken\n",
			want: []string{"accounts[1].token: looks like a literal secret", "token: env:HARK_M_TOKEN", "cmd:"}, never: "s3cr3t-t0ken"},
		{name: "env ref without variable", extra: "  - name: m\n    network: mastodon\n    brand: Acme\n    server: https://m.example\n    token: 'env:'\n",
			want: []string{"accounts[1].token: the env: reference needs a variable name"}},
		{name: "mastodon needs server and token", extra: "  - name: m\n    network: mastodon\n    brand: Acme\n",
			want: []string{"accounts[1].server: is missing", "accounts[1].token: is missing", "env:HARK_M_TOKEN"}},
		{name: "bluesky needs handle and password", extra: "  - name: b\n    network: bluesky\n    brand: Acme\n",
			want: []string{"accounts[1].handle: is missing", "accounts[1].password: is missing"}},
		{name: "x needs four secrets", extra: "  - name: x1\n    network: x\n    brand: Acme\n    consumer_key: env:K\n",
			want:  []string{"accounts[1].consumer_secret: is missing", "accounts[1].access_token: is missing", "accounts[1].access_secret: is missing"},
			never: "accounts[1].consumer_key"},
		{name: "duplicate account", extra: "  - name: acme-demo\n    network: demo\n    brand: Acme\n",
			want: []string{`accounts[1].name: "acme-demo" is used twice`}},
		{name: "account name with slash", extra: "  - name: a/b\n    network: demo\n    brand: Acme\n",
			want: []string{`accounts[1].name: "a/b" cannot be used as a account name`, `no "/"`}},
		{name: "interval below floor", extra: "  - name: m\n    network: mastodon\n    brand: Acme\n    server: https://m.example\n    token: env:T\n    interval: 10s\n",
			want: []string{"accounts[1].interval: 10s is below the mastodon minimum of 30s"}},
		{name: "bad server url", extra: "  - name: m\n    network: mastodon\n    brand: Acme\n    server: m.example\n    token: env:T\n",
			want: []string{`accounts[1].server: "m.example" is not an http(s) URL`}},
		{name: "duplicate brand", yaml: "brands:\n  - name: A\n  - name: A\n",
			want: []string{`brands[1].name: "A" is used by two brands`}},
		{name: "empty brand name", yaml: "brands:\n  - sla_minutes: 5\n", want: []string{"brands[0].name: is empty"}},
		{name: "negative sla", yaml: "brands:\n  - name: A\n    sla_minutes: -5\n", want: []string{"brands[0].sla_minutes: -5 is negative"}},
		{name: "bad time zone", yaml: "brands:\n  - name: A\n    hours: {time_zone: Mars/Olympus}\n",
			want: []string{`brands[0].hours.time_zone: "Mars/Olympus" is not a known time zone`, "Europe/London"}},
		{name: "bad hours range", yaml: "brands:\n  - name: A\n    hours: {days: {mon: 9-17}}\n",
			want: []string{`brands[0].hours.days.mon: "9-17" is not a range`, `"09:00-17:00"`}},
		{name: "overnight range", yaml: "brands:\n  - name: A\n    hours: {days: {fri: \"22:00-06:00\"}}\n",
			want: []string{`brands[0].hours.days.fri: "22:00-06:00" ends before it starts`}},
		{name: "bad day", yaml: "brands:\n  - name: A\n    hours: {days: {mondey: \"09:00-17:00\"}}\n",
			want: []string{`brands[0].hours.days.mondey: "mondey" is not a day`}},
		{name: "bad holiday", yaml: "brands:\n  - name: A\n    hours: {holidays: [25/12/2026]}\n",
			want: []string{`brands[0].hours.holidays[0]: "25/12/2026" is not a date: write it as YYYY-MM-DD`}},
		{name: "closed days ok when always open", yaml: "brands:\n  - name: A\n    hours: {always_open: true, days: {mon: nonsense}}\n"},
		{name: "feed bad url", extra: "feeds:\n  - name: f\n    url: ftp://x.example/feed\n    brand: Acme\n",
			want: []string{`feeds[0].url: "ftp://x.example/feed" is not an http(s) URL`}},
		{name: "feed interval floor", extra: "feeds:\n  - name: f\n    url: https://x.example/feed\n    brand: Acme\n    interval: 30s\n",
			want: []string{"feeds[0].interval: 30s is below the rss minimum of 1m0s"}},
		{name: "feed bad type", extra: "feeds:\n  - name: f\n    type: twitter\n    url: https://x.example/feed\n    brand: Acme\n",
			want: []string{`feeds[0].type: "twitter" is not a feed type`}},
		{name: "single brand is the default", yaml: "brands:\n  - name: Solo\naccounts:\n  - name: d\n    network: demo\nfeeds:\n  - name: f\n    url: https://x.example/feed\n"},
		{name: "theme", extra: "theme: {name: neon}\n", want: []string{`theme.name: "neon" is not one of dark, light, mono`}},
		{name: "outbox", extra: "outbox: {max_attempts: -1}\n", want: []string{"outbox.max_attempts: -1 is negative"}},
		{name: "operators", extra: "operators:\n  - name: Jane Doe\n    keys: [\"" + keyJane + "\"]\n    brands: [Acme]\n  - name: Ade Kim\n    initials: AK\n    keys: [\"" + keyAde + "\"]\nteam: {claim_idle: 90s}\n"},
		{name: "operator duplicate initials", extra: "operators:\n  - name: Jane Doe\n    keys: [\"" + keyJane + "\"]\n  - name: John Dee\n    initials: jd\n    keys: [\"" + keyAde + "\"]\n",
			want: []string{`operators[1].initials: "jd" are also operators[0]'s initials`}},
		{name: "operator duplicate key", extra: "operators:\n  - name: Jane Doe\n    keys: [\"" + keyJane + "\"]\n  - name: Ade Kim\n    keys: [\"" + keyJane + " other-comment\"]\n",
			want: []string{"operators[1].keys[0]: is the same key as operators[0].keys[0] (SHA256:"}},
		{name: "operator unparsable key", extra: "operators:\n  - name: Jane Doe\n    keys: [\"ssh-ed25519 not-base64 jane\"]\n",
			want: []string{"operators[0].keys[0]: not an OpenSSH public key", "ssh-ed25519 AAAA"}},
		{name: "operator key with options", extra: "operators:\n  - name: Jane Doe\n    keys: ['from=\"10.0.0.1\" " + keyJane + "']\n",
			want: []string{"operators[0].keys[0]: key options (from) are not supported"}},
		{name: "operator without key", extra: "operators:\n  - name: Jane Doe\n",
			want: []string{"operators[0].keys: is empty"}},
		{name: "operator unknown brand", extra: "operators:\n  - name: Jane Doe\n    keys: [\"" + keyJane + "\"]\n    brands: [Acne]\n",
			want: []string{`operators[0].brands[0]: "Acne" is not a configured brand`}},
		{name: "operator without name", extra: "operators:\n  - initials: X\n    keys: [\"" + keyJane + "\"]\n",
			want: []string{"operators[0].name: is empty"}},
		{name: "postgres store", extra: "store: postgres://hark@db.example/hark\nstore_password: env:HARK_PG_PASSWORD\n"},
		{name: "postgres password in the url", extra: "store: postgres://hark:hunter2@db.example/hark\n",
			want: []string{"store: the URL holds a password (value not shown)", "store_password: env:VAR"}, never: "hunter2"},
		{name: "literal store password", extra: "store: postgres://hark@db.example/hark\nstore_password: hunter2\n",
			want: []string{"store_password: looks like a literal secret"}, never: "hunter2"},
		{name: "negative claim idle", extra: "team: {claim_idle: -1m}\n", want: []string{"team.claim_idle: -1m0s is negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			y := tt.yaml
			if y == "" {
				y = validBase + tt.extra
			}
			path := writeFile(t, y)
			c, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			err = c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors %q, got none", tt.want)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, "config "+path+": "+w) && !strings.Contains(msg, w) {
					t.Errorf("error\n%s\nlacks %q", msg, w)
				}
			}
			// Every line names the file.
			for line := range strings.SplitSeq(msg, "\n") {
				if !strings.HasPrefix(line, "config "+path+": ") {
					t.Errorf("line does not start with the file: %q", line)
				}
			}
			if tt.never != "" && strings.Contains(msg, tt.never) {
				t.Errorf("error leaks %q: %s", tt.never, msg)
			}
		})
	}
}

func TestValidateExactMessage(t *testing.T) {
	isolate(t)
	path := writeFile(t, validBase+"  - name: m\n    network: mastadon\n    brand: Acme\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "config " + path + `: accounts[1].network: "mastadon" is not one of mastodon, bluesky, x, demo; did you mean mastodon?`
	if got := c.Validate(); got == nil || got.Error() != want {
		t.Fatalf("got  %v\nwant %s", got, want)
	}
}

// outbox.undo_send: 5 s by default, 0 turns it off, a negative or long
// window is refused; theme.notify takes its modes only.
func TestUndoSendAndNotify(t *testing.T) {
	for _, tt := range []struct {
		yaml   string
		undo   time.Duration
		notify string
		err    string
	}{
		{yaml: "", undo: 5 * time.Second, notify: "auto"},
		{yaml: "outbox: {undo_send: 0s}\ntheme: {notify: osc9}\n", undo: 0, notify: "osc9"},
		{yaml: "outbox: {undo_send: 12s}\ntheme: {notify: \"off\"}\n", undo: 12 * time.Second, notify: "off"},
		{yaml: "outbox: {undo_send: 2h}\n", err: "outbox.undo_send"},
		{yaml: "theme: {notify: popup}\n", err: "theme.notify"},
	} {
		c, err := Load(writeFile(t, "agent: {name: Jane Doe}\ndemo: true\n"+tt.yaml))
		if err == nil {
			err = c.Validate()
		}
		if testkit.CheckErr(t, tt.yaml, err, tt.err) {
			continue
		}
		if c.Outbox.UndoSend == nil || *c.Outbox.UndoSend != tt.undo || c.Theme.Notify != tt.notify {
			t.Errorf("%q: undo_send %v notify %q", tt.yaml, c.Outbox.UndoSend, c.Theme.Notify)
		}
	}
}

func TestDemo(t *testing.T) {
	_, stateHome := isolate(t)
	c := Demo()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.Demo || c.Agent.Name != "Demo Operator" || c.Agent.Initials != "DO" || c.Path != "" {
		t.Errorf("demo = %+v", c)
	}
	wantBrands := []string{"Skylark Air", "Petal & Stem", "Northwind Energy"}
	wantAccounts := []string{"skylark", "petal", "northwind"}
	for i := range wantBrands {
		if c.Brands[i].Name != wantBrands[i] || c.Accounts[i].Name != wantAccounts[i] ||
			c.Accounts[i].Network != "demo" || c.Accounts[i].Brand != wantBrands[i] {
			t.Errorf("brand/account %d = %+v / %+v", i, c.Brands[i], c.Accounts[i])
		}
	}
	if sk := c.Brands[0]; !sk.Hours.AlwaysOpen || sk.SLAMinutes != 60 {
		t.Errorf("Skylark hours = %+v sla %d", sk.Hours, sk.SLAMinutes)
	}
	nw := c.Brands[2].Hours
	if nw.AlwaysOpen || nw.TimeZone != "Europe/London" || nw.Days["mon"] != "08:00-18:00" || nw.Days["sat"] != "" {
		t.Errorf("Northwind hours = %+v", nw)
	}
	if c.Store != filepath.Join(stateHome, "hark", "default.db") {
		t.Errorf("store = %q", c.Store)
	}
	// Each call is independent.
	c.Brands[0].Name = "changed"
	if Demo().Brands[0].Name != "Skylark Air" {
		t.Error("Demo shares state between calls")
	}
}

func TestSecretEnv(t *testing.T) {
	ctx := context.Background()
	t.Setenv("HARK_TEST_TOKEN", "tok-123")
	t.Setenv("HARK_TEST_EMPTY", "")
	got, err := Secret("env:HARK_TEST_TOKEN").Resolve(ctx)
	if err != nil || got != "tok-123" {
		t.Fatalf("got %q, %v", got, err)
	}
	tests := []struct {
		s    Secret
		want string
	}{
		{"env:HARK_TEST_MISSING", "environment variable HARK_TEST_MISSING is not set"},
		{"env:HARK_TEST_EMPTY", "environment variable HARK_TEST_EMPTY is empty"},
		{"env:", "needs a variable name"},
		{"", "secret is empty"},
		{"literal-value-xyz", "not a reference"},
	}
	for _, tt := range tests {
		_, err := tt.s.Resolve(ctx)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.s, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "literal-value-xyz") {
			t.Errorf("error leaks the literal: %v", err)
		}
	}
}

func TestSecretCmd(t *testing.T) {
	ctx := context.Background()
	t.Setenv("HARK_TEST_OUT", "STDOUT-SECRET")
	t.Setenv("HARK_TEST_ERR2", "second-line")
	tests := []struct {
		name    string
		s       Secret
		want    string // value, when wantErr is empty
		wantErr []string
		never   []string
	}{
		{name: "trims newline", s: "cmd:printf 'hunter2\\n'", want: "hunter2"},
		{name: "keeps inner spaces", s: "cmd:echo '  two words'", want: "  two words"},
		{name: "crlf", s: "cmd:printf 'v\\r\\n'", want: "v"},
		{name: "fails", s: `cmd:echo "$HARK_TEST_OUT"; echo 'gpg: decryption failed' >&2; echo "$HARK_TEST_ERR2" >&2; exit 3`,
			wantErr: []string{"secret cmd:", "exit status 3", ": gpg: decryption failed"},
			never:   []string{"STDOUT-SECRET", "second-line"}},
		{name: "prints nothing", s: "cmd:true", wantErr: []string{"printed nothing"}},
		{name: "not found", s: "cmd:hark-no-such-command-xyz", wantErr: []string{"exit status 127", "not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Resolve(ctx)
			if len(tt.wantErr) == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error, got value %q", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q leaks %q", err, n)
				}
			}
		})
	}
}

func TestSecretCmdTimeout(t *testing.T) {
	t.Setenv("HARK_TEST_OUT", "partial-output")
	s := Secret(`cmd:echo "$HARK_TEST_OUT"; echo waiting >&2; sleep 30`)
	start := time.Now()
	_, err := s.resolve(context.Background(), 200*time.Millisecond, 200*time.Millisecond)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish within 200ms") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "partial-output") || !strings.Contains(err.Error(), ": waiting") {
		t.Errorf("timeout error leaks stdout or lacks stderr: %v", err)
	}
	// A generous bound: the sleep is 30 s; returning at all proves the
	// timeout and WaitDelay work.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Secret("cmd:echo x").Resolve(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// A cmd: secret's output is capped at maxSecretOutput bytes: a command
// that prints more is an error, and hark holds at most the cap in memory
// however much it prints (os/exec copies through io.Copy, which used the
// buffer's promoted ReadFrom and read everything).
func TestSecretCmdOutputCapped(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		want string // "" = resolves
	}{
		{"just under the cap", "head -c 1048575 /dev/zero | tr '\\0' a", ""},
		{"just over the cap", "head -c 1048577 /dev/zero | tr '\\0' a", "more than 1048576 bytes"},
		{"20 MiB", "head -c 20971520 /dev/zero | tr '\\0' a", "more than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			v, err := Secret("cmd:" + tc.cmd).Resolve(context.Background())
			runtime.ReadMemStats(&after)
			if tc.want == "" {
				if err != nil || len(v) != 1048575 {
					t.Fatalf("%d bytes, %v", len(v), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("value of %d bytes, error %v; want %q", len(v), err, tc.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("allocated %d MiB for a capped output", got>>20)
			}
		})
	}
}

// The buffer keeps at most its cap whichever way it is written to,
// io.Copy included.
func TestBoundedBufferThroughIOCopy(t *testing.T) {
	b := &boundedBuffer{max: 1 << 20}
	n, err := io.Copy(b, io.LimitReader(zeros{}, 50<<20))
	if err != nil || n != 50<<20 {
		t.Fatalf("copied %d, %v: the rest must be drained", n, err)
	}
	if b.Len() != 1<<20 || !b.over {
		t.Fatalf("kept %d bytes, over %v; want the cap and over", b.Len(), b.over)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestSecretNeverPrintsLiteral(t *testing.T) {
	lit := Secret("hunter2-literal")
	j, _ := json.Marshal(struct{ S Secret }{lit})
	for _, s := range []string{lit.String(), fmt.Sprint(lit), fmt.Sprintf("%v %+v %#v %s", lit, lit, lit, lit), string(j)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("literal leaked: %s", s)
		}
	}
	ref := Secret("env:HARK_X_TOKEN")
	if ref.String() != "env:HARK_X_TOKEN" || !ref.IsRef() || lit.IsRef() || !Secret("cmd:pass x").IsRef() {
		t.Errorf("String/IsRef: %q %v %v", ref.String(), ref.IsRef(), lit.IsRef())
	}
}

func TestCheckPermissions(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		mode os.FileMode
		want []string
	}{
		{0o600, nil},
		{0o400, nil},
		{0o644, []string{"readable by group or others (mode 0644)", "chmod 600"}},
		{0o640, []string{"readable by group or others (mode 0640)"}},
		{0o666, []string{"writable by group or others (mode 0666)", "readable by group or others"}},
		{0o610, []string{"accessible by group or others (mode 0610)"}},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, fmt.Sprintf("c%o.yaml", tt.mode))
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(CheckPermissions(p), "\n")
		if len(tt.want) == 0 && got != "" {
			t.Errorf("%04o: unexpected warning %q", tt.mode, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) || !strings.Contains(got, p) {
				t.Errorf("%04o: warnings %q lack %q or the path", tt.mode, got, w)
			}
		}
	}
	if w := CheckPermissions(filepath.Join(dir, "missing")); w != nil {
		t.Errorf("missing file: %v", w)
	}
}

func TestInit(t *testing.T) {
	cfgHome, _ := isolate(t)
	path, err := Init("", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cfgHome, "hark", "config.yaml"); path != want {
		t.Fatalf("path = %q, want %q", path, want)
	}
	check := func() {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %04o, want 0600", fi.Mode().Perm())
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, Example()) {
			t.Error("file is not the example")
		}
		if w := CheckPermissions(path); w != nil {
			t.Errorf("fresh file warns: %v", w)
		}
	}
	check()
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", fi.Mode().Perm())
	}

	testkit.WriteFile(t, filepath.Dir(path), filepath.Base(path), "profile: mine\n")
	_, err = Init(path, false)
	if err == nil || !strings.Contains(err.Error(), path+" already exists") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwrite without force: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "profile: mine\n" {
		t.Fatal("file changed without force")
	}
	os.Chmod(path, 0o644)
	if _, err := Init(path, true); err != nil {
		t.Fatal(err)
	}
	check()
	if c, err := Load(path); err != nil || c.Profile != "default" {
		t.Fatalf("written example does not load: %v", err)
	}
}

func TestPaths(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	t.Setenv("XDG_STATE_HOME", "/state")
	f, s := Paths()
	if f != "/cfg/hark/config.yaml" || s != "/state/hark" {
		t.Errorf("got %q %q", f, s)
	}
	t.Setenv("HOME", "/home/u")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	f, s = Paths()
	if f != "/home/u/.config/hark/config.yaml" || s != "/home/u/.local/state/hark" {
		t.Errorf("defaults: got %q %q", f, s)
	}
	c := &Config{Store: "~/x.db"}
	c.FillDefaults()
	if c.Store != "/home/u/x.db" {
		t.Errorf("~ not expanded: %q", c.Store)
	}
	c.SetProfile("night")
	if c.Store != "/home/u/x.db" || c.Profile != "night" {
		t.Errorf("explicit store must not follow the profile: %+v", c)
	}
	d := &Config{}
	d.FillDefaults()
	d.SetProfile("night")
	if d.Store != "/home/u/.local/state/hark/night.db" {
		t.Errorf("default store must follow the profile: %q", d.Store)
	}
}

// Business hours are checked by the calendar's own parser (one grammar for
// validation and for the SLA clock); the messages are the config's.
func TestHoursValidation(t *testing.T) {
	tests := []struct {
		in  string
		err string // "" = valid
	}{
		{"09:00-17:00", ""},
		{"13:00-18:00, 8:00-12:30", ""},
		{"00:00-24:00", ""},
		{"closed", ""},
		{"", ""},
		{"24h", ""},
		{"24:00-24:00", "is not a range"},
		{"09:00-17:60", "is not a range"},
		{"9-17", "is not a range"},
		{"09:00", "is not a range"},
		{"17:00-09:00", "ends before it starts"},
		{"09:00-12:00,11:00-13:00", "overlaps"},
	}
	for _, tt := range tests {
		msg := hoursMessage(hours.Check("mon", tt.in))
		if tt.err == "" && msg != "" || tt.err != "" && !strings.Contains(msg, tt.err) {
			t.Errorf("%q: %q, want %q", tt.in, msg, tt.err)
		}
	}
	for _, day := range []string{"mon", "Sunday", "SAT", "mon-fri"} {
		if msg := hoursMessage(hours.Check(day, "09:00-17:00")); msg != "" {
			t.Errorf("day %q refused: %s", day, msg)
		}
	}
	if msg := hoursMessage(hours.Check("mo", "09:00-17:00")); !strings.Contains(msg, "is not a day") {
		t.Errorf("day \"mo\" accepted: %q", msg)
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"Jane Doe": "JD", "Demo Operator": "DO", "cher": "C", "": "", "Ana María de la Cruz": "AC", "łukasz nowak": "ŁN"} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}
