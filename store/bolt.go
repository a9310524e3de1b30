package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the schema this build writes.
const SchemaVersion = 3

var (
	bMeta       = []byte("meta")
	bPosts      = []byte("posts")       // post key -> storedPost JSON
	bConvs      = []byte("convs")       // id(8) -> Conversation JSON
	bConvByRoot = []byte("conv_root")   // root key -> id(8)
	bQueue      = []byte("queue")       // sort key -> refValue
	bCursors    = []byte("cursors")     // feed id -> cursor
	bFeedStatus = []byte("feed_status") // feed id -> FeedStatus JSON
	bOutbox     = []byte("outbox")      // seq(8) -> OutboxEntry JSON
	bContacts   = []byte("contacts")    // network/handle -> Contact JSON
	bDrafts     = []byte("drafts")      // id(8) -> text
	bOutboxIDs  = []byte("outbox_ids")  // reply id -> seq(8)
	keySchema   = []byte("schema")
)

// ErrLocked is returned when another process holds the store.
var ErrLocked = errors.New("store is in use by another hark process")

// ErrNotFound is returned for unknown ids.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned when the file was written by a newer hark.
var ErrNewerSchema = errors.New("store was written by a newer hark")

// Options tune Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock (default 1.5 s).
	Timeout time.Duration
	// NoSync skips fsync (tests and benchmarks only: unsafe on crash).
	NoSync bool
}

// Store is an open hark database. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	ro   bool
}

// Open opens (creating if needed) the store at path. A store held by another
// process fails within Options.Timeout with an error that names the file and
// the fix.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 1500 * time.Millisecond
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store %s: creating folder: %w", path, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         opts.Timeout,
		ReadOnly:        opts.ReadOnly,
		NoSync:          opts.NoSync,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 64 << 20,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			if opts.ReadOnly {
				return nil, fmt.Errorf("store %s: %w: bbolt lets no reader in while another process holds the file for writing; run this command after quitting hark, or run it inside hark (s: stats)", path, ErrLocked)
			}
			return nil, fmt.Errorf("store %s: %w: quit the other hark (or use --db to open another store)", path, ErrLocked)
		}
		return nil, fmt.Errorf("store %s: %w (if the file is damaged, move it aside and hark starts a new store)", path, err)
	}
	s := &Store{db: db, path: path, ro: opts.ReadOnly}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file name.
func (s *Store) Path() string { return s.path }

// DB exposes the bbolt handle for integrity checks (tests, doctor).
func (s *Store) DB() *bolt.DB { return s.db }

// Check runs bbolt's consistency check.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// ---- ids and keys ----

func idKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func idString(k []byte) string { return strconv.FormatUint(binary.BigEndian.Uint64(k), 10) }

func parseID(id string) ([]byte, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return nil, fmt.Errorf("conversation %q: %w", id, ErrNotFound)
	}
	return idKey(n), nil
}

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decoding %s/%q: %w", "bucket", k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}
