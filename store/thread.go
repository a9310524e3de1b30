package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// ThreadResult says what a thread refresh changed.
type ThreadResult struct {
	Added  int // posts hark had not seen
	Edited int // posts whose text changed since hark stored them
	// AnsweredOutside: a post of the brand hark did not send (the phone
	// app, the web) answered the customer who was waiting.
	AnsweredOutside bool
	// Reopened: a customer's follow-up in the thread that no poll brought
	// (a reply without the brand's @mention) reopened the conversation.
	Reopened bool
}

// RefreshThreadTx stores a conversation's thread as fetched from the
// network (RefreshThread):
//
//   - posts hark had not seen are added (the customer's and bystanders'
//     as "attached": context, until a poll brings them);
//   - a brand post hark did not send that is newer than the waiting
//     customer post is an answer given outside hark: the first response
//     is recorded (by social.OutsideHark) and the conversation moves on to
//     pending unless a later customer post still waits. busy says a reply
//     of this conversation may be on its way (sending, or queued after an
//     attempt that may have reached the network): a brand post seen then
//     may be hark's own, which MarkSent records;
//   - a post by the conversation's customer newer than the last answer is
//     a follow-up: it counts as if a poll had brought it (a pending or
//     resolved conversation reopens);
//   - posts whose EditedAt (or Revision) is newer than the stored one take
//     the new text.
//
// tri scores the conversation after a follow-up, as Ingest does.
func RefreshThreadTx(tx Tx, convID string, posts []social.Post, busy bool, tri Triage, now time.Time) (ThreadResult, error) {
	var res ThreadResult
	_, err := UpdateConvTx(tx, convID, false, func(c *social.Conversation) error {
		res = ThreadResult{}
		c.ThreadCheckedAt = now
		var own, followUps []social.Post
		for _, p := range posts {
			if p.RemoteID == "" {
				continue
			}
			sp, known, err := tx.Post(p.Key())
			if err != nil {
				return err
			}
			if known {
				edited, err := applyEdit(tx, c, sp, p, now)
				if err != nil {
					return err
				}
				if edited {
					res.Edited++
				}
				continue
			}
			attached := p.Kind != social.KindOwn
			if attached {
				follow, err := isFollowUp(tx, c, p)
				if err != nil {
					return err
				}
				if follow {
					followUps = append(followUps, p)
					attached = false
				}
			}
			if err := tx.PutPost(StoredPost{Post: p, ConvID: c.ID, StoredAt: now, Attached: attached}); err != nil {
				return err
			}
			if c.PostKeys, err = insertByTime(tx, c.PostKeys, p); err != nil {
				return err
			}
			res.Added++
			if p.Kind == social.KindOwn && !busy {
				own = append(own, p)
			}
		}
		for _, p := range followUps {
			reopened, err := applyPost(tx, c, true, p, tri, now)
			if err != nil {
				return err
			}
			res.Reopened = res.Reopened || reopened
		}
		for _, p := range own {
			answered, err := answerOutside(tx, c, p, now)
			if err != nil {
				return err
			}
			res.AnsweredOutside = res.AnsweredOutside || answered
		}
		return nil
	})
	return res, err
}

// isFollowUp: a post by the conversation's customer, newer than the
// latest customer post, that answers the brand: it replies to a brand
// post of the conversation, or is newer than the latest answer. (Times of
// the brand's answers are hark's clock, the customer's the server's: a
// reply to the brand's post needs no time comparison.)
func isFollowUp(tx Tx, c *social.Conversation, p social.Post) (bool, error) {
	if c.Direct || c.Contact.Handle == "" || !strings.EqualFold(p.Author.Handle, c.Contact.Handle) {
		return false, nil
	}
	if !p.CreatedAt.After(c.LastCustomerAt) {
		return false, nil
	}
	if p.ReplyTo != "" {
		parent, ok, err := tx.Post(social.PostKey(p.Network, p.Account, p.ReplyTo))
		if err != nil {
			return false, err
		}
		if ok && parent.Kind == social.KindOwn && parent.ConvID == c.ID {
			return true, nil
		}
	}
	return p.CreatedAt.After(c.LastResponseAt), nil
}

// answerOutside records p, a brand post hark did not send, as an answer
// to the customer posts before it. It reports whether it answered one.
func answerOutside(tx Tx, c *social.Conversation, p social.Post, now time.Time) (bool, error) {
	prev := c.LastResponseAt
	if p.CreatedAt.After(c.LastResponseAt) {
		c.LastResponseAt = p.CreatedAt
	}
	// the customer it answers: its parent's author (else the contact)
	to := social.Post{Author: c.Contact}
	if p.ReplyTo != "" {
		parent, ok, err := tx.Post(social.PostKey(p.Network, p.Account, p.ReplyTo))
		if err != nil {
			return false, err
		}
		if ok && parent.Kind != social.KindOwn {
			to = parent.Post
		}
	}
	if c.WaitingSince.IsZero() || !p.CreatedAt.After(c.WaitingSince) {
		return false, nil
	}
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = p.CreatedAt
		c.FirstDueAt = c.DueAt
		c.FirstReplyBy = social.OutsideHark
	}
	c.Record(social.Activity{At: p.CreatedAt, By: social.OutsideHark, Action: social.ActReplied, Note: "outside hark: " + p.RemoteID})
	c.UpdatedAt = now
	markAnswered(c, to, p.CreatedAt, prev)
	first, _, found, err := waiting(tx, c, to, p.CreatedAt)
	if err != nil {
		return false, err
	}
	if found {
		c.WaitingSince = first // a later customer post still waits
		return true, nil
	}
	c.WaitingSince = time.Time{}
	c.DueAt = time.Time{}
	if c.State == social.StateNew || c.State == social.StateOpen {
		c.State = social.StatePending
	}
	return true, nil
}

// applyEdit takes a newer edit of a stored post: its text, and the
// conversation's preview when it is the latest customer post. An edit is
// another text with a newer EditedAt, or, on networks without edit times,
// with another Revision (then EditedAt is when hark saw it: now).
func applyEdit(tx Tx, c *social.Conversation, sp StoredPost, p social.Post, now time.Time) (bool, error) {
	if p.Text == sp.Text {
		return false, nil
	}
	editedAt := p.EditedAt
	switch {
	case !p.EditedAt.IsZero():
		if !p.EditedAt.After(sp.EditedAt) {
			return false, nil
		}
	case p.Revision != "" && sp.Revision != "" && p.Revision != sp.Revision:
		editedAt = now
	default:
		return false, nil
	}
	sp.Text = p.Text
	sp.EditedAt = editedAt
	sp.Revision = p.Revision
	if err := tx.PutPost(sp); err != nil {
		return false, err
	}
	if sp.Kind != social.KindOwn && sp.CreatedAt.Equal(c.LastCustomerAt) {
		c.Preview = firstLine(sp.Text)
	}
	return true, nil
}

// editStored applies an edit to a stored post and its conversation.
func editStored(tx Tx, sp StoredPost, p social.Post, now time.Time) (string, bool, error) {
	c, err := tx.Conv(sp.ConvID)
	if err != nil {
		return "", false, nil
	}
	old := c
	edited, err := applyEdit(tx, &c, sp, p, now)
	if err != nil || !edited {
		return c.ID, false, err
	}
	c.UpdatedAt = now
	return c.ID, true, tx.PutConv(&old, &c)
}

// MarkDeletedTx records that the author deleted a stored post (a thread
// fetch or a send found it gone). When no other customer post of the
// conversation waits for an answer, the conversation leaves the inbox:
// resolved, with a post-deleted entry in its trail. out reports that.
func MarkDeletedTx(tx Tx, key string, now time.Time) (conv social.Conversation, out bool, err error) {
	sp, ok, err := tx.Post(key)
	if err != nil {
		return conv, false, err
	}
	if !ok {
		return conv, false, fmt.Errorf("post %s: %w", key, ErrNotFound)
	}
	c, err := tx.Conv(sp.ConvID)
	if err != nil {
		return c, false, err
	}
	if !sp.DeletedAt.IsZero() {
		return c, false, nil
	}
	sp.DeletedAt = now
	if err := tx.PutPost(sp); err != nil {
		return c, false, err
	}
	old := c
	c.UpdatedAt = now
	c.Record(social.Activity{At: now, Action: social.ActPostDeleted, Note: sp.RemoteID})
	waits, err := waitsBesides(tx, &c, key)
	if err != nil {
		return c, false, err
	}
	if sp.Kind != social.KindOwn && c.State.Actionable() && !waits {
		c.State = social.StateResolved
		c.ResolvedAt = now
		c.WaitingSince = time.Time{}
		c.DueAt = time.Time{}
		out = true
	}
	return c, out, tx.PutConv(&old, &c)
}

// waitsBesides reports whether a customer post other than key, not
// deleted, waits for an answer (newer than the last response).
func waitsBesides(tx Tx, c *social.Conversation, key string) (bool, error) {
	for _, k := range c.PostKeys {
		if k == key {
			continue
		}
		sp, ok, err := tx.Post(k)
		if err != nil {
			return false, err
		}
		if !ok || sp.Kind == social.KindOwn || sp.Attached || !sp.DeletedAt.IsZero() {
			continue
		}
		if sp.CreatedAt.After(c.LastResponseAt) {
			return true, nil
		}
	}
	return false, nil
}

// markAnswered records that the brand answered to's author up to at.
// A conversation without the record yet starts it with every customer
// answered up to prev, the response before this one (what hark answered
// before it tracked customers one by one).
func markAnswered(c *social.Conversation, to social.Post, at, prev time.Time) {
	h := strings.ToLower(to.Author.Handle)
	if h == "" {
		return
	}
	if c.Answered == nil {
		c.Answered = map[string]time.Time{}
		if !prev.IsZero() {
			c.Answered["*"] = prev
		}
	}
	if at.After(c.Answered[h]) {
		c.Answered[h] = at
	}
}

// waiting finds the customer posts a reply to `to` (answering up to
// `answered`) leaves waiting: to's author's posts after answered, and the
// polled posts of every other customer of the thread after what the brand
// last answered them (a second customer is not answered by a reply to the
// first). It returns the time of the first and the latest such post.
func waiting(tx Tx, c *social.Conversation, to social.Post, answered time.Time) (time.Time, social.Post, bool, error) {
	toH := strings.ToLower(to.Author.Handle)
	if c.Answered == nil || toH == "" {
		return unanswered(tx, c, answered)
	}
	return customerPosts(tx, c, func(sp StoredPost) bool {
		if !sp.DeletedAt.IsZero() {
			return false
		}
		h := strings.ToLower(sp.Author.Handle)
		cut := answered
		if h != toH {
			if sp.Attached {
				return false // a bystander's post seen in the thread: context
			}
			cut = c.AnsweredUpTo(h)
		}
		return sp.CreatedAt.After(cut)
	})
}
