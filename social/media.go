package social

import (
	"context"
	"fmt"
	"strings"
)

// MediaKind is what an attachment is.
type MediaKind string

// Attachment kinds.
const (
	MediaImage MediaKind = "image"
	MediaVideo MediaKind = "video"
	MediaGIF   MediaKind = "gif"
	MediaAudio MediaKind = "audio"
	MediaLink  MediaKind = "link" // a link card (Bluesky external embed)
	MediaFile  MediaKind = "file" // anything else (an RSS enclosure of another type)
)

// MaxMedia bounds the attachments kept per post (networks allow 4; a feed
// may list more).
const MaxMedia = 8

// Media is one attachment of a post, as the network describes it. URL
// (and Preview) are untrusted like the text: shown through the sanitizer,
// opened only when http(s).
type Media struct {
	Kind    MediaKind `json:"kind"`
	URL     string    `json:"url,omitempty"`     // the full item
	Preview string    `json:"preview,omitempty"` // a smaller image, if the network has one
	MIME    string    `json:"mime,omitempty"`
	Width   int       `json:"w,omitempty"`
	Height  int       `json:"h,omitempty"`
	Size    int64     `json:"size,omitempty"` // bytes, when known
	Alt     string    `json:"alt,omitempty"`  // alt text (or a link card's title)
}

// Label is the attachment's line without its alt text: "photo 1200×900",
// "video", "link", "file 2.1 MB".
func (m Media) Label() string {
	name := map[MediaKind]string{MediaImage: "photo", MediaVideo: "video", MediaGIF: "gif", MediaAudio: "audio",
		MediaLink: "link", MediaFile: "file"}[m.Kind]
	if name == "" {
		name = "file"
	}
	var b strings.Builder
	b.WriteString(name)
	if m.Width > 0 && m.Height > 0 {
		fmt.Fprintf(&b, " %d×%d", m.Width, m.Height)
	}
	if m.Size > 0 {
		b.WriteString(" " + humanSize(m.Size))
	}
	return b.String()
}

// Icon is a symbol for the kind, two cells wide in every terminal (emoji
// presentation: a text-presentation symbol is one cell here and two there).
func (m Media) Icon() string {
	switch m.Kind {
	case MediaImage, MediaGIF:
		return "📷"
	case MediaVideo:
		return "🎬"
	case MediaAudio:
		return "🎵"
	case MediaLink:
		return "🔗"
	}
	return "📎"
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Attachment is a local file an operator attaches to a reply or status
// post (the composer's ctrl+o), with its alt text, which is required.
// Ref is what the network gave back for the upload (a Mastodon media id,
// a Bluesky blob as JSON, an X media id): the engine records it before
// the post is made, so a retried send never uploads it again.
type Attachment struct {
	Path   string `json:"path"`
	Alt    string `json:"alt"`
	MIME   string `json:"mime,omitempty"`
	Width  int    `json:"w,omitempty"`
	Height int    `json:"h,omitempty"`
	Ref    string `json:"ref,omitempty"`
}

// Uploader is implemented by senders that can attach media: Upload sends
// the file of r.Attachments[i] and returns its Ref. Send then uses the Refs.
type Uploader interface {
	Upload(ctx context.Context, r Reply, i int) (string, error)
}

// MediaLimiter is implemented by senders that say how big an attached
// image may be and how many a post may carry.
type MediaLimiter interface {
	MediaLimit() (maxBytes int64, maxCount int)
}
