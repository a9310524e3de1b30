package x

import "github.com/hark-tui/hark/social"

// mediaOf maps a post's attachments.media_keys through the page's
// includes.media (requested with expansions=attachments.media_keys and
// media.fields). A photo has url; a video or GIF only a
// preview_image_url (its stream is not in the v2 fields hark asks for),
// so the post's own link stays the way to play it.
func mediaOf(t *wireTweet, media map[string]*wireMedia) []social.Media {
	var out []social.Media
	for _, k := range t.Attachments.MediaKeys {
		if len(out) >= social.MaxMedia {
			break
		}
		w, ok := media[k]
		if !ok {
			continue
		}
		m := social.Media{URL: w.URL, Preview: w.Preview, Width: int(w.Width), Height: int(w.Height), Alt: w.Alt}
		switch w.Type {
		case "photo":
			m.Kind = social.MediaImage
		case "video":
			m.Kind = social.MediaVideo
		case "animated_gif":
			m.Kind = social.MediaGIF
		default:
			m.Kind = social.MediaFile
		}
		if m.URL == "" {
			m.URL = m.Preview
		}
		if m.URL == "" {
			continue
		}
		out = append(out, m)
	}
	return out
}
