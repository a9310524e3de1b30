package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// An attachment's alt text wraps under its post instead of being cut at
// the pane's edge (at 80 columns the pane is 45 wide: "A bouquet in its…"
// was all an operator saw of it), up to mediaAltLines lines.
func TestMediaLineWrapsItsAltText(t *testing.T) {
	alt := `📷 photo 1200×900 232 kB "A bouquet in its delivery box: brown, wilted roses and drooping lilies"`
	for _, tc := range []struct {
		name  string
		line  string
		w     int
		lines int
		last  string // the end of the last line
	}{
		{"fits", `📷 photo 96×64 "Mug"`, 60, 1, `"Mug"`},
		{"80 columns: the whole alt text on three lines", alt, 45, 3, `lilies"`},
		{"120 columns: two lines", alt, 66, 2, `lilies"`},
		{"very long: cut after the last line", "📷 photo " + strings.Repeat("word ", 200), 45, mediaAltLines, "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrapMedia(tc.line, tc.w)
			if len(got) != tc.lines {
				t.Fatalf("%d lines, want %d:\n%s", len(got), tc.lines, strings.Join(got, "\n"))
			}
			for i, l := range got {
				if cw := ansi.StringWidth(l); cw > tc.w {
					t.Errorf("line %d is %d cells, the pane has %d: %q", i, cw, tc.w, l)
				}
				indent := "  "
				if i > 0 {
					indent = "    "
				}
				if !strings.HasPrefix(l, indent) || strings.HasPrefix(l, indent+" ") {
					t.Errorf("line %d is not indented by %d: %q", i, len(indent), l)
				}
			}
			if last := got[len(got)-1]; !strings.HasSuffix(last, tc.last) {
				t.Errorf("the last line %q does not end with %q", last, tc.last)
			}
			if tc.lines > 1 && tc.last != "…" {
				joined := strings.Join(strings.Fields(strings.Join(got, " ")), " ")
				if joined != strings.Join(strings.Fields(tc.line), " ") {
					t.Errorf("words lost in the wrapping:\n%q\n%q", joined, tc.line)
				}
			}
		})
	}
}
