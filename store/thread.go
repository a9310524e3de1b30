package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
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

// RefreshThread stores a conversation's thread as fetched from the
// network, in one transaction:
//
//   - posts hark had not seen are added (the customer's and bystanders'
//     as "attached": context, until a poll brings them);
//   - a brand post hark did not send that is newer than the waiting
//     customer post is an answer given outside hark: the first response
//     is recorded (by social.OutsideHark) and the conversation moves on to
//     pending unless a later customer post still waits;
//   - a post by the conversation's customer newer than the last answer is
//     a follow-up: it counts as if a poll had brought it (a pending or
//     resolved conversation reopens);
//   - posts whose EditedAt is newer than the stored one take the new text.
//
// tri scores the conversation after a follow-up, as Ingest does.
func (s *Store) RefreshThread(convID string, posts []social.Post, tri Triage, now time.Time) (ThreadResult, error) {
	var res ThreadResult
	_, err := s.updateConv(convID, func(tx *bolt.Tx, c *social.Conversation) error {
		res = ThreadResult{}
		c.ThreadCheckedAt = now
		pb := tx.Bucket(bPosts)
		busy := inFlight(tx, c.ID)
		var own, followUps []social.Post
		for _, p := range posts {
			if p.RemoteID == "" {
				continue
			}
			if sp, ok := getPost(tx, p.Key()); ok {
				if edited, err := applyEdit(tx, c, sp, p, now); err != nil {
					return err
				} else if edited {
					res.Edited++
				}
				continue
			}
			attached := p.Kind != social.KindOwn
			if attached && isFollowUp(tx, c, p) {
				followUps = append(followUps, p)
				attached = false
			}
			sp := StoredPost{Post: p, ConvID: c.ID, StoredAt: now, Attached: attached}
			if err := putJSON(pb, []byte(p.Key()), sp); err != nil {
				return err
			}
			c.PostKeys = insertByTime(tx, c.PostKeys, p)
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
			if answerOutside(tx, c, p, now) {
				res.AnsweredOutside = true
			}
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
func isFollowUp(tx *bolt.Tx, c *social.Conversation, p social.Post) bool {
	if c.Direct || c.Contact.Handle == "" || !strings.EqualFold(p.Author.Handle, c.Contact.Handle) {
		return false
	}
	if !p.CreatedAt.After(c.LastCustomerAt) {
		return false
	}
	if p.ReplyTo != "" {
		if parent, ok := getPost(tx, social.PostKey(p.Network, p.Account, p.ReplyTo)); ok && parent.Kind == social.KindOwn && parent.ConvID == c.ID {
			return true
		}
	}
	return p.CreatedAt.After(c.LastResponseAt)
}

// inFlight reports whether a reply of this conversation may be on its way
// (sending, or queued after an attempt that may have reached the
// network): a brand post seen in the thread then may be hark's own, which
// MarkSent will record.
func inFlight(tx *bolt.Tx, convID string) bool {
	busy := false
	_ = tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
		var e OutboxEntry
		if json.Unmarshal(v, &e) == nil && e.Reply.ConvID == convID &&
			(e.State == OutSending || (e.State == OutQueued && e.Uncertain)) {
			busy = true
		}
		return nil
	})
	return busy
}

// answerOutside records p, a brand post hark did not send, as an answer
// to the customer posts before it. It reports whether it answered one.
func answerOutside(tx *bolt.Tx, c *social.Conversation, p social.Post, now time.Time) bool {
	prev := c.LastResponseAt
	if p.CreatedAt.After(c.LastResponseAt) {
		c.LastResponseAt = p.CreatedAt
	}
	// the customer it answers: its parent's author (else the contact)
	to := social.Post{Author: c.Contact}
	if parent, ok := getPost(tx, social.PostKey(p.Network, p.Account, p.ReplyTo)); ok && p.ReplyTo != "" && parent.Kind != social.KindOwn {
		to = parent.Post
	}
	if c.WaitingSince.IsZero() || !p.CreatedAt.After(c.WaitingSince) {
		return false
	}
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = p.CreatedAt
		c.FirstDueAt = c.DueAt
		c.FirstReplyBy = social.OutsideHark
	}
	c.Record(social.Activity{At: p.CreatedAt, By: social.OutsideHark, Action: social.ActReplied, Note: "outside hark: " + p.RemoteID})
	c.UpdatedAt = now
	markAnswered(c, to, p.CreatedAt, prev)
	if first, _, ok := waiting(tx, c, to, p.CreatedAt); ok {
		c.WaitingSince = first // a later customer post still waits
		return true
	}
	c.WaitingSince = time.Time{}
	c.DueAt = time.Time{}
	if c.State == social.StateNew || c.State == social.StateOpen {
		c.State = social.StatePending
	}
	return true
}

// applyEdit takes a newer edit of a stored post: its text, and the
// conversation's preview when it is the latest customer post. An edit is
// another text with a newer EditedAt, or, on networks without edit times,
// with another Revision (then EditedAt is when hark saw it: now).
func applyEdit(tx *bolt.Tx, c *social.Conversation, sp StoredPost, p social.Post, now time.Time) (bool, error) {
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
	if err := putJSON(tx.Bucket(bPosts), []byte(sp.Key()), sp); err != nil {
		return false, err
	}
	if sp.Kind != social.KindOwn && sp.CreatedAt.Equal(c.LastCustomerAt) {
		c.Preview = firstLine(sp.Text)
	}
	return true, nil
}

// editStored applies an edit to a stored post and its conversation.
func editStored(tx *bolt.Tx, sp StoredPost, p social.Post, now time.Time) (string, bool, error) {
	c, err := getConv(tx, sp.ConvID)
	if err != nil {
		return "", false, nil
	}
	old := c
	edited, err := applyEdit(tx, &c, sp, p, now)
	if err != nil || !edited {
		return c.ID, false, err
	}
	c.UpdatedAt = now
	return c.ID, true, putConv(tx, &old, &c)
}

// MarkDeleted records that the author deleted a stored post (a thread
// fetch or a send found it gone). When no other customer post of the
// conversation waits for an answer, the conversation leaves the inbox:
// resolved, with a post-deleted entry in its trail. out reports that.
func (s *Store) MarkDeleted(key string, now time.Time) (conv social.Conversation, out bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		out = false
		sp, ok := getPost(tx, key)
		if !ok {
			return fmt.Errorf("post %s: %w", key, ErrNotFound)
		}
		c, err := getConv(tx, sp.ConvID)
		if err != nil {
			return err
		}
		conv = c
		if !sp.DeletedAt.IsZero() {
			return nil
		}
		sp.DeletedAt = now
		if err := putJSON(tx.Bucket(bPosts), []byte(key), sp); err != nil {
			return err
		}
		old := c
		c.UpdatedAt = now
		c.Record(social.Activity{At: now, Action: social.ActPostDeleted, Note: sp.RemoteID})
		if sp.Kind != social.KindOwn && c.State.Actionable() && !waitsBesides(tx, &c, key) {
			c.State = social.StateResolved
			c.ResolvedAt = now
			c.WaitingSince = time.Time{}
			c.DueAt = time.Time{}
			out = true
		}
		if err := putConv(tx, &old, &c); err != nil {
			return err
		}
		conv = c
		return nil
	})
	return conv, out, err
}

// waitsBesides reports whether a customer post other than key, not
// deleted, waits for an answer (newer than the last response).
func waitsBesides(tx *bolt.Tx, c *social.Conversation, key string) bool {
	for _, k := range c.PostKeys {
		if k == key {
			continue
		}
		sp, ok := getPost(tx, k)
		if !ok || sp.Kind == social.KindOwn || sp.Attached || !sp.DeletedAt.IsZero() {
			continue
		}
		if sp.CreatedAt.After(c.LastResponseAt) {
			return true
		}
	}
	return false
}
