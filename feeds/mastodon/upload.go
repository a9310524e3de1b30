package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/social"
)

// Images: POST /api/v2/media (multipart: file, description = the alt
// text) answers the media attachment (200, or 202 while the server still
// processes it); its id goes into the status as media_ids[]. A status
// made while an attachment is still processing is refused with 422: that
// is transient, and the retry reuses the uploaded id.

// MediaLimit implements social.MediaLimiter: Mastodon 4 takes images up to
// 16 MB, four a status.
func (c *Client) MediaLimit() (int64, int) { return 16 << 20, 4 }

// Upload implements social.Uploader.
func (c *Client) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	alt := ""
	if i >= 0 && i < len(r.Attachments) {
		alt = r.Attachments[i].Alt
	}
	size, _ := c.MediaLimit()
	body, ctype, err := attach.Form(r, i, size, "file", "description", alt)
	if err != nil {
		return "", fmt.Errorf("mastodon: upload: %w", err)
	}
	var m media
	if err := social.Redact(c.api.callBody(ctx, http.MethodPost, "/api/v2/media", nil, body, ctype, nil, &m), c.api.opt.Token); err != nil {
		return "", err
	}
	if m.ID == "" {
		return "", fmt.Errorf("mastodon: upload: %w", &social.Error{Kind: social.Transient, Msg: "the server answered no media id"})
	}
	return string(m.ID), nil
}

// stillProcessing turns Mastodon's refusal of a status whose attachment
// it is still processing (422 "…not finished processing…") into a
// transient error: the same status, with the same media id, goes through
// a moment later.
func stillProcessing(err error, media bool) error {
	var se *social.Error
	if media && errors.As(err, &se) && se.Status == http.StatusUnprocessableEntity &&
		strings.Contains(strings.ToLower(se.Msg), "processing") {
		se.Kind = social.Transient
	}
	return err
}
