package mastodon

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// FuzzErrorBody feeds arbitrary error answers — status, Content-Type, body,
// X-RateLimit-Reset — to the classifier of every refused request (and the
// token redaction after it): it must never panic, every refusal is a typed
// error whose kind follows the status, and the token never survives in its
// text even when the body echoes it.
func FuzzErrorBody(f *testing.F) {
	for _, name := range []string{"error_401.json", "error_403_scope.json", "error_404.json", "error_422_too_long.json",
		"error_429.json", "error_502_proxy.html", "gotosocial_error_400_too_long.json"} {
		f.Add(401, "application/json", fixture(f, name), "2026-11-22T08:10:00.000Z")
	}
	f.Add(429, "application/json; charset=utf-8", []byte(`{"error":"Too many requests","error_description":"slow"}`), "2026-11-22T08:10:00Z")
	f.Add(502, "text/html", []byte("<html>\x1b]0;pwned\x07</html>"), "")
	f.Add(400, "", []byte(`{"error":{"nested":1},"error_description":["x"]}`), "yesterday")
	f.Add(401, "application/json", []byte(`{"error":"token fuzz-token-secret-123 revoked"}`), "")
	f.Add(422, "application/json", []byte(`{"error":"`+strings.Repeat("é", 150)+`fuzz-token-secret-123"}`), "")
	const token = "fuzz-token-secret-123"
	a := newAPI(Options{Server: "https://social.example", Token: token, Account: "acme",
		Now: func() time.Time { return time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC) }})
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte, reset string) {
		status = 300 + (status%300+300)%300
		h := http.Header{}
		h.Set("Content-Type", ctype)
		h.Set("X-RateLimit-Reset", reset)
		parseISOReset(reset)
		err := social.Redact(a.classify(&web.Response{Status: status, Header: h, Body: body}), token)
		if err == nil {
			t.Fatalf("status %d not classified", status)
		}
		k := social.KindOf(err)
		switch {
		case status == http.StatusTooManyRequests && k != social.RateLimited,
			status == http.StatusUnauthorized && k != social.Auth,
			status >= 500 && k != social.Transient:
			t.Fatalf("status %d classified %v: %v", status, k, err)
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), token[:12]+"…") {
			t.Fatalf("the token survived: %v", err)
		}
	})
}
