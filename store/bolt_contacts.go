package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// Contact is what hark knows about one customer handle on one network.
type Contact struct {
	Network   social.Network `json:"network"`
	Handle    string         `json:"handle"`
	Author    social.Author  `json:"author"` // latest seen profile
	VIP       bool           `json:"vip,omitempty"`
	Notes     string         `json:"notes,omitempty"`
	Tags      []string       `json:"tags,omitempty"`
	Brands    []string       `json:"brands,omitempty"`
	ConvIDs   []string       `json:"conv_ids,omitempty"`
	FirstSeen time.Time      `json:"first_seen,omitzero"`
	LastSeen  time.Time      `json:"last_seen,omitzero"`
}

func contactKey(n social.Network, handle string) []byte {
	return []byte(string(n) + "/" + strings.ToLower(strings.TrimPrefix(handle, "@")))
}

// touchContactFor records post p in its author's contact (customer posts only).
func touchContactFor(tx *bolt.Tx, c *social.Conversation, p social.Post) (Contact, error) {
	if p.Kind == social.KindOwn || p.Author.Handle == "" {
		return getContact(tx, c.Network, c.Contact.Handle), nil
	}
	b := tx.Bucket(bContacts)
	k := contactKey(p.Network, p.Author.Handle)
	ct := getContact(tx, p.Network, p.Author.Handle)
	if ct.Handle == "" {
		ct = Contact{Network: p.Network, Handle: p.Author.Handle, FirstSeen: p.CreatedAt}
	}
	ct.Author = p.Author
	if p.CreatedAt.After(ct.LastSeen) {
		ct.LastSeen = p.CreatedAt
	}
	if c.Brand != "" && !slices.Contains(ct.Brands, c.Brand) {
		ct.Brands = append(ct.Brands, c.Brand)
	}
	if !slices.Contains(ct.ConvIDs, c.ID) {
		ct.ConvIDs = append(ct.ConvIDs, c.ID)
	}
	if ct.VIP {
		c.VIP = true
	}
	return ct, putJSON(b, k, ct)
}

// touchContact rebuilds the contact of an existing conversation (migration).
func touchContact(tx *bolt.Tx, c *social.Conversation) error {
	if c.Contact.Handle == "" {
		return nil
	}
	_, err := touchContactFor(tx, c, social.Post{Network: c.Network, Author: c.Contact, CreatedAt: c.LastCustomerAt, Kind: social.KindMention})
	return err
}

func getContact(tx *bolt.Tx, n social.Network, handle string) Contact {
	var ct Contact
	if handle == "" {
		return ct
	}
	_, _ = getJSON(tx.Bucket(bContacts), contactKey(n, handle), &ct)
	return ct
}

func setContactVIP(tx *bolt.Tx, n social.Network, handle string, vip bool) error {
	if handle == "" {
		return nil
	}
	ct := getContact(tx, n, handle)
	if ct.Handle == "" {
		ct = Contact{Network: n, Handle: handle}
	}
	ct.VIP = vip
	return putJSON(tx.Bucket(bContacts), contactKey(n, handle), ct)
}

// Contact reads a contact (zero Contact with ErrNotFound if unknown).
func (s *Store) Contact(n social.Network, handle string) (Contact, error) {
	var ct Contact
	err := s.db.View(func(tx *bolt.Tx) error {
		ct = getContact(tx, n, handle)
		if ct.Handle == "" {
			return fmt.Errorf("contact %s/%s: %w", n, handle, ErrNotFound)
		}
		return nil
	})
	return ct, err
}

// UpdateContact edits a contact (notes, tags, VIP). A VIP change is copied
// onto the contact's conversations so the queue shows it at once; it
// returns their ids.
func (s *Store) UpdateContact(n social.Network, handle string, fn func(*Contact)) (Contact, []string, error) {
	var ct Contact
	var changed []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		changed = nil
		ct = getContact(tx, n, handle)
		if ct.Handle == "" {
			ct = Contact{Network: n, Handle: handle}
		}
		fn(&ct)
		ct.Handle = handle
		ct.Network = n
		if err := putJSON(tx.Bucket(bContacts), contactKey(n, handle), ct); err != nil {
			return err
		}
		// copy the flag onto every conversation that differs (a VIP from
		// the config list shows on conversations without being on the
		// contact, so compare each one, not the contact's old flag)
		for _, id := range ct.ConvIDs {
			c, err := getConv(tx, id)
			if err != nil || c.VIP == ct.VIP {
				continue
			}
			old := c
			c.VIP = ct.VIP
			if err := putConv(tx, &old, &c); err != nil {
				return err
			}
			changed = append(changed, id)
		}
		return nil
	})
	return ct, changed, err
}

// ---- drafts ----

// SaveDraft keeps the composer's text for a conversation ("" deletes it).
func (s *Store) SaveDraft(convID, text string) error {
	k, err := parseID(convID)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if text == "" {
			return tx.Bucket(bDrafts).Delete(k)
		}
		return tx.Bucket(bDrafts).Put(k, []byte(text))
	})
}

// Draft returns a conversation's saved draft.
func (s *Store) Draft(convID string) (string, error) {
	k, err := parseID(convID)
	if err != nil {
		return "", err
	}
	var d string
	err = s.db.View(func(tx *bolt.Tx) error {
		d = string(tx.Bucket(bDrafts).Get(k))
		return nil
	})
	return d, err
}

// ---- feed status ----

// FeedStatus is the last known health of a feed (shown in the TUI and doctor).
type FeedStatus struct {
	Feed      string            `json:"feed"`
	LastPoll  time.Time         `json:"last_poll,omitzero"`
	LastOK    time.Time         `json:"last_ok,omitzero"`
	LastError string            `json:"last_error,omitempty"`
	ErrorKind string            `json:"error_kind,omitempty"`
	Until     time.Time         `json:"until,omitzero"` // next attempt (backoff or rate-limit reset)
	Failures  int               `json:"failures"`
	Rate      social.RateStatus `json:"rate"`
	Stored    int               `json:"stored"` // posts stored by this feed, all time
}

// PutFeedStatus saves a feed's status.
func (s *Store) PutFeedStatus(st FeedStatus) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bFeedStatus), []byte(st.Feed), st)
	})
}

// FeedStatuses lists every feed's status.
func (s *Store) FeedStatuses() ([]FeedStatus, error) {
	var out []FeedStatus
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bFeedStatus).ForEach(func(k, v []byte) error {
			var st FeedStatus
			if ok, err := getJSON(tx.Bucket(bFeedStatus), k, &st); ok && err == nil {
				out = append(out, st)
			}
			return nil
		})
	})
	return out, err
}
