package x

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/internal/testkit"
)

// Cases from twitter-text's conformance suite (conformance/validate.yml,
// weighted tweets with v3 config and emoji parsing) and X's counting doc,
// plus the rules apis.md §4.7 spells out.
func TestWeightedLength(t *testing.T) {
	testkit.Table(t, "WeightedLength", WeightedLength, []testkit.Case[string, int]{
		{"empty", "", 0},
		{"ascii", "This is a test.", 15},
		{"doc example with emoji", "Hello, world! 👋", 16},
		{"mix of single and double weight with zwj family", "H🐱☺👨‍👩‍👧‍👦", 7},
		{"skin tone and zwj profession", "🙋🏽👨‍🎤", 4},
		{"emoji inside the BMP", "😷👾😡🔥💩", 10},
		{"hangul weighs 2", "저찀쯿쿿", 8},
		{"CJK outside the BMP weighs 2", "𤭢𤭢", 4},
		{"japanese", "こんにちは", 10},
		{"140 CJK is the limit", strings.Repeat("我", 140), 280},
		{"141 CJK is over", strings.Repeat("我", 141), 282},
		{"280 ascii", strings.Repeat("a", 280), 280},
		{"devanagari weighs 1", "नमस्ते", 6},
		{"latin extended weighs 1", "Zamówiłam ekspres", 17},
		{"en dash and curly quotes weigh 1", "3–5 “days”", 10},
		{"ellipsis weighs 2", "wait…", 6},
		{"combining acute composes under NFC", "cafe\u0301", 4},
		{"combining mark without precomposed form", "q\u0301", 2},
		{"flag", "🇪🇪", 2},
		{"subdivision flag", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 2},
		{"keycap", "1️⃣", 2},
		{"heart with VS16", "❤️", 2},
		{"rainbow flag zwj", "🏳️‍🌈", 2},
		{"https URL counts 23", "https://test.com", 23},
		{"http URL counts 23", "http://a.co", 23},
		{"long URL counts 23", "Check https://example.com/a/very/long/path/that/is/longer/than/twenty-three?x=1 now", 6 + 23 + 4},
		{"URL without protocol", "test.com", 23},
		{"URL trailing period", "Visit acme.com.", 6 + 23 + 1},
		{"URL with port", "https://acme.example:8443/x", 23},
		{"URL with balanced parens", "see https://en.wikipedia.org/wiki/Coffee_(drink))", 4 + 23 + 1},
		{"URL ends at CJK", "https://acme.example/x日本", 23 + 4},
		{"two URLs", "https://a.com https://b.com/x", 23 + 1 + 23},
		{"short ccTLD domain without path is text", "foo.jp", 6},
		{"short ccTLD domain with path is a URL", "foo.jp/bar", 23},
		{"special ccTLD .co", "t.co", 23},
		{"e-mail is text", "mail jl@acme.com", 16},
		{"handle is text", "@AcmeCoffee", 11},
		{"version number is text", "v1.2.3 is out", 13},
		{"t.co link in fixture", "@AcmeCoffee free grinder they said. Mine arrived cracked 🙃 https://t.co/Zp0dLr5uYc", 57 + 2 + 1 + 23},
	})
}

func TestCountLimits(t *testing.T) {
	c := New(Options{})
	if n, limit := c.Count("Hello, world! 👋", false); n != 16 || limit != 280 {
		t.Errorf("post: %d/%d", n, limit)
	}
	if n, limit := c.Count(strings.Repeat("é", 10000), true); n != 10000 || limit != 10000 {
		t.Errorf("DM: %d/%d", n, limit)
	}
	if n, _ := c.Count("cafe\u0301 👨‍👩‍👧", true); n != 10 {
		t.Errorf("DM counts code points after NFC: %d", n)
	}
}

func TestNormText(t *testing.T) {
	tests := []struct{ a, b string }{
		{"@maria_lopez_es  Hola\nMaría", "Hola María"},
		{"R&amp;D &lt;3", "R&D <3"},
		{"see https://t.co/Abc123", "see https://shop.acme.example/orders/4822"},
		{"cafe\u0301", "café"},
		{"＠maria hi", "hi"},
	}
	for _, tt := range tests {
		if normText(tt.a) != normText(tt.b) {
			t.Errorf("%q and %q should compare equal: %q vs %q", tt.a, tt.b, normText(tt.a), normText(tt.b))
		}
	}
	if normText("Hola María") == normText("Hola Maria") {
		t.Error("different texts compare equal")
	}
}
