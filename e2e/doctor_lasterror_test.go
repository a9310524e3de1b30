package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// A feed whose last poll failed is not "OK", even when doctor's own check
// of it passes: doctor shows the last error and does not say all feeds
// are OK.
func TestDoctorDoesNotCallALastErrorOK(t *testing.T) {
	w := newWorld(t)
	w.nets.Mastodon.Intercept(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/notifications" {
				http.Error(rw, "upstream down", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	w.hark(t, "poll", "--once") // the Mastodon feed fails
	w.nets.Mastodon.Intercept(nil)

	out, _, _ := w.hark(t, "doctor")
	sec := doctorSections(out)
	if s := sec[feedMastodon]; !strings.Contains(s, "✓ signed in") || !strings.Contains(s, "✗ ") || !strings.Contains(s, "last error: ") || !strings.Contains(s, "503") {
		t.Errorf("doctor on %s does not show its last error:\n%s", feedMastodon, s)
	}
	if strings.Contains(out, "all feeds OK") {
		t.Errorf("doctor says all feeds are OK under a last error:\n%s", out)
	}
	if !strings.Contains(out, "1 feed(s) failed at their last poll") {
		t.Errorf("doctor summary:\n%s", out)
	}
}
