package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// Status posts: a brand's own top-level post ("We know the site is down;
// we're on it"), on one or several of its accounts, each account's copy an
// outbox entry (so it is sent once, retried and never lost like a reply).
// A status post is its outbox entries: each copy's Reply.ConvID is
// StatusRef(id) (status posts have no conversation) and its Reply.To.Brand
// the brand (To is otherwise empty: the post answers nothing); the
// follow-up that resolves it is one entry per copy with StatusRef(id,
// true), threaded under the copy. Every backend keeps them with the
// outbox, and where each copy went (remote id, link) is the entry's.

// StatusPost is one status post of a brand.
type StatusPost struct {
	ID        string       `json:"id"`
	Brand     string       `json:"brand"`
	Text      string       `json:"text"`
	CreatedAt time.Time    `json:"created_at,omitzero"`
	By        social.Actor `json:"by,omitzero"`
	Items     []StatusItem `json:"items"`
	// Resolved: a follow-up ("Power is back") was queued under it.
	Resolved   bool      `json:"resolved,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	FollowUp   string    `json:"follow_up,omitempty"`
}

// StatusItem is the copy of a status post on one account.
type StatusItem struct {
	Network  social.Network `json:"network"`
	Account  string         `json:"account"`
	Seq      uint64         `json:"seq"`                  // its outbox entry
	Follow   uint64         `json:"follow_seq,omitempty"` // the follow-up's outbox entry
	State    OutboxState    `json:"state"`
	RemoteID string         `json:"remote_id,omitempty"`
	URL      string         `json:"url,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// StatusRef is the outbox entry's pointer to its status post, kept in
// its Reply.ConvID: "status:ID", or "status:ID:follow" for the follow-up.
func StatusRef(id string, follow bool) string {
	if follow {
		return "status:" + id + ":follow"
	}
	return "status:" + id
}

// ParseStatusRef reads a Reply.ConvID written by StatusRef.
func ParseStatusRef(convID string) (id string, follow, ok bool) {
	rest, ok := strings.CutPrefix(convID, "status:")
	if !ok || rest == "" {
		return "", false, false
	}
	if id, ok := strings.CutSuffix(rest, ":follow"); ok && id != "" {
		return id, true, true
	}
	return rest, false, true
}

// IsStatus reports whether an outbox entry is a copy of a status post or
// its follow-up (not a reply to a conversation).
func (e OutboxEntry) IsStatus() bool { return strings.HasPrefix(e.Reply.ConvID, "status:") }

// StatusIndexer is a store that indexes the outbox's status entries, so
// listing the status posts does not read every reply ever written.
type StatusIndexer interface {
	// OutboxStatuses lists the entries that are status posts' copies and
	// follow-ups, oldest first.
	OutboxStatuses(ctx context.Context) ([]OutboxEntry, error)
}

// Statuses lists the status posts of a brand ("" = every brand), newest
// first, at most n (0 = all), from the store's index of status entries
// when it has one, else from one read of the outbox.
func Statuses(ctx context.Context, s Reader, brand string, n int) ([]StatusPost, error) {
	var entries []OutboxEntry
	var err error
	if x, ok := s.(StatusIndexer); ok {
		entries, err = x.OutboxStatuses(ctx)
	} else {
		entries, err = s.Outbox(ctx, func(e OutboxEntry) bool { return e.IsStatus() })
	}
	if err != nil {
		return nil, fmt.Errorf("status posts: %w", err)
	}
	byID := map[string]*StatusPost{}
	var order []string
	follows := map[string][]OutboxEntry{}
	for _, e := range entries { // oldest first
		id, follow, ok := ParseStatusRef(e.Reply.ConvID)
		if !ok {
			continue
		}
		if follow {
			follows[id] = append(follows[id], e)
			continue
		}
		st := byID[id]
		if st == nil {
			st = &StatusPost{ID: id, Brand: e.Reply.To.Brand, Text: e.Reply.Text, CreatedAt: e.QueuedAt, By: e.Reply.By}
			byID[id] = st
			order = append(order, id)
		}
		st.Items = append(st.Items, StatusItem{Network: e.Reply.Network, Account: e.Reply.Account, Seq: e.Seq,
			State: e.State, RemoteID: e.Sent.RemoteID, URL: e.Sent.URL, Error: e.LastError})
	}
	for id, fs := range follows {
		st := byID[id]
		if st == nil {
			continue
		}
		for _, f := range fs {
			if f.State == OutDropped {
				continue
			}
			st.Resolved, st.ResolvedAt, st.FollowUp = true, f.QueuedAt, f.Reply.Text
			for i := range st.Items {
				it := &st.Items[i]
				if it.Network == f.Reply.Network && it.Account == f.Reply.Account {
					it.Follow = f.Seq
				}
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return byID[order[i]].Items[0].Seq > byID[order[j]].Items[0].Seq })
	var out []StatusPost
	for _, id := range order {
		st := byID[id]
		if brand != "" && st.Brand != brand {
			continue
		}
		out = append(out, *st)
		if n > 0 && len(out) >= n {
			break
		}
	}
	return out, nil
}

// Status reads one status post.
func Status(ctx context.Context, s Store, id string) (StatusPost, error) {
	all, err := Statuses(ctx, s, "", 0)
	if err != nil {
		return StatusPost{}, err
	}
	for _, st := range all {
		if st.ID == id {
			return st, nil
		}
	}
	return StatusPost{}, fmt.Errorf("status %s: %w", id, ErrNotFound)
}
