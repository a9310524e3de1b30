package rss

import (
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/hark-tui/hark/social"
)

// enclosures maps an item's enclosures (RSS <enclosure>, Atom
// rel="enclosure" links) and Media RSS <media:content> (what Mastodon's
// tag feeds carry per attachment) to attachments.
func enclosures(it *gofeed.Item) []social.Media {
	var out []social.Media
	seen := map[string]bool{}
	add := func(u, typ, length, medium, alt string, w, h int) {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] || len(out) >= social.MaxMedia {
			return
		}
		seen[u] = true
		m := social.Media{URL: u, MIME: typ, Width: w, Height: h, Alt: strings.TrimSpace(alt)}
		if n, err := strconv.ParseInt(strings.TrimSpace(length), 10, 64); err == nil && n > 0 {
			m.Size = n
		}
		switch {
		case strings.HasPrefix(typ, "image/gif"):
			m.Kind = social.MediaGIF
		case strings.HasPrefix(typ, "image/") || medium == "image":
			m.Kind = social.MediaImage
		case strings.HasPrefix(typ, "video/") || medium == "video":
			m.Kind = social.MediaVideo
		case strings.HasPrefix(typ, "audio/") || medium == "audio":
			m.Kind = social.MediaAudio
		default:
			m.Kind = social.MediaFile
		}
		out = append(out, m)
	}
	for _, e := range it.Enclosures {
		if e != nil {
			add(e.URL, e.Type, e.Length, "", "", 0, 0)
		}
	}
	for _, ext := range it.Extensions["media"]["content"] {
		a := ext.Attrs
		w, _ := strconv.Atoi(a["width"])
		h, _ := strconv.Atoi(a["height"])
		alt := ""
		if d := ext.Children["description"]; len(d) > 0 {
			alt = d[0].Value
		}
		add(a["url"], a["type"], a["fileSize"], a["medium"], alt, w, h)
	}
	return out
}
