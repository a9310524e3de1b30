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
