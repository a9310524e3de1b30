package bluesky

import (
	"fmt"

	"github.com/hark-tui/hark/social"
	"github.com/rivo/uniseg"
)

// Text limits of app.bsky.feed.post and chat.bsky.convo messages.
const (
	PostGraphemes = 300
	PostBytes     = 3000
	DMGraphemes   = 1000
	DMBytes       = 10000
)

// Limits implements social.Limiter for Bluesky.
type Limits struct{}

// Count implements social.Limiter. Bluesky enforces two limits at once:
// graphemes and UTF-8 bytes (posts 300 / 3000, DMs 1000 / 10000). The
// bytes are scaled into graphemes (÷10, rounded up) and n is whichever is
// larger, so n ≤ limit exactly when the text passes both checks.
func (Limits) Count(text string, direct bool) (n, limit int) {
	g := uniseg.GraphemeClusterCount(text)
	limit, maxBytes := PostGraphemes, PostBytes
	if direct {
		limit, maxBytes = DMGraphemes, DMBytes
	}
	scale := maxBytes / limit // 10 for both
	b := (len(text) + scale - 1) / scale
	return max(g, b), limit
}

// DescribeCount implements social.LimitDescriber: which of the two limits
// (graphemes, UTF-8 bytes) the reply breaks, in those units.
func (Limits) DescribeCount(r social.Reply) string {
	text, direct := r.Text, r.Direct
	g := uniseg.GraphemeClusterCount(text)
	limit, maxBytes := PostGraphemes, PostBytes
	if direct {
		limit, maxBytes = DMGraphemes, DMBytes
	}
	switch {
	case g > limit:
		return fmt.Sprintf("%d characters (graphemes); bluesky allows %d", g, limit)
	case len(text) > maxBytes:
		return fmt.Sprintf("%d bytes of UTF-8 (%d characters); bluesky allows %d bytes", len(text), g, maxBytes)
	}
	return ""
}

// DescribeCount implements social.LimitDescriber on the client too.
func (c *Client) DescribeCount(r social.Reply) string { return Limits{}.DescribeCount(r) }

// Count implements social.Limiter on the client too.
func (c *Client) Count(text string, direct bool) (n, limit int) { return Limits{}.Count(text, direct) }
