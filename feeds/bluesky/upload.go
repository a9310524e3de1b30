package bluesky

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/social"
)

// Images: com.atproto.repo.uploadBlob takes the bytes (Content-Type: the
// image's type) and answers {blob}; the post then carries an
// app.bsky.embed.images embed with each blob and its alt text. The blob is
// kept (as JSON) in the outbox entry as the attachment's Ref, so a retry
// posts with the blob already uploaded.

// MediaLimit implements social.MediaLimiter: the AppView takes images up
// to 1,000,000 bytes, four a post.
func (c *Client) MediaLimit() (int64, int) { return 1_000_000, 4 }

// Upload implements social.Uploader.
func (c *Client) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	if i < 0 || i >= len(r.Attachments) {
		return "", &social.Error{Kind: social.Permanent, Msg: "no such attachment"}
	}
	if r.Direct {
		return "", &social.Error{Kind: social.Permanent, Msg: "bluesky: images go in posts, not chat messages"}
	}
	att := r.Attachments[i]
	size, _ := c.MediaLimit()
	data, err := attach.Read(att, size)
	if err != nil {
		return "", fmt.Errorf("bluesky: upload: %w", err)
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if err := c.call(ctx, xreq{post: true, nsid: "com.atproto.repo.uploadBlob", raw: data, ctype: att.MIME}, &out); err != nil {
		return "", err
	}
	if cid, _, _ := blobOf(out.Blob); cid == "" {
		return "", fmt.Errorf("bluesky: upload: %w", &social.Error{Kind: social.Transient, Msg: "the server answered no blob"})
	}
	return string(out.Blob), nil
}

type imageOut struct {
	Alt         string          `json:"alt"`
	Image       json.RawMessage `json:"image"`
	AspectRatio *aspectOut      `json:"aspectRatio,omitempty"`
}

type aspectOut struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// imagesEmbed is the app.bsky.embed.images of uploaded attachments.
func imagesEmbed(atts []social.Attachment) (any, error) {
	var imgs []imageOut
	for _, a := range atts {
		if a.Ref == "" || !json.Valid([]byte(a.Ref)) {
			return nil, &social.Error{Kind: social.Permanent, Msg: "an image was not uploaded"}
		}
		im := imageOut{Alt: a.Alt, Image: json.RawMessage(a.Ref)}
		if a.Width > 0 && a.Height > 0 {
			im.AspectRatio = &aspectOut{Width: a.Width, Height: a.Height}
		}
		imgs = append(imgs, im)
	}
	return map[string]any{"$type": "app.bsky.embed.images", "images": imgs}, nil
}
