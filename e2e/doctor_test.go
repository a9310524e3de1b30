package e2e

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hark-tui/hark/cli"
	"github.com/hark-tui/hark/internal/fakenet"
)

// doctorSections splits `hark doctor` output into the lines of each feed,
// by feed id (a section starts with "<feed id> (brand …)").
func doctorSections(out string) map[string]string {
	sec := map[string]string{}
	cur := ""
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			id, _, ok := strings.Cut(l, " (brand ")
			if ok {
				cur = id
				continue
			}
			cur = ""
		}
		if cur != "" {
			sec[cur] += l + "\n"
		}
	}
	return sec
}

func TestDoctorReportsEachAccount(t *testing.T) {
	w := newWorld(t)
	if _, _, err := w.hark(t, "poll", "--once"); err != nil {
		t.Fatal(err)
	}

	out, stderr, err := w.hark(t, "doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s\n%s", err, out, stderr)
	}
	// Each account, signed in as the identity its network resolved.
	want := map[string]string{
		feedMastodon: "✓ signed in as @acmecoffee@social.example (Acme Coffee ☕)",
		feedBluesky:  "✓ signed in as @" + fakenet.BlueskyHandle,
		feedX:        "✓ signed in as @" + fakenet.XUsername + " (Acme Coffee)",
		feedRSS:      "✓ reachable",
	}
	sec := doctorSections(out)
	for _, id := range allFeeds {
		s, ok := sec[id]
		if !ok {
			t.Errorf("doctor does not report %s:\n%s", id, out)
			continue
		}
		if !strings.Contains(s, want[id]) {
			t.Errorf("doctor on %s: want %q in\n%s", id, want[id], s)
		}
		if !strings.Contains(s, "last ok ") {
			t.Errorf("doctor on %s does not show the last poll:\n%s", id, s)
		}
		if id != feedRSS && !strings.Contains(s, "rate limit: ") {
			t.Errorf("doctor on %s does not show the rate limit:\n%s", id, s)
		}
	}
	if !strings.Contains(out, "all feeds OK") {
		t.Errorf("doctor summary:\n%s", out)
	}
	if len(sec) != len(allFeeds) {
		t.Errorf("doctor reports %d feeds, want %d:\n%s", len(sec), len(allFeeds), out)
	}

	// A broken secret on one account: its fake refuses it (Mastodon 401 on
	// a revoked token, Bluesky 401 on a wrong app password, X 401 on a bad
	// OAuth signature); doctor names that account and exits 1.
	for _, c := range []struct {
		feed, env, secret string
	}{
		{feedMastodon, fakenet.EnvMastodonToken, fakenet.MastodonToken},
		{feedBluesky, fakenet.EnvBlueskyPassword, fakenet.BlueskyPassword},
		{feedX, fakenet.EnvXAccessSecret, fakenet.XAccessSecret},
	} {
		t.Run(c.feed, func(t *testing.T) {
			t.Setenv(c.env, "revoked-"+c.secret)
			out, _, err := w.hark(t, "doctor")
			var exit cli.ExitError
			if !errors.As(err, &exit) || exit.Code != 1 {
				t.Fatalf("doctor with a broken secret: err = %v, want cli.ExitError{Code: 1}\n%s", err, out)
			}
			sec := doctorSections(out)
			if s := sec[c.feed]; !strings.Contains(s, "✗ credentials: ") || !strings.Contains(s, "401") || strings.Contains(s, "✓") {
				t.Errorf("doctor does not say %s is broken:\n%s", c.feed, out)
			}
			for _, id := range allFeeds {
				if id != c.feed && !strings.Contains(sec[id], "✓") {
					t.Errorf("doctor: %s should still be fine:\n%s", id, out)
				}
			}
			if !strings.Contains(out, "1 feed(s) broken") {
				t.Errorf("doctor summary with one broken account:\n%s", out)
			}
			if strings.Contains(out, c.secret) {
				t.Errorf("doctor printed a secret:\n%s", out)
			}
		})
	}
	var statuses []int
	for _, r := range w.nets.Mastodon.Find("GET", "/api/v1/accounts/verify_credentials") {
		statuses = append(statuses, r.Status)
	}
	// doctor, doctor with the revoked token, then the two other cases
	if !slices.Equal(statuses, []int{200, 401, 200, 200}) {
		t.Errorf("verify_credentials answered %v, want [200 401 200 200]", statuses)
	}
	if w.nets.X.AuthFailures() != 1 {
		t.Errorf("x refused %d requests for their signature, want 1", w.nets.X.AuthFailures())
	}
}
