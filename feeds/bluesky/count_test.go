package bluesky

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/rivo/uniseg"
)

func TestCount(t *testing.T) {
	family := "👨‍❤️‍👨" // one grapheme, 20 bytes
	tests := []struct {
		name   string
		text   string
		direct bool
		n, max int
	}{
		{"empty", "", false, 0, 300},
		{"ascii", "hello", false, 5, 300},
		{"skin tone emoji is one grapheme", "👋🏽", false, 1, 300},
		{"flag", "🇪🇪", false, 1, 300},
		{"combining marks", "e\u0301e\u0301", false, 2, 300},
		{"300 graphemes", strings.Repeat("a", 300), false, 300, 300},
		{"301 graphemes", strings.Repeat("a", 301), false, 301, 300},
		{"300 combining graphemes, 900 bytes", strings.Repeat("e\u0301", 300), false, 300, 300},
		{"3000 bytes exactly", strings.Repeat(family, 150), false, 300, 300},
		{"3001 bytes binds before graphemes", strings.Repeat(family, 150) + "a", false, 301, 300},
		{"bytes bind at 151 graphemes", strings.Repeat(family, 151), false, 302, 300},
		{"one family emoji costs two", family, false, 2, 300},
		{"dm 1000", strings.Repeat("ä", 1000), true, 1000, 1000},
		{"dm 1001", strings.Repeat("ä", 1001), true, 1001, 1000},
		{"dm 10000 bytes", strings.Repeat(family, 500), true, 1000, 1000},
		{"dm 10020 bytes", strings.Repeat(family, 501), true, 1002, 1000},
	}
	c := New(Options{})
	for _, tt := range tests {
		n, max := c.Count(tt.text, tt.direct)
		if n != tt.n || max != tt.max {
			t.Errorf("%s: got %d/%d, want %d/%d", tt.name, n, max, tt.n, tt.max)
		}
		// n ≤ limit exactly when both network limits hold.
		g, b := uniseg.GraphemeClusterCount(tt.text), len(tt.text)
		fits := g <= PostGraphemes && b <= PostBytes
		if tt.direct {
			fits = g <= DMGraphemes && b <= DMBytes
		}
		if (n <= max) != fits {
			t.Errorf("%s: %d/%d disagrees with the network (graphemes %d, bytes %d)", tt.name, n, max, g, b)
		}
	}
}

// Over the limit, the reply says which of Bluesky's two limits it breaks,
// in that unit: 200 family emoji are 200 characters but 3,600 bytes.
func TestDescribeCountNamesTheLimit(t *testing.T) {
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467" // 18 bytes, 1 grapheme
	tests := []struct {
		text string
		want string
	}{
		{strings.Repeat(family, 200), "3600 bytes of UTF-8 (200 characters); bluesky allows 3000 bytes"},
		{strings.Repeat("a", 301), "301 characters (graphemes); bluesky allows 300"},
		{"fine", ""},
	}
	for _, tt := range tests {
		if got := (Limits{}).DescribeCount(social.Reply{Text: tt.text}); got != tt.want {
			t.Errorf("DescribeCount(%d bytes) = %q, want %q", len(tt.text), got, tt.want)
		}
	}
}
