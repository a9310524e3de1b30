package app

import (
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
