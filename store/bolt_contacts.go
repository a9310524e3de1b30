package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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

// contactAt reads the contact document at k of the contacts bucket b
// (binary or JSON), without the LastSeen kept beside it; ok is false when
// there is none.
func contactAt(b *bolt.Bucket, k []byte) (ct Contact, ok bool, err error) {
	raw := b.Get(k)
	if raw == nil {
		return Contact{}, false, nil
	}
	ct, err = contactFrom(k, raw)
	return ct, true, err
}

// contactFrom decodes the contact document raw, stored at key k (a walk
// over the bucket has both: no second lookup).
func contactFrom(k, raw []byte) (Contact, error) {
	ct, err := contactBin.decode(raw)
	if err != nil {
		return Contact{}, fmt.Errorf("contact %q: %w", k, err)
	}
	return ct, nil
}

// eachContact calls fn for every contact of the file in key order (k, its
// key), and stops at the first error, fn's or a contact's that does not
// decode.
func eachContact(tx *bolt.Tx, fn func(k []byte, ct *Contact) error) error {
	return tx.Bucket(bContacts).ForEach(func(k, v []byte) error {
		ct, err := contactFrom(k, v)
		if err != nil {
			return err
		}
		return fn(k, &ct)
	})
}

func getContact(tx *bolt.Tx, n social.Network, handle string) Contact {
	var ct Contact
	if handle == "" {
		return ct
	}
	k := contactKey(n, handle)
	if raw := tx.Bucket(bContacts).Get(k); raw != nil {
		var err error
		if ct, err = contactBin.decode(raw); err != nil {
			return Contact{}
		}
		mergeSeen(tx, k, &ct)
	}
	return ct
}

// A contact's LastSeen moves with every post of its author, and a contact
// document rewritten for that alone (a page of the contacts bucket each,
// anywhere in it: the keys are handles) was the largest part of a poll's
// commit. When a batch changes nothing else of a contact, the new time is
// kept in bContactSeen under the contact's newest conversation, whose id is
// near the other recent ones (a page or two a batch):
//
//	id(8) of the contact's last ConvIDs entry | contact key → time (MarshalBinary)
//
// Every read of a contact takes the later of the two (mergeSeen); a write
// of the whole document carries the merged time, and a new conversation
// (a new last ConvIDs entry) always rewrites the document, so the entry of
// an older conversation is never later than the document's.
var bContactSeen = []byte("contact_seen")

func seenKey(convID string, ck []byte) []byte {
	id, err := parseID(convID)
	if err != nil {
		return nil
	}
	return append(id, ck...)
}

// mergeSeen gives ct the later LastSeen kept beside its document; it
// reports whether there was one.
func mergeSeen(tx *bolt.Tx, ck []byte, ct *Contact) bool {
	sb := tx.Bucket(bContactSeen)
	if sb == nil || len(ct.ConvIDs) == 0 {
		return false
	}
	k := seenKey(ct.ConvIDs[len(ct.ConvIDs)-1], ck)
	if k == nil {
		return false
	}
	v := sb.Get(k)
	if v == nil {
		return false
	}
	var t time.Time
	if err := t.UnmarshalBinary(v); err != nil || !t.After(ct.LastSeen) {
		return false
	}
	ct.LastSeen = t
	return true
}

// putSeen keeps a contact's new LastSeen beside its document (the rest of
// which is unchanged); false if it cannot (no conversation to key it).
func putSeen(tx *bolt.Tx, ck []byte, ct *Contact) (bool, error) {
	sb := tx.Bucket(bContactSeen)
	if sb == nil || len(ct.ConvIDs) == 0 {
		return false, nil
	}
	k := seenKey(ct.ConvIDs[len(ct.ConvIDs)-1], ck)
	if k == nil {
		return false, nil
	}
	v, err := ct.LastSeen.MarshalBinary()
	if err != nil {
		return false, nil
	}
	sb.FillPercent = 0.9 // keyed by recent conversations: filled from the end
	return true, sb.Put(k, v)
}

// contactDoc is a contact's stored document as Export gives it: with the
// LastSeen kept beside it merged in.
func contactDoc(tx *bolt.Tx, k, raw []byte) ([]byte, error) {
	ct, err := contactBin.decode(raw)
	if err != nil {
		return raw, nil // as stored: the reader reports it
	}
	if !mergeSeen(tx, k, &ct) && raw[0] != binCont {
		return raw, nil
	}
	return json.Marshal(ct)
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
		return s.scan(tx, bContacts, func(k, v []byte) (bool, error) { // every contact: a long scan
			ct, err := contactFrom(k, v)
			if err != nil {
				return false, err
			}
			mergeSeen(tx, k, &ct)
			return fn(ct), nil
		})
	})
}
