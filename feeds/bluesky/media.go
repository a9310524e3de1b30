package bluesky

import (
	"encoding/json"
	"net/url"

	"github.com/hark-tui/hark/social"
)

// Attachments of a post. A record (what notifications carry) holds blob
// references: app.bsky.embed.images {images:[{alt, image:blob,
// aspectRatio}]}, app.bsky.embed.video {video:blob, alt, aspectRatio},
// app.bsky.embed.external {external:{uri, title, description, thumb}},
// and app.bsky.embed.recordWithMedia {media: one of those}. A blob is
// shown through the AppView's CDN (cdn.bsky.app/img/feed_fullsize/…).
// A post view (threads, search) carries the same as #view objects with
// the CDN links already made (fullsize, thumb, playlist).

const cdn = "https://cdn.bsky.app"

func mediaFromRecord(embed json.RawMessage, did string) []social.Media {
	var typ string
	var images, video, external, mediaRaw, alt, aspect json.RawMessage
	if !fields(embed, map[string]any{"$type": &typ, "images": &images, "video": &video, "external": &external,
		"media": &mediaRaw, "alt": &alt, "aspectRatio": &aspect}) {
		return nil
	}
	switch typ {
	case "app.bsky.embed.images":
		return imagesOf(images, func(im json.RawMessage) (social.Media, bool) {
			var a string
			var blob, ar json.RawMessage
			if !fields(im, map[string]any{"alt": &a, "image": &blob, "aspectRatio": &ar}) {
				return social.Media{}, false
			}
			cid, mime, size := blobOf(blob)
			if cid == "" || did == "" {
				return social.Media{}, false
			}
			m := social.Media{Kind: social.MediaImage, Alt: a, MIME: mime, Size: size,
				URL:     cdn + "/img/feed_fullsize/plain/" + url.PathEscape(did) + "/" + url.PathEscape(cid) + "@jpeg",
				Preview: cdn + "/img/feed_thumbnail/plain/" + url.PathEscape(did) + "/" + url.PathEscape(cid) + "@jpeg"}
			m.Width, m.Height = ratio(ar)
			return m, true
		})
	case "app.bsky.embed.video":
		cid, mime, size := blobOf(video)
		if cid == "" || did == "" {
			return nil
		}
		var a string
		_ = json.Unmarshal(alt, &a)
		m := social.Media{Kind: social.MediaVideo, Alt: a, MIME: mime, Size: size,
			URL: "https://video.bsky.app/watch/" + url.PathEscape(did) + "/" + url.PathEscape(cid) + "/playlist.m3u8"}
		m.Width, m.Height = ratio(aspect)
		return []social.Media{m}
	case "app.bsky.embed.external":
		return externalOf(external)
	case "app.bsky.embed.recordWithMedia":
		return mediaFromRecord(mediaRaw, did)
	}
	return nil
}

// imagesOf maps the entries of an images embed (a record's or a view's)
// with one, which refuses the entries it cannot show, up to
// social.MaxMedia.
func imagesOf(images json.RawMessage, one func(im json.RawMessage) (social.Media, bool)) []social.Media {
	var out []social.Media
	var list []json.RawMessage
	_ = json.Unmarshal(images, &list)
	for _, im := range list {
		if len(out) >= social.MaxMedia {
			break
		}
		if m, ok := one(im); ok {
			out = append(out, m)
		}
	}
	return out
}

func mediaFromView(embed json.RawMessage) []social.Media {
	var typ string
	var images, external, mediaRaw, playlist, thumb, alt, aspect json.RawMessage
	if !fields(embed, map[string]any{"$type": &typ, "images": &images, "external": &external, "media": &mediaRaw,
		"playlist": &playlist, "thumbnail": &thumb, "alt": &alt, "aspectRatio": &aspect}) {
		return nil
	}
	switch typ {
	case "app.bsky.embed.images#view":
		return imagesOf(images, func(im json.RawMessage) (social.Media, bool) {
			var full, th, a string
			var ar json.RawMessage
			if !fields(im, map[string]any{"fullsize": &full, "thumb": &th, "alt": &a, "aspectRatio": &ar}) || full == "" {
				return social.Media{}, false
			}
			m := social.Media{Kind: social.MediaImage, URL: full, Preview: th, Alt: a}
			m.Width, m.Height = ratio(ar)
			return m, true
		})
	case "app.bsky.embed.video#view":
		var pl, th, a string
		_ = json.Unmarshal(playlist, &pl)
		_ = json.Unmarshal(thumb, &th)
		_ = json.Unmarshal(alt, &a)
		if pl == "" {
			return nil
		}
		m := social.Media{Kind: social.MediaVideo, URL: pl, Preview: th, Alt: a}
		m.Width, m.Height = ratio(aspect)
		return []social.Media{m}
	case "app.bsky.embed.external#view":
		return externalOf(external)
	case "app.bsky.embed.recordWithMedia#view":
		return mediaFromView(mediaRaw)
	}
	return nil
}

func externalOf(raw json.RawMessage) []social.Media {
	var uri, title string
	var thumb json.RawMessage
	if !fields(raw, map[string]any{"uri": &uri, "title": &title, "thumb": &thumb}) || uri == "" {
		return nil
	}
	m := social.Media{Kind: social.MediaLink, URL: uri, Alt: title}
	var th string
	if json.Unmarshal(thumb, &th) == nil {
		m.Preview = th // a view's thumb is a URL; a record's is a blob
	}
	return []social.Media{m}
}

// blobOf reads a blob: {$type: blob, ref: {$link: cid}, mimeType, size}
// (or the legacy {cid, mimeType}).
func blobOf(raw json.RawMessage) (cid, mime string, size int64) {
	var ref json.RawMessage
	var legacy string
	fields(raw, map[string]any{"ref": &ref, "mimeType": &mime, "size": &size, "cid": &legacy})
	fields(ref, map[string]any{"$link": &cid})
	if cid == "" {
		cid = legacy
	}
	return cid, mime, size
}

func ratio(raw json.RawMessage) (w, h int) {
	fields(raw, map[string]any{"width": &w, "height": &h})
	if w < 0 || h < 0 {
		return 0, 0
	}
	return w, h
}
