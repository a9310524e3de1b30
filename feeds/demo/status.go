package demo

import (
	"fmt"
	"strconv"
	"time"

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
		Author: b.author, Text: r.Text, CreatedAt: now, Kind: social.KindOwn}
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
