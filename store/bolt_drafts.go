package store

import (
	"bytes"
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

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

// Drafts lists the conversations with a saved draft, in id order.
func (s *Bolt) Drafts(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bDrafts).ForEach(func(k, _ []byte) error {
			ids = append(ids, idString(k))
			return nil
		})
	})
	return ids, err
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
