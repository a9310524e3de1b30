package e2e

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/cli"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
)

// One account's missing secret does not stop the others (issue 15): poll
// stores what the working accounts bring, the broken one is marked in its
// feed status (the TUI's status line) and in doctor, which checks every
// account anyway and exits 1.
func TestMissingSecretStartsTheRest(t *testing.T) {
	w := newWorld(t)
	t.Setenv(fakenet.EnvMastodonToken, "")
	os.Unsetenv(fakenet.EnvMastodonToken)

	out, stderr, err := w.hark(t, "poll", "--once")
	var exit cli.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Fatalf("poll --once with one secret missing: err = %v, want exit status 1\n%s\n%s", err, out, stderr)
	}
	got := pollCounts(t, out)
	for _, id := range []string{feedBluesky, feedX, feedRSS} {
		if got[id] == 0 {
			t.Errorf("%s stored nothing while another account's secret was missing:\n%s", id, out)
		}
	}
	if !strings.Contains(out, feedMastodon+": error: ") || !strings.Contains(out, "not started") || !strings.Contains(out, fakenet.EnvMastodonToken) {
		t.Errorf("poll does not say why %s did not run:\n%s", feedMastodon, out)
	}

	out, _, err = w.hark(t, "doctor")
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Fatalf("doctor: err = %v, want exit status 1\n%s", err, out)
	}
	sec := doctorSections(out)
	if s := sec[feedMastodon]; !strings.Contains(s, "✗ not started") || !strings.Contains(s, fakenet.EnvMastodonToken) {
		t.Errorf("doctor does not mark %s:\n%s", feedMastodon, out)
	}
	for _, id := range []string{feedBluesky, feedX, feedRSS} {
		if !strings.Contains(sec[id], "✓") {
			t.Errorf("doctor did not check %s:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "1 feed(s) broken") {
		t.Errorf("doctor summary:\n%s", out)
	}

	// What the TUI is given: a warning at start, and the feed's status
	// (the status line) saying it did not start.
	a, err := app.Open(context.Background(), w.loadConfig(t), app.Options{})
	if err != nil {
		t.Fatalf("hark does not start with one secret missing: %v", err)
	}
	defer a.Close()
	if len(a.Warnings) == 0 || !strings.Contains(strings.Join(a.Warnings, "\n"), fakenet.MastodonAccount) {
		t.Errorf("no warning names the broken account: %q", a.Warnings)
	}
	a.Engine.PollOnce(context.Background())
	found := false
	for _, st := range a.Engine.FeedStatuses() {
		switch {
		case st.Feed == feedMastodon:
			found = true
			if st.ErrorKind != engine.ErrorNotStarted || !strings.Contains(st.LastError, fakenet.EnvMastodonToken) {
				t.Errorf("status of %s: %+v", st.Feed, st)
			}
		case st.LastError != "":
			t.Errorf("%s failing: %s", st.Feed, st.LastError)
		}
	}
	if !found {
		t.Errorf("no status for %s", feedMastodon)
	}
}
