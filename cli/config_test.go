package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --demo with an explicit --config is the demo with that config's team:
// its operators and team settings, nothing else (not its accounts).
func TestDemoTakesOperatorsFromConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "team.yaml")
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvEYnAlKY9M2Dizf60K5JwRIEDjxQdbYxyX6vZvhCvR jane@laptop"
	yaml := "operators:\n  - name: Jane Doe\n    initials: JD\n    keys: [\"" + key + "\"]\n" +
		"team:\n  claim_idle: 2m\n" +
		"accounts:\n  - name: real\n    network: mastodon\n    brand: Other\n    server: https://example.social\n    token: env:NOPE\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", dir)
	for _, tt := range []struct {
		name   string
		f      flags
		wantOp int
	}{
		{"demo alone", flags{demo: true}, 0},
		{"demo with a team config", flags{demo: true, config: path}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(&tt.f, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.Demo || len(cfg.Operators) != tt.wantOp {
				t.Fatalf("demo %v, %d operators, want the demo with %d", cfg.Demo, len(cfg.Operators), tt.wantOp)
			}
			for _, a := range cfg.Accounts {
				if strings.Contains(a.Name, "real") {
					t.Fatalf("the config's account %q came along", a.Name)
				}
			}
			if tt.wantOp == 1 && (cfg.Operators[0].Initials != "JD" || cfg.Team.ClaimIdle != 2*time.Minute) {
				t.Fatalf("operators %+v, claim idle %s", cfg.Operators, cfg.Team.ClaimIdle)
			}
		})
	}
}

// A config that group or others can write is refused, naming chmod 600,
// before any of its cmd: secrets runs; 0600 and 0644 (a warning) run.
func TestWritableConfigRefusedBeforeSecretsRun(t *testing.T) {
	for _, tc := range []struct {
		mode   os.FileMode
		refuse bool
	}{{0o666, true}, {0o620, true}, {0o602, true}, {0o600, false}, {0o644, false}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
			t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
			marker := filepath.Join(dir, "secret-command-ran")
			path := filepath.Join(dir, "config.yaml")
			yaml := "store: " + filepath.Join(dir, "hark.db") + "\nbrands:\n  - name: Acme\n" +
				"accounts:\n  - name: acme\n    network: mastodon\n    brand: Acme\n    server: http://127.0.0.1:9\n" +
				"    token: \"cmd:touch " + marker + "; echo tok\"\n"
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, stderr, err := run(t, "--config", path, "doctor")
			_, ran := os.Stat(marker)
			if tc.refuse {
				if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) || !strings.Contains(err.Error(), "writable by group or others") {
					t.Fatalf("error %v (stderr %q), want a refusal naming chmod 600", err, stderr)
				}
				if ran == nil {
					t.Fatal("the cmd: secret ran")
				}
				return
			}
			if ran != nil {
				t.Fatalf("the cmd: secret did not run (%v, stderr %q)", err, stderr)
			}
		})
	}
}
