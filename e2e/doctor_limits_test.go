package e2e

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/fakenet"
)

// A 429 on the credentials check is the server asking to wait, not bad
// credentials: doctor says rate-limited, counts nothing broken and exits
// 0; a refused app password names what to check in Bluesky's words
// (issue 17, item 10).
func TestDoctorRateLimitedIsNotBroken(t *testing.T) {
	w := newWorld(t)
	reset := time.Now().Add(4 * time.Minute).UTC()
	w.nets.Mastodon.Intercept(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v1/accounts/verify_credentials" {
				next.ServeHTTP(rw, r)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			rw.Header().Set("X-RateLimit-Limit", "300")
			rw.Header().Set("X-RateLimit-Remaining", "0")
			rw.Header().Set("X-RateLimit-Reset", reset.Format("2006-01-02T15:04:05.000000Z"))
			rw.WriteHeader(http.StatusTooManyRequests)
			rw.Write(fakenet.Fixture("mastodon/error_429.json"))
		})
	})
	out, stderr, err := w.hark(t, "doctor")
	if err != nil {
		t.Fatalf("doctor with a rate-limited check: %v, want exit 0\n%s\n%s", err, out, stderr)
	}
	sec := doctorSections(out)[feedMastodon]
	if !strings.Contains(sec, "! rate-limited until "+reset.Local().Format("15:04:05")) || strings.Contains(sec, "✗") {
		t.Errorf("doctor does not report the 429 as rate-limited:\n%s", out)
	}
	if !strings.Contains(out, "no feed broken; 1 rate-limited") {
		t.Errorf("doctor's summary:\n%s", out)
	}

	t.Setenv(fakenet.EnvBlueskyPassword, "wrong-app-password")
	out, _, _ = w.hark(t, "doctor")
	if s := doctorSections(out)[feedBluesky]; !strings.Contains(s, "check the app password") || strings.Contains(s, "token") {
		t.Errorf("a refused Bluesky app password is not named as such:\n%s", s)
	}
}

// Listening that finds nothing says so: doctor's line for a keyword feed
// whose searches came back empty reads "found nothing yet", not just ✓.
func TestDoctorSaysASearchFoundNothing(t *testing.T) {
	w := newWorld(t)
	cfg := mustRead(t, w.cfg)
	cfg = strings.Replace(cfg, "    token: env:"+fakenet.EnvMastodonToken+"\n",
		"    token: env:"+fakenet.EnvMastodonToken+"\n    search: [\"zzqqxx\"]\n", 1)
	if err := os.WriteFile(w.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w.nets.Mastodon.Intercept(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v2/search" {
				rw.Header().Set("Content-Type", "application/json")
				rw.Write([]byte(`{"accounts":[],"statuses":[],"hashtags":[]}`))
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	if out, stderr, err := w.hark(t, "poll", "--once"); err != nil {
		t.Fatalf("poll --once: %v\n%s\n%s", err, out, stderr)
	}
	out, _, err := w.hark(t, "doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	sec := doctorSections(out)
	if s := sec[feedMastodon+":search:zzqqxx"]; !strings.Contains(s, "found nothing yet") {
		t.Errorf("doctor does not say the search found nothing:\n%s", out)
	}
	if s := sec[feedMastodon]; strings.Contains(s, "found nothing") || !strings.Contains(s, "post(s) stored") {
		t.Errorf("doctor on the mentions feed:\n%s", s)
	}
}
