package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/social"
)

// postStatusLocked takes a status post (a Reply with no post to answer):
// a top-level post of the account's brand. A customer of that brand
// answers under it FollowUpDelay later, so the demo shows a reply to a
// status post arriving as a conversation. f.mu must be held.
func (f *Feed) postStatusLocked(r social.Reply, idem string, now time.Time) (social.Sent, error) {
	b, ok := f.brands[r.Account]
	if !ok {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent(fmt.Sprintf("unknown account %q", r.Account)))
	}
	id := "demo-status-" + strconv.Itoa(len(f.replies)+1)
	sent := social.Sent{RemoteID: id, URL: b.author.URL + "/" + id}
	own := social.Post{Network: social.Demo, Account: r.Account, Brand: b.brand.Name, RemoteID: id, URL: sent.URL,
		Author: b.author, Text: r.Text, CreatedAt: now, Kind: social.KindOwn, Media: mediaOf(r.Attachments)}
	thread := "status:" + id
	f.replies = append(f.replies, sentReply{post: own, thread: thread, sent: sent})
	if idem != "" {
		f.byIdem[idem] = len(f.replies) - 1
	}
	// the first customer of the brand who has written by now answers
	for _, e := range f.script {
		if e.post.CreatedAt.After(now) {
			break
		}
		if e.post.Account != r.Account || e.post.Direct {
			continue
		}
		p := social.Post{Network: social.Demo, Account: r.Account, Brand: b.brand.Name, RemoteID: "re-" + id,
			Author: e.post.Author, Lang: "en", CreatedAt: now.Add(FollowUpDelay), Kind: social.KindReply,
			ReplyTo: id, ThreadRoot: id,
			Text: "Thanks for posting this. Is there an estimate yet for when it's fixed?"}
		p.URL = e.post.Author.URL + "/" + p.RemoteID
		f.follows = append(f.follows, followUp{post: p, thread: thread})
		break
	}
	return sent, nil
}

// Sent lists the brand posts sent through Send (replies and status
// posts), oldest first.
func (f *Feed) Sent() []social.Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]social.Post, len(f.replies))
	for i, r := range f.replies {
		out[i] = r.post
	}
	return out
}

// MediaLimit implements social.MediaLimiter.
func (f *Feed) MediaLimit() (int64, int) { return 5 << 20, 4 }

// Upload implements social.Uploader: the demo keeps no bytes, it checks
// the file is readable and names the upload.
func (f *Feed) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("demo upload: %w", err)
	}
	if i < 0 || i >= len(r.Attachments) {
		return "", fmt.Errorf("demo upload: %w", permanent("no such attachment"))
	}
	if _, err := attach.Read(r.Attachments[i], 5<<20); err != nil {
		return "", fmt.Errorf("demo upload: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads++
	return "demo-media-" + strconv.Itoa(f.uploads), nil
}

// Uploads is how many images Upload took.
func (f *Feed) Uploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads
}

// mediaOf is how a sent post shows its uploaded images.
func mediaOf(atts []social.Attachment) []social.Media {
	var out []social.Media
	for _, a := range atts {
		out = append(out, social.Media{Kind: social.MediaImage, URL: baseURL + "media/" + a.Ref, MIME: a.MIME,
			Width: a.Width, Height: a.Height, Alt: a.Alt})
	}
	return out
}
