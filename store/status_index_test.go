package store_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

// A bbolt store written before the status index (schema 9) gains it.
func TestStatusIndexMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hark.db")
	storetest.StatusIndexMigrates(t, func() store.Store {
		s, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func() {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket([]byte("outbox_status")); err != nil {
				return err
			}
			return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("9"))
		}); err != nil {
			t.Fatal(err)
		}
	})
}
