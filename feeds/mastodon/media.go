package mastodon

import (
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// mediaOf maps a status's media_attachments (at most social.MaxMedia).
func mediaOf(ms web.List[media]) []social.Media {
	var out []social.Media
	for _, m := range ms {
		if len(out) >= social.MaxMedia {
			break
		}
		u := string(m.URL)
		if u == "" {
			u = string(m.RemoteURL)
		}
		if u == "" && m.PreviewURL == "" {
			continue
		}
		kind := social.MediaFile
		switch m.Type {
		case "image":
			kind = social.MediaImage
		case "gifv":
			kind = social.MediaGIF
		case "video":
			kind = social.MediaVideo
		case "audio":
			kind = social.MediaAudio
		}
		it := social.Media{Kind: kind, URL: u, Preview: string(m.PreviewURL), Alt: string(m.Description)}
		if m.Meta.OK && m.Meta.V.Original.OK {
			it.Width, it.Height = int(m.Meta.V.Original.V.Width), int(m.Meta.V.Original.V.Height)
		}
		out = append(out, it)
	}
	return out
}
