package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Attached images: a reply or status post can carry image files, each with
// alt text (required). They are checked when queued (a regular file, an
// image by its bytes, within the network's size and count) and uploaded by
// the delivery worker just before the post is made; each upload's result
// (Attachment.Ref) is committed to the outbox entry as soon as it is
// known, so a retried send (after a failure or a crash) never uploads an
// image again. The file is read at send time: removed or changed in
// between, the entry fails with a clear error (edit and retry from O).

// mediaLimit is an account's image size and count limit.
func mediaLimit(acct *Account) (int64, int) {
	if ml, ok := acct.Sender.(social.MediaLimiter); ok {
		return ml.MediaLimit()
	}
	return 5 << 20, 4
}

// checkAttachments refuses what an account cannot post.
func checkAttachments(acct *Account, atts []social.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	if _, ok := acct.Sender.(social.Uploader); !ok {
		return fmt.Errorf("%s/%s cannot post images", acct.Network, acct.Name)
	}
	size, count := mediaLimit(acct)
	if len(atts) > count {
		return fmt.Errorf("%d images: %s takes at most %d a post", len(atts), acct.Network, count)
	}
	for _, a := range atts {
		if strings.TrimSpace(a.Alt) == "" {
			return fmt.Errorf("image %s has no alt text", filepath.Base(a.Path))
		}
		if fi, err := os.Stat(a.Path); err != nil {
			return fmt.Errorf("image: %w", err)
		} else if size > 0 && fi.Size() > size {
			return fmt.Errorf("image %s is %d bytes; %s takes at most %d", filepath.Base(a.Path), fi.Size(), acct.Network, size)
		}
	}
	return nil
}

// uploadAll uploads the entry's images that have no Ref yet, committing
// each Ref at once; it returns the entry as it is now. owner is the
// process's claim on the entry (several processes on one store): each Ref
// is recorded only while the claim holds, so a sender that lost its claim
// during an upload (stalled, suspended, cut off) records nothing and
// sends nothing (the error wraps store.ErrFenced): the new owner uploads
// and sends. Its own upload is left unattached on the server, never
// posted.
func (e *Engine) uploadAll(ctx context.Context, ent store.OutboxEntry, acct *Account, owner string) (store.OutboxEntry, error) {
	up, ok := acct.Sender.(social.Uploader)
	for i := range ent.Reply.Attachments {
		if ent.Reply.Attachments[i].Ref != "" {
			continue
		}
		if !ok {
			return ent, &social.Error{Kind: social.Permanent, Msg: fmt.Sprintf("%s/%s cannot post images", acct.Network, acct.Name)}
		}
		uctx, cancel := context.WithTimeout(ctx, 2*e.o.SendTimeout)
		var ref string
		err := e.guard("upload", func() (err error) { ref, err = up.Upload(uctx, ent.Reply, i); return err })
		cancel()
		if err != nil {
			return ent, fmt.Errorf("uploading %s: %w", filepath.Base(ent.Reply.Attachments[i].Path), err)
		}
		rec, err := e.updateOutbox(ctx, ent.Seq, owner, func(x *store.OutboxEntry) error {
			if i < len(x.Reply.Attachments) {
				x.Reply.Attachments[i].Ref = ref
			}
			return nil
		})
		if err != nil {
			return ent, fmt.Errorf("recording an upload: %w", err)
		}
		ent = rec
		e.log.Info("image uploaded", "outbox", ent.Seq, "n", i+1, "of", len(ent.Reply.Attachments))
	}
	return ent, nil
}

// attachedMedia is how the brand's own post shows the images it carried
// (no link: the network's own copy is reached through the post).
func attachedMedia(atts []social.Attachment) []social.Media {
	var out []social.Media
	for _, a := range atts {
		out = append(out, social.Media{Kind: social.MediaImage, MIME: a.MIME, Width: a.Width, Height: a.Height, Alt: a.Alt})
	}
	return out
}
