package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// The last check before a reply is queued (issue 19): a reply written on a
// screen that had not seen a newer customer post, or another operator's
// reply (queued or sent), of its conversation is refused with *NewerError
// carrying what is new. The check runs inside the enqueue's own write
// transaction, with the conversation read (on PostgreSQL locked FOR
// UPDATE) there, so a post ingested or a reply queued by another process
// at the same moment is either seen by the check or waits for it: there is
// no gap between the check and the queueing. The operator who saw the news
// and confirmed sends again with Seen.Anyway; the reply is then queued and
// the conversation's trail records it (social.ActSentOverNews, in the same
// transaction).

// Seen is what the screen that wrote a reply had shown of the reply's
// conversation (SeenOf builds it).
type Seen struct {
	// Posts are the keys of the conversation's posts the screen showed.
	Posts []string
	// Outbox is the highest outbox sequence of the conversation's replies
	// the screen knew of, queued or sent (0: none).
	Outbox uint64
	// Anyway: the operator saw the news and confirmed; the reply is queued
	// over it and the trail records what was new.
	Anyway bool
}

// SeenOf is what a screen showing conversation c has seen: its posts, and
// its replies known from the trail (sent, with their outbox sequence) and
// from the outbox entries the screen holds (any conversation's: the
// others are ignored).
func SeenOf(c social.Conversation, entries []OutboxEntry) Seen {
	s := Seen{Posts: slices.Clone(c.PostKeys)}
	for _, a := range c.Activity {
		if a.Action != social.ActReplied {
			continue
		}
		if n, err := strconv.ParseUint(a.Note, 10, 64); err == nil && n > s.Outbox {
			s.Outbox = n
		}
	}
	for _, e := range entries {
		if e.Reply.ConvID == c.ID && e.Seq > s.Outbox {
			s.Outbox = e.Seq
		}
	}
	return s
}

// News is what a conversation gained that a screen had not seen.
type News struct {
	// Posts are the customers' posts it had not shown, oldest first.
	Posts []StoredPost
	// Replies are other operators' replies of the conversation queued
	// (queued, being sent, scheduled) or sent after what it knew, by
	// sequence.
	Replies []OutboxEntry
}

// Empty reports whether nothing is new.
func (n News) Empty() bool { return len(n.Posts) == 0 && len(n.Replies) == 0 }

// Summary says what is new in a few words, for the trail and the log
// ("2 new posts, a reply by AK (queued)"). It names operators (from the
// config), never customers' text.
func (n News) Summary() string {
	var parts []string
	switch len(n.Posts) {
	case 0:
	case 1:
		parts = append(parts, "1 new post")
	default:
		parts = append(parts, fmt.Sprintf("%d new posts", len(n.Posts)))
	}
	for _, e := range n.Replies {
		who := e.Reply.By.Label()
		if who == "" {
			who = "another operator"
		}
		parts = append(parts, fmt.Sprintf("reply #%d by %s (%s)", e.Seq, who, e.State))
	}
	return strings.Join(parts, ", ")
}

// ErrNewer is what a *NewerError wraps.
var ErrNewer = errors.New("the conversation has news the reply's screen had not shown")

// NewerError refuses a reply whose screen had not seen what is now in its
// conversation. Send again with Seen.Anyway once the operator confirmed.
type NewerError struct {
	Conv string
	News News
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("conversation %s moved on since the reply was written: %s; nothing queued", e.Conv, e.News.Summary())
}

func (e *NewerError) Unwrap() error { return ErrNewer }

// OutboxReader is what the check reads of the outbox inside the enqueue's
// transaction.
type OutboxReader interface {
	// OpenEntries lists the open entries (not sent, not discarded) of a
	// conversation, by sequence.
	OpenEntries(convID string) ([]OutboxEntry, error)
	// EntryTx reads one entry (ok false if unknown).
	EntryTx(seq uint64) (OutboxEntry, bool, error)
}

// NewsTx finds what r's conversation gained since seen, inside tx. A
// conversation that is gone has no news (the enqueue goes on as before).
// The reply's own operator's replies are not news to them (their own
// screen queued them), nor are thread context posts (Attached) or the
// brand's own posts (a sent reply is known by its outbox entry).
func NewsTx(tx Tx, ob OutboxReader, r social.Reply, seen Seen) (social.Conversation, News, error) {
	var n News
	c, err := tx.Conv(r.ConvID)
	if errors.Is(err, ErrNotFound) {
		return c, n, nil
	}
	if err != nil {
		return c, n, err
	}
	known := make(map[string]bool, len(seen.Posts))
	for _, k := range seen.Posts {
		known[k] = true
	}
	for _, k := range c.PostKeys {
		if known[k] {
			continue
		}
		sp, ok, err := tx.Post(k)
		if err != nil {
			return c, n, err
		}
		if ok && sp.Kind != social.KindOwn && !sp.Attached {
			n.Posts = append(n.Posts, sp)
		}
	}
	other := func(e OutboxEntry) bool {
		return e.Seq > seen.Outbox && e.Reply.ID != r.ID && !e.Reply.By.Same(r.By)
	}
	open, err := ob.OpenEntries(c.ID)
	if err != nil {
		return c, n, err
	}
	for _, e := range open {
		switch e.State {
		case OutQueued, OutSending, OutScheduled:
			if other(e) {
				n.Replies = append(n.Replies, e)
			}
		}
	}
	for _, a := range c.Activity {
		if a.Action != social.ActReplied {
			continue
		}
		seq, err := strconv.ParseUint(a.Note, 10, 64)
		if err != nil || seq <= seen.Outbox {
			continue
		}
		e, ok, err := ob.EntryTx(seq)
		if err != nil {
			return c, n, err
		}
		if !ok { // the trail outlived the entry: what the trail says
			e = OutboxEntry{Seq: seq, State: OutSent, SentAt: a.At, Reply: social.Reply{ConvID: c.ID, By: a.By}}
		}
		if other(e) && !slices.ContainsFunc(n.Replies, func(x OutboxEntry) bool { return x.Seq == e.Seq }) {
			n.Replies = append(n.Replies, e)
		}
	}
	slices.SortFunc(n.Replies, func(a, b OutboxEntry) int { return int(a.Seq) - int(b.Seq) })
	return c, n, nil
}

// CheckSeenTx is the check itself, inside the enqueue's transaction: with
// news and without seen.Anyway it refuses with *NewerError (the caller
// rolls back: nothing is queued); with seen.Anyway it records in the trail
// who sent over what (social.ActSentOverNews) and lets the reply be queued.
func CheckSeenTx(tx Tx, ob OutboxReader, r social.Reply, seen Seen, now time.Time) (News, error) {
	c, n, err := NewsTx(tx, ob, r, seen)
	if err != nil || n.Empty() {
		return n, err
	}
	if !seen.Anyway {
		return n, &NewerError{Conv: r.ConvID, News: n}
	}
	old := c
	c.Record(social.Activity{At: now, By: r.By, Action: social.ActSentOverNews, Note: n.Summary()})
	if c.UpdatedAt.Before(now) {
		c.UpdatedAt = now
	}
	return n, tx.PutConv(&old, &c)
}
