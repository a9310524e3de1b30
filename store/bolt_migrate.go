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
	9: migrateOutboxStatus,
	// 10 → 11 (binarySchema): the documents in the binary form, a chunk a
	// transaction (migrateBinaryChunked), after the others
}

// binarySchema is the schema whose documents are in the binary form
// (bincodec.go): the last migration, in transactions of its own.
const binarySchema = 11

// binaryChunk is how many documents a step of migrateBinaryChunked rewrites (a
// variable for tests).
var binaryChunk = 5000

// binaryBucket is a bucket migrateBinaryChunked rewrites: its documents' tag and
// how one is rewritten.
type binaryBucket struct {
	name []byte
	tag  byte
	conv func(v []byte) ([]byte, error)
}

var binaryBuckets = []binaryBucket{
	{bConvs, binConv, recode(convBin.decode, convBin.encode)},
	{bPosts, binPost, recode(postBin.decode, postBin.encode)},
	{bContacts, binCont, recode(contactBin.decode, contactBin.encode)},
}

// recode is a document read by dec and written again by enc.
func recode[T any](dec func([]byte) (T, error), enc func(*T) ([]byte, error)) func([]byte) ([]byte, error) {
	return func(v []byte) ([]byte, error) {
		x, err := dec(v)
		if err != nil {
			return nil, err
		}
		return enc(&x)
	}
}

// binaryStep rewrites up to binaryChunk JSON documents of a bucket from
// key from on (nil: the first) and returns the key to go on from (nil:
// the bucket is done).
func binaryStep(tx *bolt.Tx, b *binaryBucket, from []byte) ([]byte, error) {
	bk := tx.Bucket(b.name)
	if bk == nil {
		return nil, nil
	}
	bk.FillPercent = 0.9 // rewritten in key order
	type kv struct{ k, v []byte }
	var chunk []kv
	c := bk.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	for ; k != nil && len(chunk) < binaryChunk; k, v = c.Next() {
		if len(v) > 0 && v[0] == b.tag {
			continue
		}
		nv, err := b.conv(v)
		if err != nil {
			continue
		}
		chunk = append(chunk, kv{bytes.Clone(k), nv})
	}
	var next []byte
	if k != nil {
		next = bytes.Clone(k)
	}
	for _, e := range chunk {
		if err := bk.Put(e.k, e.v); err != nil {
			return nil, fmt.Errorf("%s %q: %w", b.name, e.k, err)
		}
	}
	return next, nil
}

// migrateBinaryChunked takes a schema 10 store to 11 (start), or finishes
// that (a store left half way), a chunk of documents a transaction: in
// the one transaction of the migrations every rewritten page is new and
// none is freed until it commits, and the file of a year's history (1.3
// GB) grew to 2.3; committed chunk by chunk, each chunk reuses the pages
// the ones before it freed (the file stays 1.3 GB). The first transaction
// says schema 11, with keyBinaryPending, so that an older hark refuses the
// file rather than read binary documents it does not know; the last
// deletes the key. Half way, the store is valid: every read takes both
// forms.
func (s *Bolt) migrateBinaryChunked(start bool) error {
	if start {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			m := tx.Bucket(bMeta)
			if err := m.Put(keyBinaryPending, []byte("1")); err != nil {
				return err
			}
			return m.Put(keySchema, []byte(strconv.Itoa(binarySchema)))
		}); err != nil {
			return fmt.Errorf("migrating schema %d to %d: %w", binarySchema-1, binarySchema, err)
		}
	}
	for i := range binaryBuckets {
		var next []byte
		for {
			err := s.db.Update(func(tx *bolt.Tx) error {
				var err error
				next, err = binaryStep(tx, &binaryBuckets[i], next)
				return err
			})
			if err != nil {
				return fmt.Errorf("migrating schema %d to %d: %s: %w", binarySchema-1, binarySchema, binaryBuckets[i].name, err)
			}
			if next == nil {
				break
			}
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(keyBinaryPending) })
}

// keyBinaryPending marks a store whose documents migrateBinaryChunked
// has not finished rewriting.
var keyBinaryPending = []byte("binary_pending")

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
		c, err := convBin.decode(v)
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
	var pending bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		v = schemaOf(tx)
		pending = v > 0 && tx.Bucket(bMeta).Get(keyBinaryPending) != nil
		return nil
	}); err != nil {
		return err
	}
	if v > SchemaVersion {
		return NewerSchemaError(v, SchemaVersion, "use --db for another store")
	}
	if v == SchemaVersion && (!pending || s.ro) { // half rewritten: read as it is
		return nil
	}
	if s.ro {
		return fmt.Errorf("schema %d needs an upgrade to %d; run hark once without --read-only", v, SchemaVersion)
	}
	// up to the schema before the binary documents in one transaction,
	// then those a chunk a transaction, then any after them
	if v < binarySchema-1 {
		if err := s.runMigrations(v, binarySchema-1); err != nil {
			return err
		}
		v = binarySchema - 1
	}
	if v == binarySchema-1 || pending {
		if err := s.migrateBinaryChunked(v == binarySchema-1); err != nil {
			return err
		}
		v = binarySchema
	}
	return s.runMigrations(v, SchemaVersion)
}

// runMigrations takes the store from schema from to schema to, in one
// transaction.
func (s *Bolt) runMigrations(from, to int) error {
	if from >= to {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for i := from; i < to; i++ {
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
