package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// Send implements social.Sender. It accepts a public or direct reply to a
// post the operator can see, records it (Thread shows it from then on) and,
// when the thread has a scripted answer not yet given, schedules the
// customer's answer FollowUpDelay after now(); later Polls deliver it in the
// same thread (or the same direct conversation, for a direct reply).
//
// A reply carrying a Key (or, without one, an ID) that was already sent is
// not recorded twice: Send returns the first result.
func (f *Feed) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	if err := ctx.Err(); err != nil {
		return social.Sent{}, fmt.Errorf("demo send: %w", err)
	}
	if strings.TrimSpace(r.Text) == "" {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent("reply text is empty"))
	}
	if r.Network != "" && r.Network != social.Demo {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent(fmt.Sprintf("reply is for network %q", r.Network)))
	}
	if n, limit := f.Count(r.Text, r.Direct); n > limit {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent(fmt.Sprintf("reply is %d characters, the limit is %d", n, limit)))
	}
	now := f.clock()

	f.mu.Lock()
	defer f.mu.Unlock()
	idem := idemKey(r)
	if i, ok := f.byIdem[idem]; ok && idem != "" {
		return f.replies[i].sent, nil
	}
	if r.To.RemoteID == "" && !r.Direct {
		return f.postStatusLocked(r, idem, now)
	}
	to, toThread, ok := f.lookupLocked(r.To.RemoteID, now)
	if !ok {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent(fmt.Sprintf("unknown post %q", r.To.RemoteID)))
	}
	if r.Account != "" && r.Account != to.Account {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent(fmt.Sprintf("post %q belongs to account %q, not %q", to.RemoteID, to.Account, r.Account)))
	}
	if to.Direct && !r.Direct {
		return social.Sent{}, fmt.Errorf("demo send: %w", permanent("a direct message can only be answered privately"))
	}
	brand := f.brands[to.Account]

	id := "demo-reply-" + strconv.Itoa(len(f.replies)+1)
	sent := social.Sent{RemoteID: id, URL: brand.author.URL + "/" + id}
	own := social.Post{
		Network:   social.Demo,
		Account:   to.Account,
		Brand:     brand.brand.Name,
		RemoteID:  id,
		URL:       sent.URL,
		Author:    brand.author,
		Text:      r.Text,
		CreatedAt: now,
		Kind:      social.KindOwn,
		ReplyTo:   to.RemoteID,
		Media:     mediaOf(r.Attachments),
	}
	thread := toThread
	if r.Direct {
		own.Direct = true
		own.DMKey = f.dmKeyLocked(to)
		thread = "dm:" + own.DMKey
	} else {
		own.ThreadRoot = rootOf(to)
	}
	f.replies = append(f.replies, sentReply{post: own, thread: thread, sent: sent})
	if idem != "" {
		f.byIdem[idem] = len(f.replies) - 1
	}
	f.scheduleAnswerLocked(own, thread, toThread)
	return sent, nil
}

// Confirm implements social.Confirmer: whether a reply with r's Key (or ID)
// was already sent.
func (f *Feed) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	if err := ctx.Err(); err != nil {
		return social.Sent{}, false, fmt.Errorf("demo confirm: %w", err)
	}
	idem := idemKey(r)
	if idem == "" {
		return social.Sent{}, false, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if i, ok := f.byIdem[idem]; ok {
		return f.replies[i].sent, true, nil
	}
	return social.Sent{}, false, nil
}

func idemKey(r social.Reply) string {
	switch {
	case r.Key != "":
		return "key:" + r.Key
	case r.ID != "":
		return "id:" + r.ID
	}
	return ""
}

// rootOf is the remote id of a public post's thread root.
func rootOf(p social.Post) string {
	if p.ThreadRoot != "" {
		return p.ThreadRoot
	}
	return p.RemoteID
}

// dmKeyLocked is the direct conversation with the author of p: p's own, the
// one the script opens with that author, or a new one named after them.
func (f *Feed) dmKeyLocked(p social.Post) string {
	if p.DMKey != "" {
		return p.DMKey
	}
	if k, ok := f.dmKeys[p.Account+"\x00"+p.Author.Handle]; ok {
		return k
	}
	return "dm-" + p.Account + "-" + strings.TrimPrefix(p.Author.Handle, "@")
}

// scheduleAnswerLocked schedules the customer's scripted answer to the
// brand's reply own, if the thread it went to (or, for a reply that moved a
// public thread to DMs, the thread it answered) has one not yet scheduled.
// f.mu must be held.
func (f *Feed) scheduleAnswerLocked(own social.Post, thread, toThread string) {
	now := own.CreatedAt
	key := thread
	idx, ok := f.answerFor(key, now)
	if !ok && toThread != thread {
		key = toThread
		idx, ok = f.answerFor(key, now)
	}
	if !ok || f.triggered[key] {
		return
	}
	f.triggered[key] = true
	root := f.script[idx].post
	p := social.Post{
		Network:   social.Demo,
		Account:   root.Account,
		Brand:     root.Brand,
		RemoteID:  followUpID(root.RemoteID),
		Author:    root.Author,
		Text:      f.script[idx].answer,
		Lang:      root.Lang,
		CreatedAt: own.CreatedAt.Add(FollowUpDelay),
		Kind:      social.KindReply,
		ReplyTo:   own.RemoteID,
	}
	p.URL = root.Author.URL + "/" + p.RemoteID
	if own.Direct {
		p.Kind, p.Direct, p.DMKey = social.KindDM, true, own.DMKey
	} else {
		p.ThreadRoot = own.ThreadRoot
	}
	f.follows = append(f.follows, followUp{post: p, thread: thread})
}

// answerFor finds the script entry holding the answer of a thread, if it
// has arrived by now (a customer does not answer before they wrote).
func (f *Feed) answerFor(thread string, now time.Time) (int, bool) {
	for i, e := range f.script {
		if e.post.CreatedAt.After(now) {
			break
		}
		if e.thread == thread && e.answer != "" {
			return i, true
		}
	}
	return 0, false
}
