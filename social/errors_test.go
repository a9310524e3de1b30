package social

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	const secret = "tok-0123456789abcdef"
	until := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"no secret", &Error{Kind: Auth, Msg: "bad token"}, "auth: bad token"},
		{"in Msg", fmt.Errorf("mastodon: GET /x: %w", &Error{Kind: Auth, Status: 401, Msg: "token " + secret + " is revoked"}),
			"mastodon: GET /x: auth (HTTP 401): token [redacted] is revoked"},
		{"twice", &Error{Kind: Permanent, Msg: secret + "/" + secret}, "permanent: [redacted]/[redacted]"},
		{"cut short by the one-line limit", &Error{Kind: Auth, Msg: "refused Bearer " + secret[:9] + "…"}, "auth: refused Bearer [redacted]…"},
		{"in a wrapped error", &Error{Kind: RateLimited, Until: until, Msg: "slow down", Err: errors.New("echo " + secret)},
			"rate-limited: slow down: echo [redacted]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Redact(tc.err, secret, "", "ab")
			if tc.err == nil {
				if got != nil {
					t.Fatalf("Redact(nil) = %v", got)
				}
				return
			}
			if got.Error() != tc.want {
				t.Fatalf("%q, want %q", got.Error(), tc.want)
			}
			if KindOf(got) != KindOf(tc.err) {
				t.Errorf("kind changed")
			}
			if u, ok := RetryAt(tc.err); ok {
				if g, ok2 := RetryAt(got); !ok2 || !g.Equal(u) {
					t.Errorf("retry time lost")
				}
			}
			if strings.Contains(got.Error(), secret[:8]) {
				t.Errorf("secret left: %s", got)
			}
		})
	}
	wrapped := Redact(fmt.Errorf("x: %w", context.DeadlineExceeded), secret)
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("errors.Is lost")
	}
}
