package store_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
	bolt "go.etcd.io/bbolt"
)

// TestContract runs the backend contract suite on bbolt.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) store.Store {
			s, err := store.Open(filepath.Join(t.TempDir(), "hark.db"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Reopen: func(t *testing.T, s store.Store) (store.Store, error) {
			s.Close()
			return store.Open(s.Path(), store.Options{NoSync: true})
		},
		BumpSchema: func(t *testing.T, s store.Store) {
			s.Close()
			db, err := bolt.Open(s.Path(), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(strconv.Itoa(store.SchemaVersion+1)))
			}); err != nil {
				t.Fatal(err)
			}
		},
	})
}
