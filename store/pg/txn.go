package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txn is store.Tx over a PostgreSQL transaction: reads go through a cache
// (filled in bulk by prefetch, row by row on a miss, conversations and
// contacts locked FOR UPDATE), writes are buffered and sent by flush in one
// pipelined batch. Documents stay JSON bytes and are decoded on every read,
// as bbolt does, so callers never share slices.
type txn struct {
	ctx      context.Context
	conn     *pgx.Conn
	tx       querier // the connection, inside BEGIN … COMMIT
	begun    bool    // BEGIN was sent (prefetch pipelines it with its reads)
	posts    map[string]*postEnt
	tsvs     map[string]string // posts' index words, folded before the transaction
	convs    map[uint64]*convEnt
	roots    map[string]uint64 // 0: known to be absent
	contacts map[string]*docEnt
	convSeq  int64
	seqState int // 0 unread, 1 read (locked), 2 changed
	counts   [4]int64
	totals   totals         // what the conversations written move in the running totals
	extra    pgx.Batch      // statements of the operation itself (cursor, outbox, drafts)
	outbox   []int64        // outbox entries written (announced with the commit)
	reword   map[int64]bool // conversations whose search words are rebuilt from their posts
}

type postEnt struct {
	raw    []byte
	tsv    string // the search index's words (set when written)
	convID int64
	known  bool
	write  int // 0 none, 1 insert, 2 update
}

type convEnt struct {
	raw      []byte
	root     []byte
	exists   bool // in the database
	dirty    bool
	rank     int16
	sortKey  []byte
	ref      []byte
	attrs    convAttrs
	notFound bool
}

type docEnt struct {
	raw   []byte
	known bool
	dirty bool
	// contacts: the search index's words and conversations
	tsv, convIDs string
}

// querier is what a transaction's statements run on.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// begin sends BEGIN unless it was sent already.
func (t *txn) begin() error {
	if t.begun {
		return nil
	}
	t.begun = true
	_, err := t.conn.Exec(t.ctx, "BEGIN")
	return err
}

// autoBegin runs statements on the connection, sending BEGIN before the
// first one (a batch sends its own: prefetch and flush pipeline it).
type autoBegin struct{ t *txn }

func (a autoBegin) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := a.t.begin(); err != nil {
		return nil, err
	}
	return a.t.conn.Query(ctx, sql, args...)
}

func (a autoBegin) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := a.t.begin(); err != nil {
		return errRow{err}
	}
	return a.t.conn.QueryRow(ctx, sql, args...)
}

func (a autoBegin) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := a.t.begin(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return a.t.conn.Exec(ctx, sql, args...)
}

func (a autoBegin) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return a.t.conn.SendBatch(ctx, b)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func newTxn(ctx context.Context, conn *pgx.Conn) *txn {
	t := &txn{ctx: ctx, conn: conn, posts: map[string]*postEnt{}, convs: map[uint64]*convEnt{},
		roots: map[string]uint64{}, contacts: map[string]*docEnt{}}
	t.tx = autoBegin{t}
	return t
}

var _ store.Tx = (*txn)(nil)

func (t *txn) Post(key string) (store.StoredPost, bool, error) {
	var sp store.StoredPost
	e, ok := t.posts[key]
	if !ok {
		e = &postEnt{}
		err := t.tx.QueryRow(t.ctx, "SELECT conv_id, doc FROM posts WHERE key = $1", []byte(key)).Scan(&e.convID, &e.raw)
		if errors.Is(err, pgx.ErrNoRows) {
			err = nil
		} else if err == nil {
			e.known = true
		}
		if err != nil {
			return sp, false, err
		}
		t.posts[key] = e
	}
	if !e.known {
		return sp, false, nil
	}
	if err := json.Unmarshal(e.raw, &sp); err != nil {
		return sp, false, nil // bbolt reads an undecodable post as absent
	}
	return sp, true, nil
}

func (t *txn) PutPost(sp store.StoredPost) error {
	raw, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	cid, err := store.ParseID(sp.ConvID)
	if err != nil {
		return err
	}
	key := sp.Key()
	e, ok := t.posts[key]
	if !ok {
		// never read: it is new unless the database says otherwise (a
		// unique violation then retries the transaction)
		e = &postEnt{write: 1}
		t.posts[key] = e
	}
	switch {
	case e.write != 0:
	case e.known:
		e.write = 2
	default:
		e.write = 1
	}
	if e.write == 2 {
		// an update that changes the words (never, today: promotion and
		// deletion keep text and author) rebuilds the conversations'
		// search rows from their posts
		var was store.StoredPost
		if json.Unmarshal(e.raw, &was) != nil || was.Text != sp.Text || was.Author.DisplayName != sp.Author.DisplayName ||
			was.Author.Handle != sp.Author.Handle || int64(cid) != e.convID {
			if t.reword == nil {
				t.reword = map[int64]bool{}
			}
			t.reword[e.convID], t.reword[int64(cid)] = true, true
		}
	}
	e.raw, e.convID, e.known = raw, int64(cid), true
	if v, ok := t.tsvs[key]; ok {
		// folded before the transaction (Ingest): the polled post, whose
		// text and author are what is stored under its key
		e.tsv = v
	} else {
		e.tsv = postTSV(sp)
	}
	return nil
}

func (t *txn) loadConvRow(id uint64, root, raw []byte) {
	t.convs[id] = &convEnt{raw: raw, root: root, exists: true}
	t.roots[string(root)] = id
}

func (t *txn) Conv(id string) (social.Conversation, error) {
	n, err := store.ParseID(id)
	if err != nil {
		return social.Conversation{}, err
	}
	e, ok := t.convs[n]
	if !ok {
		var root, raw []byte
		err := t.tx.QueryRow(t.ctx, "SELECT root_key, doc FROM conversations WHERE id = $1 FOR UPDATE", int64(n)).Scan(&root, &raw)
		if errors.Is(err, pgx.ErrNoRows) {
			t.convs[n] = &convEnt{notFound: true}
			return social.Conversation{}, fmt.Errorf("conversation %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return social.Conversation{}, err
		}
		t.loadConvRow(n, root, raw)
		e = t.convs[n]
	}
	if e.notFound || e.raw == nil {
		return social.Conversation{}, fmt.Errorf("conversation %s: %w", id, store.ErrNotFound)
	}
	return store.DecodeConv(e.raw)
}

func (t *txn) ConvIDByRoot(root string) (string, bool, error) {
	id, ok := t.roots[root]
	if !ok {
		var raw []byte
		var n int64
		err := t.tx.QueryRow(t.ctx, "SELECT id, doc FROM conversations WHERE root_key = $1 FOR UPDATE", []byte(root)).Scan(&n, &raw)
		if errors.Is(err, pgx.ErrNoRows) {
			t.roots[root] = 0
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		if _, have := t.convs[uint64(n)]; !have {
			t.loadConvRow(uint64(n), []byte(root), raw)
		}
		t.roots[root] = uint64(n)
		id = uint64(n)
	}
	if id == 0 {
		return "", false, nil
	}
	return strconv.FormatUint(id, 10), true, nil
}

func (t *txn) lockSeq() error {
	if t.seqState != 0 {
		return nil
	}
	if err := t.tx.QueryRow(t.ctx, "SELECT n FROM counters WHERE name = 'conv' FOR UPDATE").Scan(&t.convSeq); err != nil {
		return fmt.Errorf("conversation sequence: %w", err)
	}
	t.seqState = 1
	return nil
}

func (t *txn) NewConv(root string) (string, error) {
	if err := t.lockSeq(); err != nil {
		return "", err
	}
	t.convSeq++
	t.seqState = 2
	id := uint64(t.convSeq)
	t.convs[id] = &convEnt{root: []byte(root)}
	t.roots[root] = id
	return strconv.FormatUint(id, 10), nil
}

func (t *txn) PutConv(old, c *social.Conversation) error {
	n, err := store.ParseID(c.ID)
	if err != nil {
		return err
	}
	e, ok := t.convs[n]
	if !ok || e.notFound {
		return fmt.Errorf("conversation %s: written without being read", c.ID)
	}
	c.Version++
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	sk, err := store.SortKey(c)
	if err != nil {
		return err
	}
	to := store.Rank(c.State)
	if old == nil {
		t.counts[to]++
	} else if from := store.Rank(old.State); from != to {
		t.counts[from]--
		t.counts[to]++
	}
	e.raw, e.dirty, e.rank, e.sortKey, e.ref = raw, true, int16(to), sk, store.RefValue(c)
	e.attrs = attrsOf(c)
	t.totals.add(old, c)
	return nil
}

func (t *txn) Contact(n social.Network, handle string) (store.Contact, error) {
	var ct store.Contact
	if handle == "" {
		return ct, nil
	}
	key := store.ContactKey(n, handle)
	e, ok := t.contacts[key]
	if !ok {
		e = &docEnt{}
		err := t.tx.QueryRow(t.ctx, "SELECT doc FROM contacts WHERE key = $1 FOR UPDATE", []byte(key)).Scan(&e.raw)
		if errors.Is(err, pgx.ErrNoRows) {
			err = nil
		} else if err == nil {
			e.known = true
		}
		if err != nil {
			return ct, err
		}
		t.contacts[key] = e
	}
	if e.known {
		_ = json.Unmarshal(e.raw, &ct) // bbolt reads an undecodable contact as unknown
	}
	return ct, nil
}

func (t *txn) PutContact(ct store.Contact) error {
	raw, err := json.Marshal(ct)
	if err != nil {
		return err
	}
	t.contacts[store.ContactKey(ct.Network, ct.Handle)] = &docEnt{raw: raw, known: true, dirty: true,
		tsv: contactTSV(ct), convIDs: pgArray(contactConvIDs(ct))}
	return nil
}

// prefetch reads, in one round trip, what a batch of posts will ask for:
// the posts themselves and their parents, the conversations they may join
// (locked), their authors' contacts (locked) and the conversation
// sequence; then, in a second one, the latest post of each conversation
// found (insertByTime compares with it).
func (t *txn) prefetch(posts []social.Post) error {
	var keys, roots, cts [][]byte
	seen := map[string]bool{}
	add := func(list *[][]byte, tag, k string) {
		if !seen[tag+k] {
			seen[tag+k] = true
			*list = append(*list, []byte(k))
		}
	}
	for _, p := range posts {
		add(&keys, "p", p.Key())
		if p.ReplyTo != "" {
			add(&keys, "p", social.PostKey(p.Network, p.Account, p.ReplyTo))
		}
		for _, r := range store.CandidateRoots(p) {
			add(&roots, "r", r)
		}
		if p.Kind != social.KindOwn && p.Author.Handle != "" {
			add(&cts, "c", store.ContactKey(p.Network, p.Author.Handle))
		}
	}
	var b pgx.Batch
	if !t.begun {
		t.begun = true
		b.Queue("BEGIN")
	}
	b.Queue("SELECT key, conv_id, doc FROM posts WHERE key = ANY($1)", keys)
	// two indexed lookups (an OR of them would scan the table)
	b.Queue("SELECT id, root_key, doc FROM conversations WHERE root_key = ANY($1) ORDER BY id FOR UPDATE", roots)
	b.Queue(`SELECT id, root_key, doc FROM conversations
		WHERE id = ANY(ARRAY(SELECT conv_id FROM posts WHERE key = ANY($1))) ORDER BY id FOR UPDATE`, keys)
	b.Queue("SELECT key, doc FROM contacts WHERE key = ANY($1) ORDER BY key FOR UPDATE", cts)
	b.Queue("SELECT n FROM counters WHERE name = 'conv' FOR UPDATE")
	t.totals.prefetchQuery(&b, posts)
	br := t.tx.SendBatch(t.ctx, &b)
	defer br.Close()
	if b.Len() == 7 { // BEGIN
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	for _, k := range keys {
		t.posts[string(k)] = &postEnt{}
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	if err := t.loadPostRows(rows); err != nil {
		return err
	}
	for _, r := range roots {
		t.roots[string(r)] = 0
	}
	var found []uint64
	for range 2 {
		rows, err = br.Query()
		if err != nil {
			return err
		}
		err := scanConvRows(rows, func(id uint64, root, raw []byte) {
			if _, dup := t.convs[id]; dup {
				return
			}
			t.loadConvRow(id, root, raw)
			found = append(found, id)
		})
		if err != nil {
			return err
		}
	}
	for _, k := range cts {
		t.contacts[string(k)] = &docEnt{}
	}
	rows, err = br.Query()
	if err != nil {
		return err
	}
	for rows.Next() {
		var k, raw []byte
		if err := rows.Scan(&k, &raw); err != nil {
			return err
		}
		t.contacts[string(k)] = &docEnt{raw: raw, known: true}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := br.QueryRow().Scan(&t.convSeq); err != nil {
		return err
	}
	t.seqState = 1
	if err := t.totals.readPrefetch(br); err != nil {
		return fmt.Errorf("running totals: %w", err)
	}
	if err := br.Close(); err != nil {
		return err
	}
	// the latest post of each conversation found
	var last [][]byte
	for _, id := range found {
		c, err := store.DecodeConv(t.convs[id].raw)
		if err != nil || len(c.PostKeys) == 0 {
			continue
		}
		k := c.PostKeys[len(c.PostKeys)-1]
		if _, ok := t.posts[k]; !ok {
			add(&last, "l", k)
		}
	}
	if len(last) == 0 {
		return nil
	}
	for _, k := range last {
		t.posts[string(k)] = &postEnt{}
	}
	rows, err = t.tx.Query(t.ctx, "SELECT key, conv_id, doc FROM posts WHERE key = ANY($1)", last)
	if err != nil {
		return err
	}
	return t.loadPostRows(rows)
}

// loadPostRows reads rows of (key, conv_id, doc) into the transaction's
// posts, and closes them.
func (t *txn) loadPostRows(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var k, raw []byte
		var cid int64
		if err := rows.Scan(&k, &cid, &raw); err != nil {
			return err
		}
		t.posts[string(k)] = &postEnt{raw: raw, convID: cid, known: true}
	}
	return rows.Err()
}

// scanConvRows calls fn with each of rows of (id, root_key, doc), and
// closes them.
func scanConvRows(rows pgx.Rows, fn func(id uint64, root, raw []byte)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var root, raw []byte
		if err := rows.Scan(&id, &root, &raw); err != nil {
			return err
		}
		fn(uint64(id), root, raw)
	}
	return rows.Err()
}

// convCols are the conversations a flush writes, as columns.
type convCols struct {
	ids                  []int64
	ranks                []int16
	roots, sks, refs     [][]byte
	docs                 [][]byte
	langs, sents, states []*string
	lastCustomer         []*int64
}

// flush sends every buffered write in one pipelined batch: posts and
// conversations as arrays (one statement each way), contacts, the
// sequence, the counts, then the operation's own statements.
func (t *txn) flush() error {
	var b pgx.Batch
	if err := t.totals.apply(t.ctx, t.tx, &b); err != nil {
		return err
	}
	var pIns, pUpd struct {
		keys, docs [][]byte
		conv       []int64
		tsv        []string
	}
	for k, e := range t.posts {
		switch e.write {
		case 1:
			pIns.keys, pIns.docs, pIns.conv, pIns.tsv = append(pIns.keys, []byte(k)), append(pIns.docs, e.raw), append(pIns.conv, e.convID), append(pIns.tsv, e.tsv)
		case 2:
			pUpd.keys, pUpd.docs, pUpd.conv, pUpd.tsv = append(pUpd.keys, []byte(k)), append(pUpd.docs, e.raw), append(pUpd.conv, e.convID), append(pUpd.tsv, e.tsv)
		}
	}
	if len(pIns.keys) > 0 {
		b.Queue("INSERT INTO posts (key, conv_id, doc, tsv) SELECT k, c, d, t::tsvector FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], $4::text[]) AS u(k, c, d, t)",
			pIns.keys, pIns.conv, pIns.docs, pIns.tsv)
	}
	if len(pUpd.keys) > 0 {
		b.Queue(`UPDATE posts p SET conv_id = u.c, doc = u.d, tsv = u.t::tsvector FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], $4::text[]) AS u(k, c, d, t)
			WHERE p.key = u.k`, pUpd.keys, pUpd.conv, pUpd.docs, pUpd.tsv)
	}
	var cIns, cUpd convCols
	for id, e := range t.convs {
		if !e.dirty {
			continue
		}
		c := &cUpd
		if !e.exists {
			c = &cIns
			c.roots = append(c.roots, e.root)
		}
		c.ids, c.ranks, c.sks, c.refs, c.docs = append(c.ids, int64(id)), append(c.ranks, e.rank), append(c.sks, e.sortKey), append(c.refs, e.ref), append(c.docs, e.raw)
		c.langs, c.sents, c.states, c.lastCustomer = append(c.langs, e.attrs.lang), append(c.sents, e.attrs.sentiment), append(c.states, e.attrs.state), append(c.lastCustomer, e.attrs.lastCustomer)
	}
	if len(cIns.ids) > 0 {
		b.Queue(`INSERT INTO conversations (id, root_key, rank, sort_key, ref, doc, lang, sentiment, state, last_customer_at)
			SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::smallint[], $4::bytea[], $5::bytea[], $6::bytea[], $7::text[], $8::text[], $9::text[], $10::bigint[])`,
			cIns.ids, cIns.roots, cIns.ranks, cIns.sks, cIns.refs, cIns.docs, cIns.langs, cIns.sents, cIns.states, cIns.lastCustomer)
	}
	if len(cUpd.ids) > 0 {
		b.Queue(`UPDATE conversations c SET rank = u.r, sort_key = u.s, ref = u.f, doc = u.d, lang = u.l, sentiment = u.se, state = u.st, last_customer_at = u.t
			FROM unnest($1::bigint[], $2::smallint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[], $7::text[], $8::text[], $9::bigint[]) AS u(i, r, s, f, d, l, se, st, t)
			WHERE c.id = u.i`, cUpd.ids, cUpd.ranks, cUpd.sks, cUpd.refs, cUpd.docs, cUpd.langs, cUpd.sents, cUpd.states, cUpd.lastCustomer)
	}
	if err := t.searchRows(&b, &cIns, &cUpd); err != nil {
		return err
	}
	var ctKeys, ctDocs [][]byte
	var ctTSV, ctConvs []string
	for k, e := range t.contacts {
		if e.dirty {
			ctKeys, ctDocs = append(ctKeys, []byte(k)), append(ctDocs, e.raw)
			ctTSV, ctConvs = append(ctTSV, e.tsv), append(ctConvs, e.convIDs)
		}
	}
	if len(ctKeys) > 0 {
		b.Queue(`INSERT INTO contacts (key, doc, tsv, conv_ids) SELECT k, d, t::tsvector, i::bigint[] FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::text[]) AS u(k, d, t, i)
			ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc, tsv = EXCLUDED.tsv, conv_ids = EXCLUDED.conv_ids`, ctKeys, ctDocs, ctTSV, ctConvs)
	}
	if t.seqState == 2 {
		b.Queue("UPDATE counters SET n = $1 WHERE name = 'conv'", t.convSeq)
	}
	var ranks []int16
	var deltas []int64
	for r, d := range t.counts {
		if d != 0 {
			ranks, deltas = append(ranks, int16(r)), append(deltas, d)
		}
	}
	if len(ranks) > 0 {
		b.Queue(`UPDATE queue_counts q SET n = q.n + u.d FROM unnest($1::smallint[], $2::bigint[]) AS u(r, d)
			WHERE q.rank = u.r`, ranks, deltas)
	}
	for _, qq := range t.extra.QueuedQueries {
		b.Queue(qq.SQL, qq.Arguments...)
	}
	// the commit rides in the same round trip; after an error in the
	// batch the server skips it and the caller rolls back
	b.Queue("COMMIT")
	if !t.begun {
		t.begun = true
		qs := b.QueuedQueries
		b = pgx.Batch{}
		b.Queue("BEGIN")
		for _, q := range qs {
			b.Queue(q.SQL, q.Arguments...)
		}
	}
	return t.tx.SendBatch(t.ctx, &b).Close()
}

// searchRows queues the writes of the conversations' search rows (after
// the posts and conversations): every conversation written gets its row
// (new, or its sort key, ref and attributes), the posts inserted add their
// words to their conversation's tsvector, and a conversation whose posts'
// words changed otherwise (t.reword) gets its tsvector rebuilt from its
// posts.
func (t *txn) searchRows(b *pgx.Batch, sets ...*convCols) error {
	var c convCols
	for _, x := range sets {
		c.ids, c.sks, c.refs = append(c.ids, x.ids...), append(c.sks, x.sks...), append(c.refs, x.refs...)
		c.langs, c.sents, c.states, c.lastCustomer = append(c.langs, x.langs...), append(c.sents, x.sents...),
			append(c.states, x.states...), append(c.lastCustomer, x.lastCustomer...)
	}
	written := make(map[int64]bool, len(c.ids))
	for _, id := range c.ids {
		written[id] = true
	}
	// the posts inserted, by conversation: their words join the row
	// written with the conversation, or else (a post without its
	// conversation written) an update of the row
	var pConv, oConv []int64
	var pTSV, oTSV []string
	var pKeys, oKeys [][]byte
	for k, e := range t.posts {
		switch {
		case e.write != 1 || t.reword[e.convID]:
		case written[e.convID]:
			pConv, pTSV, pKeys = append(pConv, e.convID), append(pTSV, e.tsv), append(pKeys, []byte(k))
		default:
			oConv, oTSV, oKeys = append(oConv, e.convID), append(oTSV, e.tsv), append(oKeys, []byte(k))
		}
	}
	if len(c.ids) > 0 {
		// one statement, one row version: a row whose words do not change
		// keeps its tsvector as it is (an update that leaves the GIN
		// index alone, HOT when the page has room)
		b.Queue(`INSERT INTO conv_search AS s (id, sort_key, ref, lang, sentiment, state, last_customer_at, tsv, pad)
			SELECT u.*, coalesce(a.t, ''), CASE WHEN a.t IS NOT NULL THEN `+searchPad+` END
			FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::bigint[]) AS u(i, s, f, l, se, st, lc)
			LEFT JOIN (SELECT c, hark_tsv_cat(t::tsvector ORDER BY k) AS t
				FROM unnest($8::bigint[], $9::text[], $10::bytea[]) AS p(c, t, k) GROUP BY c) a ON a.c = u.i
			ON CONFLICT (id) DO UPDATE SET sort_key = EXCLUDED.sort_key, ref = EXCLUDED.ref, lang = EXCLUDED.lang,
			sentiment = EXCLUDED.sentiment, state = EXCLUDED.state, last_customer_at = EXCLUDED.last_customer_at,
			tsv = CASE WHEN EXCLUDED.pad IS NULL THEN s.tsv ELSE s.tsv || EXCLUDED.tsv END,
			pad = coalesce(EXCLUDED.pad, s.pad)`,
			c.ids, c.sks, c.refs, c.langs, c.sents, c.states, c.lastCustomer, pConv, pTSV, pKeys)
	}
	if len(oConv) > 0 {
		b.Queue(`UPDATE conv_search s SET tsv = s.tsv || a.t, pad = `+searchPad+`
			FROM (SELECT c, hark_tsv_cat(t::tsvector ORDER BY k) AS t FROM unnest($1::bigint[], $2::text[], $3::bytea[]) AS u(c, t, k) GROUP BY c) a
			WHERE s.id = a.c`, oConv, oTSV, oKeys)
	}
	for id := range t.reword {
		var raw []byte
		if e := t.convs[uint64(id)]; e != nil && !e.notFound && e.raw != nil {
			raw = e.raw
		} else if err := t.tx.QueryRow(t.ctx, "SELECT doc FROM conversations WHERE id = $1", id).Scan(&raw); errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("search row %d: %w", id, err)
		}
		c, err := store.DecodeConv(raw)
		if err != nil {
			continue
		}
		keys := make([][]byte, len(c.PostKeys))
		for i, k := range c.PostKeys {
			keys[i] = []byte(k)
		}
		b.Queue(`UPDATE conv_search SET tsv = coalesce((SELECT hark_tsv_cat(tsv ORDER BY key) FROM posts
			WHERE key = ANY($2) AND tsv IS NOT NULL), ''), pad = `+searchPad+` WHERE id = $1`, id, keys)
	}
	return nil
}
