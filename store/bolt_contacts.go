package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// touchContact rebuilds the contact of an existing conversation (migration).
func touchContact(tx *bolt.Tx, c *social.Conversation) error {
	if c.Contact.Handle == "" {
		return nil
	}
	_, err := touchContactFor(boltTx{tx}, c, social.Post{Network: c.Network, Author: c.Contact, CreatedAt: c.LastCustomerAt, Kind: social.KindMention})
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

// Contact reads a contact (zero Contact with ErrNotFound if unknown).
func (s *Bolt) Contact(ctx context.Context, n social.Network, handle string) (Contact, error) {
	var ct Contact
	err := s.view(ctx, func(tx *bolt.Tx) error {
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
func (s *Bolt) UpdateContact(ctx context.Context, n social.Network, handle string, fn func(*Contact)) (Contact, []string, error) {
	var ct Contact
	var changed []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		ct, changed, err = UpdateContactTx(boltTx{tx}, n, handle, fn)
		return err
	})
	return ct, changed, err
}

// ForEachContact calls fn for every contact in key order.
func (s *Bolt) ForEachContact(ctx context.Context, fn func(Contact) bool) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bContacts)
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var ct Contact
			if _, err := getJSON(b, k, &ct); err != nil {
				return fmt.Errorf("contact %q: %w", k, err)
			}
			if !fn(ct) {
				return nil
			}
		}
		return nil
	})
}

// ---- drafts ----

// SaveDraft keeps the composer's text for a conversation ("" deletes it).
func (s *Bolt) SaveDraft(ctx context.Context, convID, text string) error {
	k, err := parseID(convID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if text == "" {
			return tx.Bucket(bDrafts).Delete(k)
		}
		return tx.Bucket(bDrafts).Put(k, []byte(text))
	})
}

// Draft returns a conversation's saved draft.
func (s *Bolt) Draft(ctx context.Context, convID string) (string, error) {
	k, err := parseID(convID)
	if err != nil {
		return "", err
	}
	var d string
	err = s.view(ctx, func(tx *bolt.Tx) error {
		d = string(tx.Bucket(bDrafts).Get(k))
		return nil
	})
	return d, err
}

// ---- feed status ----

// PutFeedStatus saves a feed's status.
func (s *Bolt) PutFeedStatus(ctx context.Context, st FeedStatus) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	same := false
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		same = bytes.Equal(tx.Bucket(bFeedStatus).Get([]byte(st.Feed)), raw)
		return nil
	}); err != nil || same {
		return err // unchanged: nothing written
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bFeedStatus), []byte(st.Feed), st)
	})
}

// FeedStatuses lists every feed's status.
func (s *Bolt) FeedStatuses(ctx context.Context) ([]FeedStatus, error) {
	var out []FeedStatus
	err := s.view(ctx, func(tx *bolt.Tx) error {
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
