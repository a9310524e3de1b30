package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/termimg"
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

// A preview is asked for only where the terminal has a protocol, only for
// an image, and only for a web link.
func TestPreviewOnlyWhereItCan(t *testing.T) {
	eng := emptyEngine(t)
	fetch := func(context.Context, string) ([]byte, error) { return nil, nil }
	for _, tc := range []struct {
		name  string
		proto termimg.Protocol
		media social.Media
		want  bool
	}{
		{"kitty, a photo", termimg.Kitty, social.Media{Kind: social.MediaImage, URL: "https://m.example/a.jpg"}, true},
		{"no protocol", termimg.None, social.Media{Kind: social.MediaImage, URL: "https://m.example/a.jpg"}, false},
		{"a video", termimg.Kitty, social.Media{Kind: social.MediaVideo, URL: "https://m.example/a.mp4"}, false},
		{"not a web link", termimg.Sixel, social.Media{Kind: social.MediaImage, URL: "file:///etc/passwd"}, false},
		{"a preview link", termimg.ITerm2, social.Media{Kind: social.MediaImage, URL: "file:///x", Preview: "https://m.example/s.jpg"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, Deps{Engine: eng, Images: tc.proto, FetchMedia: fetch})
			m.w, m.h, m.termW, m.termH = 120, 40, 120, 40
			m.conv.openID = "1"
			m.conv.posts = []store.StoredPost{{Post: social.Post{RemoteID: "p", Media: []social.Media{tc.media}}}}
			m.conv.mediaSel = 1
			if got := m.previewSelected() != nil; got != tc.want {
				t.Fatalf("a preview asked: %v, want %v", got, tc.want)
			}
			if tc.want && m.conv.pv.url == "" {
				t.Fatal("no preview pending")
			}
		})
	}
}

// The team trail names who edited the contact, as the engine recorded it;
// an edit of the contact does not end the "back from snooze" line.
func TestTrailShowsContactEdits(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 40, 0, 0, time.Local)
	jd := social.Actor{Name: "Jane Doe", Initials: "JD"}
	ak := social.Actor{Name: "Ade Kim", Initials: "AK"}
	c := social.Conversation{State: social.StateOpen, SnoozeNote: "call back"}
	c.Record(social.Activity{At: at, By: ak, Action: social.ActSnoozed})
	c.Record(social.Activity{At: at.Add(time.Minute), By: jd, Action: social.ActContactEdited, Note: "VIP set"})
	c.Record(social.Activity{At: at.Add(2 * time.Minute), By: ak, Action: social.ActContactEdited, Note: "note edited, tags edited"})
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"trail", trailLine(c, 4), "snoozed by AK 10:40 · VIP set by JD 10:41 · note edited, tags edited by AK 10:42"},
		{"snooze note", snoozeNote(c), "⏰ back from snooze (Mon 10:40): call back"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	c.Record(social.Activity{At: at.Add(3 * time.Minute), By: jd, Action: social.ActPending})
	if got := snoozeNote(c); strings.Contains(got, "back from snooze") {
		t.Errorf("after another action on the conversation: %q", got)
	}
}

// An attachment's line: its alt text made safe, and an image whose alt
// text is empty once made safe (controls, invisible characters) says it
// has none rather than showing "".
func TestMediaLines(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	for _, tc := range []struct {
		name  string
		media social.Media
		want  string
	}{
		{"alt text", social.Media{Kind: social.MediaImage, Alt: "a cracked mug"}, `  📷 photo "a cracked mug"`},
		{"no alt text", social.Media{Kind: social.MediaImage}, "  📷 photo (no alt text)"},
		{"only an escape sequence", social.Media{Kind: social.MediaImage, Alt: "\x1b]0;pwned\x07"}, "  📷 photo (no alt text)"},
		{"only invisible characters", social.Media{Kind: social.MediaGIF, Alt: " \u200b\ufeff "}, "  📷 gif (no alt text)"},
		{"controls around the text", social.Media{Kind: social.MediaImage, Alt: "\x1b[2Jmug\x07"}, `  📷 photo "mug"`},
		{"a video needs none", social.Media{Kind: social.MediaVideo}, "  🎬 video"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := store.StoredPost{Post: social.Post{RemoteID: "p", Media: []social.Media{tc.media}}}
			m.conv.posts = []store.StoredPost{p}
			got := m.conv.mediaLines(p, 80)
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The unfocused composer's keys break between items onto the lines it has
// rather than being cut on the first of them.
func TestHintLines(t *testing.T) {
	const hint = "r reply · R DM · c canned · e resolve · z snooze"
	for _, tc := range []struct {
		name string
		w, n int
		want string
	}{
		{"wide", 80, 2, hint},
		{"two lines", 45, 2, "r reply · R DM · c canned · e resolve\nz snooze"},
		{"one line: cut", 45, 1, "r reply · R DM · c canned · e resolve · z sn…"},
		{"no room: one line", 45, 0, "r reply · R DM · c canned · e resolve · z sn…"},
		{"the last line takes the rest", 20, 2, "r reply · R DM\nc canned · e resolv…"},
		{"three lines", 20, 3, "r reply · R DM\nc canned · e resolve\nz snooze"},
		{"an item wider than the line", 5, 2, "r re…\nR DM…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hintLines(hint, tc.w, tc.n); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
