package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the schema this build writes.
const SchemaVersion = 11

var (
	bMeta       = []byte("meta")
	bPosts      = []byte("posts")       // post key -> stored post (binary, bincodec.go)
	bConvs      = []byte("convs")       // id(8) -> Conversation (binary, bincodec.go)
	bConvByRoot = []byte("conv_root")   // root key -> id(8)
	bQueue      = []byte("queue")       // sort key -> refValue
	bCursors    = []byte("cursors")     // feed id -> cursor
	bFeedStatus = []byte("feed_status") // feed id -> FeedStatus JSON
	bOutbox     = []byte("outbox")      // seq(8) -> OutboxEntry JSON
	bContacts   = []byte("contacts")    // network/handle -> Contact (binary, bincodec.go)
	bDrafts     = []byte("drafts")      // id(8) -> text
	bOutboxIDs  = []byte("outbox_ids")  // reply id -> seq(8)
	keySchema   = []byte("schema")
)

// Bolt is the bbolt store: one file, one process. It is safe for
// concurrent use.
type Bolt struct {
	db      *bolt.DB
	path    string
	ro      bool
	commits atomic.Int64
	trim    mapTrim
	pend    ftsPend // postings this process left pending (bolt_fts_pending.go)
}

var _ Store = (*Bolt)(nil)

// Open opens (creating if needed) the bbolt store at path. A store held by
// another process fails within Options.Timeout with an error that names the
// file and the fix.
func Open(path string, opts Options) (Store, error) {
	b, err := OpenBolt(path, opts)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// OpenBolt is Open returning the concrete bbolt store.
func OpenBolt(path string, opts Options) (*Bolt, error) {
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
	if err := checkHeader(path, opts.ReadOnly); err != nil {
		if errors.Is(err, errDamaged) {
			return nil, fmt.Errorf("store %s: %w; move it aside and hark starts a new store", path, err)
		}
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
				return nil, fmt.Errorf("store %s: %w: bbolt lets no reader in while another process holds the file for writing, and that process did not answer this command on its socket (an older hark, or one whose socket could not be made: see its log); run this command after quitting it, or inside hark (s: stats)", path, ErrLocked)
			}
			return nil, fmt.Errorf("store %s: %w: quit the other hark (or use --db to open another store)", path, ErrLocked)
		}
		return nil, fmt.Errorf("store %s: %w (if the file is damaged, move it aside and hark starts a new store)", path, err)
	}
	s := &Bolt{db: db, path: path, ro: opts.ReadOnly}
	if !opts.ReadOnly && opts.Warn != nil {
		if err := pageCheck(path); err != nil {
			opts.Warn(fmt.Sprintf("store %s fails its page check (%s): copy the file somewhere safe before hark writes to it; "+
				"if hark misbehaves, move it aside and hark starts a new store", path, firstLines(err.Error(), 3)))
		}
	}
	if err := s.safeMigrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// safeMigrate is migrate, with a panic of bbolt's on a damaged page (an
// assertion on the page's type) turned into an error that says so.
func (s *Bolt) safeMigrate() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%v); move it aside and hark starts a new store", errDamaged, r)
		}
	}()
	return s.migrate()
}

// firstLines is the first n lines of s joined with "; " (and how many more).
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return strings.Join(lines, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(lines[:n], "; "), len(lines)-n)
}

// Close writes the postings still pending into the index and closes the
// file.
func (s *Bolt) Close() error {
	err := s.CatchUpIndex(context.Background())
	return errors.Join(err, s.db.Close())
}

// Path is the file name.
func (s *Bolt) Path() string { return s.path }

// Backend is "bbolt".
func (s *Bolt) Backend() string { return "bbolt" }

// Doctor runs bbolt's page check and recounts the queue index.
func (s *Bolt) Doctor(ctx context.Context) ([]Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Finding
	err := s.db.View(s.watched(func(tx *bolt.Tx) error { // the whole file: given back as Check goes
		out = append(out, Finding{Name: "backend", OK: true, Detail: "bbolt " + s.path})
		out = append(out, Finding{Name: "schema", OK: true, Detail: fmt.Sprintf("version %d (this hark writes %d)", schemaOf(tx), SchemaVersion)})
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			out = append(out, Finding{Name: "pages", OK: false, Detail: errors.Join(errs...).Error()})
		} else {
			out = append(out, Finding{Name: "pages", OK: true, Detail: fmt.Sprintf("%d pages checked, no errors", tx.Size()/int64(s.db.Info().PageSize))})
		}
		have, want := readCounts(tx), countIndex(tx)
		out = append(out, Finding{Name: "counts", OK: have == want, Detail: fmt.Sprintf("kept %v, recounted %v", have, want)})
		f := indexFinding(indexState(tx))
		if _, n := pendingState(tx); n > 0 {
			f.Detail += fmt.Sprintf(" (the postings of the latest polls' %d posts wait: written every %d posts, at a search if another process left them, and at exit)", n, ftsPendingPosts)
		}
		out = append(out, f)
		return nil
	}))
	return out, err
}

// indexFinding says whether the search index is complete (a store from an
// older hark, or copied, needs it built once; searches scan meanwhile).
func indexFinding(complete bool, _ uint64) Finding {
	if complete {
		return Finding{Name: "search index", OK: true, Detail: "complete"}
	}
	return Finding{Name: "search index", OK: true, Detail: "not built: searches read every conversation until `hark store reindex` builds it"}
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

// update runs a write transaction after checking ctx (bbolt cannot be
// interrupted once it runs; its transactions are short).
func (s *Bolt) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t0 := time.Now()
	// watched: bbolt remaps the file only in Commit, after fn returns
	err := s.db.Update(s.watched(fn))
	if err == nil {
		s.commits.Add(1)
	}
	s.maybeTrim(time.Since(t0) > longRead)
	return err
}

// longRead is how long a transaction that probably read a lot (a scan)
// takes: after one the resident set is checked at once (bolt_mmap.go).
// It is the watch's period: a transaction long enough to be watched may
// have had a check moments before it ended (the watch's, which sets the
// rate limit's clock), and what it mapped after that check would
// otherwise stay mapped until the next read.
const longRead = watchEvery

func (s *Bolt) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t0 := time.Now()
	err := s.db.View(s.watched(fn))
	s.maybeTrim(time.Since(t0) > longRead)
	return err
}

// boltTx is the shared rules' view of a bbolt write transaction.
type boltTx struct{ tx *bolt.Tx }

func (b boltTx) Post(key string) (StoredPost, bool, error) {
	sp, ok := getPost(b.tx, key)
	return sp, ok, nil
}

func (b boltTx) PutPost(sp StoredPost) error {
	if err := putPostRecord(b.tx, sp); err != nil {
		return err
	}
	return indexPost(b.tx, sp)
}

// putPostRecord writes a post's record (not its postings).
func putPostRecord(tx *bolt.Tx, sp StoredPost) error {
	pb := tx.Bucket(bPosts)
	pb.FillPercent = 0.9
	raw, err := postBin.encode(&sp)
	if err != nil {
		return err
	}
	return pb.Put([]byte(sp.Key()), raw)
}

func (b boltTx) Conv(id string) (social.Conversation, error) { return getConv(b.tx, id) }

func (b boltTx) ConvIDByRoot(root string) (string, bool, error) {
	idb := b.tx.Bucket(bConvByRoot).Get([]byte(root))
	if idb == nil {
		return "", false, nil
	}
	return idString(idb), true, nil
}

func (b boltTx) NewConv(root string) (string, error) {
	seq, err := b.tx.Bucket(bConvs).NextSequence()
	if err != nil {
		return "", err
	}
	byRoot := b.tx.Bucket(bConvByRoot)
	byRoot.FillPercent = 0.9
	if err := byRoot.Put([]byte(root), idKey(seq)); err != nil {
		return "", err
	}
	return idString(idKey(seq)), nil
}

func (b boltTx) PutConv(old, c *social.Conversation) error { return putConv(b.tx, old, c) }

func (b boltTx) Contact(n social.Network, handle string) (Contact, error) {
	return getContact(b.tx, n, handle), nil
}

func (b boltTx) PutContact(ct Contact) error {
	k := contactKey(ct.Network, ct.Handle)
	cb := b.tx.Bucket(bContacts)
	if b.tx.Bucket(bIndex) != nil {
		old, _, err := contactAt(cb, k)
		if err != nil {
			old = Contact{}
		}
		if err := indexContact(b.tx, &old, &ct); err != nil {
			return err
		}
	}
	raw, err := contactBin.encode(&ct)
	if err != nil {
		return err
	}
	return cb.Put(k, raw)
}

// Commits is the number of write transactions committed since Open (tests
// check that an idle hark writes nothing).
func (s *Bolt) Commits() int64 { return s.commits.Load() }

// WriteStats is what the commits since Open wrote: pages, and the time
// spent writing them (fsync included) — benchmarks report it per batch.
func (s *Bolt) WriteStats() (pages int64, write time.Duration) {
	st := s.db.Stats().TxStats
	return st.GetWrite(), st.GetWriteTime()
}
