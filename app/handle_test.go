package app

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
)

// The CLI prints handles as people write them: @ first on every social
// network (Bluesky and X store them without it), RSS authors as they are.
func TestHandle(t *testing.T) {
	for _, tt := range []struct {
		n       social.Network
		in, out string
	}{
		{social.Bluesky, "jonas.bsky.social", "@jonas.bsky.social"},
		{social.X, "maria_lopez_es", "@maria_lopez_es"},
		{social.Mastodon, "@maria@tooters.example", "@maria@tooters.example"},
		{social.Demo, "lucia.fdez", "@lucia.fdez"},
		{social.RSS, "www.reddit.com", "www.reddit.com"},
		{social.Bluesky, "", ""},
		{social.Bluesky, "evil\x1b[2Jname", "@evil\uFFFDname"}, // textsafe.Handle: no escape sequence
	} {
		if got := Handle(tt.n, tt.in); got != tt.out {
			t.Errorf("Handle(%s, %q) = %q, want %q", tt.n, tt.in, got, tt.out)
		}
	}
}

// A queue line ends with why the conversation is where it is, in
// brackets; with no reason, with nothing (it printed "[]").
func TestQueueLineReasons(t *testing.T) {
	c := social.Conversation{ID: "7", Priority: 10, State: social.StateNew, Brand: "Acme", Network: social.Mastodon,
		Contact: social.Author{Handle: "@bob@x.example"}, Preview: "hello"}
	if got := QueueLine(c, c.DueAt); strings.HasSuffix(got, "]") || !strings.HasSuffix(got, "hello") {
		t.Errorf("no reasons: %q", got)
	}
	c.Reasons = []string{"urgent: broken", "VIP\x1b[2J"}
	if got := QueueLine(c, c.DueAt); !strings.HasSuffix(got, "hello  [urgent: broken; VIP]") {
		t.Errorf("reasons: %q", got)
	}
}
