package tui

import (
	"context"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/termimg"
)

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
			m.w, m.h = 120, 40
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
