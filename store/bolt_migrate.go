package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// migrations[i] upgrades a store from schema i to i+1. Version 0 is a new,
// empty file.
var migrations = []func(tx *bolt.Tx) error{
	0: migrateCreate,
	1: migrateContacts,
	2: migrateCounts,
	3: migrateIndex,
	4: migrateTotals,
	5: migrateOutboxOpen,
	6: migrateTotalsBinary,
	7: migrateNames,
	8: migrateIngest,
	9: migrateBinary,
}

// migrateBinary (schema 10) rewrites every conversation, post and contact in the
// binary form (bincodec.go), a chunk of keys at a time (bbolt's cursor may
// not outlive a Put to its bucket). A document that does not decode is
// left as it is (decodeConv and decodePost still read JSON, and report it
// as before).
func migrateBinary(tx *bolt.Tx) error {
	for _, b := range []struct {
		name []byte
		tag  byte
		conv func(v []byte) ([]byte, error)
	}{
		{bConvs, binConv, func(v []byte) ([]byte, error) {
			c, err := decodeConv(v)
			if err != nil {
				return nil, err
			}
			return encodeConv(&c)
		}},
		{bPosts, binPost, func(v []byte) ([]byte, error) {
			sp, err := decodePost(v)
			if err != nil {
				return nil, err
			}
			return encodePost(&sp)
		}},
		{bContacts, binCont, func(v []byte) ([]byte, error) {
			ct, err := decodeContact(v)
			if err != nil {
				return nil, err
			}
			return encodeContact(&ct)
		}},
	} {
		bk := tx.Bucket(b.name)
		bk.FillPercent = 0.9 // rewritten in key order
		type kv struct{ k, v []byte }
		var next []byte
		for {
			var chunk []kv
			c := bk.Cursor()
			k, v := c.First()
			if next != nil {
				k, v = c.Seek(next)
			}
			for ; k != nil && len(chunk) < 2000; k, v = c.Next() {
				if len(v) > 0 && v[0] == b.tag {
					continue
				}
				nv, err := b.conv(v)
				if err != nil {
					continue
				}
				chunk = append(chunk, kv{bytes.Clone(k), nv})
			}
			if k != nil {
				next = bytes.Clone(k)
			}
			for _, e := range chunk {
				if err := bk.Put(e.k, e.v); err != nil {
					return fmt.Errorf("%s %q: %w", b.name, e.k, err)
				}
			}
			if k == nil {
				break
			}
		}
	}
	return nil
}

// migrateCounts (schema 3) stores the number of conversations per state, so
// reading them no longer scans the queue index.
func migrateCounts(tx *bolt.Tx) error { return writeCounts(tx, countIndex(tx)) }

// schemaV1Buckets are the buckets of the first (skeleton) schema.
var schemaV1Buckets = [][]byte{bMeta, bPosts, bConvs, bConvByRoot, bQueue, bCursors, bOutbox}

func migrateCreate(tx *bolt.Tx) error {
	for _, name := range schemaV1Buckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// migrateContacts adds contacts, drafts, feed status and the outbox id index
// (schema 2), and builds them from the existing conversations and outbox.
func migrateContacts(tx *bolt.Tx) error {
	for _, name := range [][]byte{bContacts, bDrafts, bFeedStatus, bOutboxIDs} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	ob, ids := tx.Bucket(bOutbox), tx.Bucket(bOutboxIDs)
	if err := ob.ForEach(func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("outbox entry %x: %w", k, err)
		}
		return ids.Put([]byte(e.Reply.ID), k)
	}); err != nil {
		return err
	}
	convs := tx.Bucket(bConvs)
	return convs.ForEach(func(k, v []byte) error {
		c, err := decodeConv(v)
		if err != nil {
			return err
		}
		return touchContact(tx, &c)
	})
}

func schemaOf(tx *bolt.Tx) int {
	m := tx.Bucket(bMeta)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m.Get(keySchema)))
	return n
}

func (s *Bolt) migrate() error {
	var v int
	if err := s.db.View(func(tx *bolt.Tx) error { v = schemaOf(tx); return nil }); err != nil {
		return err
	}
	if v > SchemaVersion {
		return NewerSchemaError(v, SchemaVersion, "use --db for another store")
	}
	if v == SchemaVersion {
		return nil
	}
	if s.ro {
		return fmt.Errorf("schema %d needs an upgrade to %d; run hark once without --read-only", v, SchemaVersion)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for i := v; i < SchemaVersion; i++ {
			if err := migrations[i](tx); err != nil {
				return fmt.Errorf("migrating schema %d to %d: %w", i, i+1, err)
			}
			m := tx.Bucket(bMeta)
			if err := m.Put(keySchema, []byte(strconv.Itoa(i+1))); err != nil {
				return err
			}
		}
		return nil
	})
}
