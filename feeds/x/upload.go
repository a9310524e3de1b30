package x

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// Images: POST /2/media/upload (multipart: media, media_category
// tweet_image) answers {data:{id}}; POST /2/media/metadata sets the alt
// text ({id, metadata:{alt_text:{text}}}); the post then carries
// media.media_ids. The id is the attachment's Ref: recorded before the
// post is made, so a retry does not upload again (an id is usable for 24
// hours; a retry after that fails and the operator re-attaches).

const (
	keyMediaUpload   = "POST /2/media/upload"
	keyMediaMetadata = "POST /2/media/metadata"
)

// rawBody is a request body sent as is (a multipart upload).
type rawBody struct {
	data  []byte
	ctype string
}

// MediaLimit implements social.MediaLimiter: X takes images up to 5 MB,
// four a post.
func (c *Client) MediaLimit() (int64, int) { return 5 << 20, 4 }

// Upload implements social.Uploader.
func (c *Client) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	size, _ := c.MediaLimit()
	body, ctype, err := attach.Form(r, i, size, "media", "media_category", "tweet_image")
	if err != nil {
		return "", fmt.Errorf("x: upload: %w", err)
	}
	resp, err := c.do(ctx, keyMediaUpload, http.MethodPost, "/2/media/upload", nil, rawBody{data: body.Bytes(), ctype: ctype})
	if err != nil {
		return "", fmt.Errorf("x: upload: %w", err)
	}
	var out struct {
		Data struct {
			ID web.Str `json:"id"`
		} `json:"data"`
	}
	if err := decodeJSON(resp.Body, &out); err != nil || out.Data.ID == "" {
		return "", fmt.Errorf("x: upload: %w", &social.Error{Kind: social.Transient, Status: resp.Status, Msg: "X answered no media id"})
	}
	id := string(out.Data.ID)
	if err := c.setAlt(ctx, id, r.Attachments[i].Alt); err != nil { // i is in range: Form checked it
		// the upload is done: keep it (Send sets the alt text first)
		return id, nil
	}
	return id + altDone, nil
}

// altDone marks a Ref whose alt text is set.
const altDone = "|alt"

func (c *Client) setAlt(ctx context.Context, id, alt string) error {
	meta := map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": alt}}}
	if _, err := c.do(ctx, keyMediaMetadata, http.MethodPost, "/2/media/metadata", nil, meta); err != nil {
		return fmt.Errorf("x: alt text of media %s: %w", id, err)
	}
	return nil
}

// mediaIDs are the ids of uploaded attachments, their alt text set first
// where the upload could not (a failure here is the send's: the retry
// does not upload again).
func (c *Client) mediaIDs(ctx context.Context, atts []social.Attachment) ([]string, error) {
	var ids []string
	for _, a := range atts {
		if a.Ref == "" {
			return nil, &social.Error{Kind: social.Permanent, Msg: "an image was not uploaded"}
		}
		id, done := strings.CutSuffix(a.Ref, altDone)
		if !done {
			if err := c.setAlt(ctx, id, a.Alt); err != nil {
				return nil, err
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
