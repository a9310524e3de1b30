package web

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// FuzzRateHeaders feeds arbitrary rate-limit and Retry-After headers (and
// an error message) to the parsers every adapter shares: they must never
// panic, a budget they accept is known, and a refusal is classified by its
// status with a short one-line message.
func FuzzRateHeaders(f *testing.F) {
	f.Add("300", "297", "1795334400", "120", 429, "Too many requests")
	f.Add("300", "0", "2026-11-22T08:10:00.000Z", "Sun, 22 Nov 2026 08:10:00 GMT", 429, "")
	f.Add("", "-1", "0", "-5", 503, "<html>Bad gateway</html>")
	f.Add("9999999999999999999", "1e3", "99999999999999999", "9999999999999999999", 401, strings.Repeat("é", 300))
	f.Add(" 15 ", " 14 ", " 1795334400 ", " 0 ", 200, "ok")
	f.Add("\x00", "\xff", "\u202e", "Mon, 02 Jan 2006 15:04:05 MST", 418, "a\nb\tc")
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, limit, remaining, reset, retryAfter string, status int, msg string) {
		h := http.Header{}
		h.Set("X-Rate-Limit-Limit", limit)
		h.Set("X-Rate-Limit-Remaining", remaining)
		h.Set("X-Rate-Limit-Reset", reset)
		h.Set("Retry-After", retryAfter)
		for _, parse := range []func(string) (time.Time, bool){UnixReset, func(v string) (time.Time, bool) {
			tm, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
			return tm, err == nil
		}} {
			if rs, ok := Rate(h, "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", parse); ok && !rs.Known {
				t.Fatalf("accepted budget %+v is not known", rs)
			} else if !ok && rs.Known {
				t.Fatalf("refused budget %+v is known", rs)
			}
		}
		if tm, ok := UnixReset(reset); ok && tm.Unix() <= 0 {
			t.Fatalf("reset %q accepted as %v", reset, tm)
		}
		if tm, ok := RetryAfter(h, now); ok && tm.IsZero() {
			t.Fatalf("Retry-After %q accepted as the zero time", retryAfter)
		}
		status = 100 + (status%500+500)%500
		err := Classify(&Response{Status: status, Header: h}, msg, time.Time{}, now)
		if status >= 200 && status < 300 {
			if err != nil {
				t.Fatalf("status %d classified as %v", status, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("status %d not classified", status)
		}
		var se *social.Error
		if e, ok := err.(*social.Error); ok {
			se = e
		} else {
			t.Fatalf("%T is not a *social.Error", err)
		}
		if status == http.StatusTooManyRequests && se.Kind != social.RateLimited || status == http.StatusUnauthorized && se.Kind != social.Auth {
			t.Fatalf("status %d classified %v", status, se.Kind)
		}
		if strings.ContainsAny(se.Msg, "\n\t") || len(se.Msg) > 200+len("…") {
			t.Fatalf("message not one short line: %q", se.Msg)
		}
		if utf8.ValidString(msg) && !utf8.ValidString(se.Msg) {
			t.Fatalf("message %q became invalid UTF-8", se.Msg)
		}
	})
}
