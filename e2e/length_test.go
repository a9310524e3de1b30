package e2e

import (
	"strings"
	"testing"
)

// The length check counts the reply as it is sent: hark puts "@kasia "
// in front, so 495 characters of text are 502 for the server, over its
// 500. hark refuses it before sending, saying what it counted, instead
// of shipping a reply the server refuses (issue 17, item 5).
func TestReplyLengthCountsTheMention(t *testing.T) {
	w := newWorld(t)
	c := mastodonKasia(t, w)
	text := strings.Repeat("x", 495)
	out, stderr, err := w.hark(t, "reply", "--no-signature", c.ID, text)
	if err == nil || !strings.Contains(err.Error(), "502 characters") || !strings.Contains(err.Error(), "allows 500") {
		t.Fatalf("hark reply of 495+7 characters: err %v, want a refusal counting 502 of 500\n%s\n%s", err, out, stderr)
	}
	if n := mastodonMade(w.nets, text); n != 0 {
		t.Errorf("the fake got %d statuses, want none", n)
	}
	// 493 + "@kasia " is exactly 500: sent.
	ok := strings.Repeat("y", 493)
	if out, stderr, err := w.hark(t, "reply", "--no-signature", c.ID, ok); err != nil || !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("hark reply of exactly 500: %v\n%s\n%s", err, out, stderr)
	}
}
