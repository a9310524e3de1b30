package pg

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/fold"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The full-text index on PostgreSQL: tsvector columns with GIN indexes on
// posts and contacts, attribute columns on conversations (migration 2).
// Words are folded in Go by package fold, exactly as on bbolt, and sent as
// tsvector and tsquery literals: 'simple' lexemes with no dictionary, so a
// search finds the same conversations on both backends.

const maxPos = 16383 // tsvector's highest position

// searchPad is written with every conv_search tsvector: it makes the row
// long enough for PostgreSQL to move the tsvector out of line (migration
// 7), and compresses to a few bytes itself.
const searchPad = "repeat(' ', 2100)"

// tsvLiteral writes lexemes with positions and a weight.
type tsvBuilder struct {
	pos map[string][]string
	at  int
}

func (b *tsvBuilder) add(words []string, weight string) {
	if b.pos == nil {
		b.pos = map[string][]string{}
	}
	for _, w := range words {
		b.at = min(b.at+1, maxPos)
		b.pos[w] = append(b.pos[w], strconv.Itoa(b.at)+weight)
	}
	b.at = min(b.at+2, maxPos) // a gap: no phrase spans two parts
}

func (b *tsvBuilder) String() string {
	var sb strings.Builder
	for w, ps := range b.pos {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(quoteLexeme(w))
		if len(ps) > 0 {
			sb.WriteByte(':')
			sb.WriteString(strings.Join(ps, ","))
		}
	}
	return sb.String()
}

// addBare adds lexemes without positions.
func (b *tsvBuilder) addBare(words []string) {
	if b.pos == nil {
		b.pos = map[string][]string{}
	}
	for _, w := range words {
		if _, ok := b.pos[w]; !ok {
			b.pos[w] = nil
		}
	}
}

// handleGrams are the lexemes from: looks up a part of a handle by: '~'
// and each run of three characters of the handle as its key holds it
// (lower case, no @), so a part of three or more characters is found by
// the GIN index (its own runs all there) and then checked; a handle that
// is not valid UTF-8 or holds a NUL gets the lexeme '~' alone, which every
// lookup takes.
func handleGrams(handle string) []string {
	if !utf8.ValidString(handle) || strings.IndexByte(handle, 0) >= 0 { // text holds neither
		return []string{"~"}
	}
	rs := []rune(handle)
	var out []string
	seen := map[string]bool{}
	for i := 0; i+3 <= len(rs); i++ {
		if g := "~" + string(rs[i:i+3]); !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// handlePart is the handle in a contact's key (after the network).
func handlePart(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// gramQuery is the tsquery of the contacts whose handle may contain v
// ("" when v is too short or not valid UTF-8: the handles are scanned).
func gramQuery(v string) string {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 || utf8.RuneCountInString(v) < 3 {
		return ""
	}
	gs := handleGrams(v)
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = quoteLexeme(g)
	}
	return "(" + strings.Join(parts, " & ") + ") | '~'"
}

// quoteLexeme quotes a folded word (letters and digits only, but quoted
// and escaped anyway).
func quoteLexeme(w string) string {
	if !strings.ContainsAny(w, `\'`) {
		return "'" + w + "'"
	}
	return "'" + lexemeQuoter.Replace(w) + "'"
}

// lexemeQuoter is built once: a Replacer builds its tables on first use,
// which was a fifth of an ingest's CPU when made per word.
var lexemeQuoter = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// postTSV is a post's tsvector: its text (A), its author (B). Its first
// position is 2: a conversation's tsvector is its posts' joined by ||,
// which shifts the right one past the left one's last position, so a
// gap stays between two posts and no phrase spans them.
func postTSV(sp store.StoredPost) string {
	b := tsvBuilder{at: 1}
	b.addPost(sp)
	return b.String()
}

func (b *tsvBuilder) addPost(sp store.StoredPost) {
	b.addText(fold.Words(sp.Text))
	b.add(fold.Unique(sp.Author.DisplayName+" "+sp.Author.Handle), "B")
}

// addText adds a text's words (weight A) and each pair of neighbours as
// one lexeme at the first one's position (pairLexeme): a phrase of two
// words is one lexeme, found by the GIN index alone (a phrase operator or
// a weight makes PostgreSQL read every candidate row's tsvector again),
// a longer one its pairs one after the other.
func (b *tsvBuilder) addText(words []string) {
	if b.pos == nil {
		b.pos = map[string][]string{}
	}
	for i, w := range words {
		b.at = min(b.at+1, maxPos)
		at := strconv.Itoa(b.at) + "A"
		b.pos[w] = append(b.pos[w], at)
		if i+1 < len(words) {
			p := pairLexeme(w, words[i+1])
			b.pos[p] = append(b.pos[p], at)
		}
	}
	b.at = min(b.at+2, maxPos)
}

// pairLexeme is the lexeme of two neighbouring words: '_' never occurs in
// a folded word, so a pair never answers a word's prefix.
func pairLexeme(a, b string) string { return "_" + a + "_" + b }

// contactTSV is a contact's tsvector: notes (A), name and handle (B),
// tags (C).
func contactTSV(ct store.Contact) string {
	var b tsvBuilder
	b.add(fold.Words(ct.Notes), "A")
	b.add(fold.Unique(ct.Author.DisplayName+" "+ct.Handle), "B")
	for _, t := range ct.Tags {
		if w := fold.Word(t); w != "" {
			b.add([]string{w}, "C")
		}
	}
	b.addBare(handleGrams(handlePart(store.ContactKey(ct.Network, ct.Handle))))
	return b.String()
}

func contactConvIDs(ct store.Contact) []int64 {
	out := make([]int64, 0, len(ct.ConvIDs))
	for _, id := range ct.ConvIDs {
		if n, err := store.ParseID(id); err == nil {
			out = append(out, int64(n))
		}
	}
	return out
}

// convAttrs are the searchable attribute columns of a conversation.
type convAttrs struct {
	lang, sentiment, state *string
	lastCustomer           *int64
}

func attrsOf(c *social.Conversation) convAttrs {
	var a convAttrs
	if c.Lang != "" {
		l := strings.ToLower(c.Lang)
		a.lang = &l
	}
	s := store.SentimentClass(c.Sentiment)
	a.sentiment = &s
	st := string(c.State)
	a.state = &st
	if !c.LastCustomerAt.IsZero() {
		t := c.LastCustomerAt.Unix()
		a.lastCustomer = &t
	}
	return a
}

func tsq(words []string, weight string, prefix bool) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = quoteLexeme(w)
		if prefix || weight != "" {
			parts[i] += ":"
			if prefix {
				parts[i] += "*"
			}
			parts[i] += weight
		}
	}
	return strings.Join(parts, " <-> ")
}

// searchSQL turns clauses into conditions on the table searched, and
// names it: conv_search (a conversation's words and attributes beside its
// sort key and ref) when a clause asks for words, a name or a tag, else
// the queue index of conversations (which includes the attributes).
// Words are a GIN lookup on conv_search's tsvector, or-ed with the
// conversations of the contacts whose notes, names or tags match; a
// negated one is the complement of that set (a hashed NOT IN), so no
// row's tsvector is read.
func searchSQL(v store.View, clauses []store.SearchClause, args *[]any) (table, where string, err error) {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	// the view's ranks [lo, hi), narrowed by a state's rank
	lo, hi := store.ViewRanks(v)
	hi++
	table = "conversations"
	for _, cl := range clauses {
		switch cl.Kind {
		case store.ClauseWord, store.ClausePhrase, store.ClauseFrom, store.ClauseTag:
			if !cl.Not {
				table = "conv_search"
			}
		}
	}
	var conds []string
	for _, cl := range clauses {
		var cond string
		// contacts: the conversations of the contacts matching, as a set
		var contacts string
		switch cl.Kind {
		case store.ClauseWord, store.ClausePhrase:
			if len(cl.Words) == 0 {
				return "", "", fmt.Errorf("search: a word clause without words")
			}
			var pq, cq string
			if cl.Kind == store.ClauseWord {
				pq = tsq(cl.Words[:1], "", true)
				cq = pq
			} else if len(cl.Words) == 1 {
				pq, cq = tsq(cl.Words, "", false), tsq(cl.Words, "A", false)
			} else {
				// the posts' pairs of words (text only, no weight
				// needed); the contacts' notes by position
				pairs := make([]string, len(cl.Words)-1)
				for i := range pairs {
					pairs[i] = pairLexeme(cl.Words[i], cl.Words[i+1])
				}
				pq, cq = tsq(pairs, "", false), tsq(cl.Words, "A", false)
			}
			pa, ca := arg(pq), arg(cq)
			if cl.Not {
				cond = fmt.Sprintf("NOT (id IN (SELECT id FROM conv_search WHERE tsv @@ %s::tsquery UNION ALL SELECT unnest(conv_ids) FROM contacts WHERE tsv @@ %s::tsquery))", pa, ca)
			} else {
				cond = fmt.Sprintf("(tsv @@ %s::tsquery OR id = ANY(ARRAY(SELECT unnest(conv_ids) FROM contacts WHERE tsv @@ %s::tsquery)))", pa, ca)
			}
		case store.ClauseFrom:
			v := cl.Value
			name := "false"
			if w := fold.Word(v); w == v && w != "" {
				name = "tsv @@ " + arg(tsq([]string{w}, "B", true)) + "::tsquery"
			}
			part := fmt.Sprintf("position(%s::bytea in substring(key from position('\\x2f'::bytea in key) + 1)) > 0", arg([]byte(v)))
			if gq := gramQuery(v); gq != "" {
				part = "(tsv @@ " + arg(gq) + "::tsquery AND " + part + ")"
			}
			contacts = fmt.Sprintf("SELECT unnest(conv_ids) FROM contacts WHERE %s OR %s", name, part)
		case store.ClauseTag:
			contacts = fmt.Sprintf("SELECT unnest(conv_ids) FROM contacts WHERE tsv @@ %s::tsquery", arg(tsq([]string{cl.Value}, "C", false)))
		case store.ClauseLang:
			if cl.Not {
				cond = "coalesce(lang = " + arg(cl.Value) + ", false)"
			} else {
				cond = "lang = " + arg(cl.Value) // the same (a NULL lang matches nothing); indexed
			}
		case store.ClauseSentiment:
			// as lang: (a NULL matches nothing); indexed in queue order
			if cl.Not {
				cond = "coalesce(sentiment = " + arg(cl.Value) + ", false)"
			} else {
				cond = "sentiment = " + arg(cl.Value)
			}
		case store.ClauseState:
			r := store.StateRank(social.State(cl.Value))
			switch {
			case cl.Not:
				cond = "coalesce(state = " + arg(cl.Value) + ", false)"
			case r != 0:
				// the state's own rank: its range of the sort keys, no
				// condition (rank r holds this state alone)
				lo, hi = max(lo, r), min(hi, r+1)
				cond = "true"
			default:
				// new or open: rank 0's range, then the state
				lo, hi = max(lo, r), min(hi, r+1)
				cond = "state = " + arg(cl.Value)
			}
		case store.ClauseAfter:
			cond = "coalesce(last_customer_at >= " + arg(cl.Time.Unix()) + ", false)"
		case store.ClauseBefore:
			cond = "coalesce(last_customer_at < " + arg(cl.Time.Unix()) + ", false)"
		default:
			return "", "", fmt.Errorf("search: unknown clause %d", cl.Kind)
		}
		switch {
		case cl.Value == "" && (cl.Kind == store.ClauseTag || cl.Kind == store.ClauseFrom):
			cond = "false"
			if cl.Not {
				cond = "true"
			}
		case contacts != "" && cl.Not:
			cond = "NOT (id IN (" + contacts + "))"
		case contacts != "":
			cond = "id = ANY(ARRAY(" + contacts + "))"
		case cl.Not && cl.Kind != store.ClauseWord && cl.Kind != store.ClausePhrase:
			cond = "NOT " + cond
		}
		conds = append(conds, cond)
	}
	// (a state outside the view: lo >= hi, no key between)
	bounds := "sort_key >= " + arg([]byte{byte(lo)}) + " AND sort_key < " + arg([]byte{byte(hi)})
	return table, strings.Join(append([]string{bounds}, conds...), " AND "), nil
}

// Search answers a search from the index, in queue order: one statement
// (the index's state and the result), whose rows the server folds into
// two values, the sort keys end to end and the refs' values separated by
// 0xFF (a byte UTF-8 never holds: networks and brands are text), so a
// result of 200k refs is one message of a few megabytes, not 200k rows
// each read, checked and copied by the driver; the refs are then decoded
// into one slice (store.RefBuf).
func (s *Store) Search(ctx context.Context, v store.View, clauses []store.SearchClause, keep func(store.Ref) bool) ([]store.Ref, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var args []any
	table, where, err := searchSQL(v, clauses, &args)
	if err != nil {
		return nil, err
	}
	out, st, ok, err := s.foldedRefs(ctx, "(SELECT value FROM hark_meta WHERE key = 'fts')",
		"SELECT sort_key, ref FROM "+table+" WHERE "+where+" ORDER BY sort_key", args, keep)
	switch {
	case err != nil:
		return nil, fmt.Errorf("search: %w", err)
	case st != "complete":
		return nil, store.ErrIndexBehind
	case !ok:
		// a key not 25 bytes long, a 0xFF in a value, keys out of
		// order, values in text: row by row
		return s.searchRows(ctx, table, where, args, keep)
	}
	return out, nil
}

// foldedRefs runs sel (sort_key, ref, in queue order) folded by the
// server into two values, with head (a text) in the same statement, and
// decodes the refs that pass keep; ok is false if the values are not as
// splitRefs expects (the caller reads the rows instead).
func (s *Store) foldedRefs(ctx context.Context, head, sel string, args []any, keep func(store.Ref) bool) (out []store.Ref, headVal string, ok bool, err error) {
	rows, err := s.pool.Query(ctx, "SELECT "+head+", count(*), string_agg(sort_key, ''::bytea), string_agg(ref, '\\xff'::bytea) FROM ("+sel+") AS r", args...)
	if err != nil {
		return nil, "", false, s.wrap(err)
	}
	for rows.Next() {
		// the values as the driver read them, binary (no copy of the
		// megabytes: the refs copy their keys)
		raw, fd := rows.RawValues(), rows.FieldDescriptions()
		if len(raw) != 4 || len(fd) != 4 {
			break
		}
		headVal = string(raw[0])
		if fd[1].Format == pgx.BinaryFormatCode && fd[2].Format == pgx.BinaryFormatCode && fd[3].Format == pgx.BinaryFormatCode && len(raw[1]) == 8 {
			out, ok = splitRefs(int(binary.BigEndian.Uint64(raw[1])), raw[2], raw[3], keep)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", false, s.wrap(err)
	}
	return out, headVal, ok, nil
}

// splitRefs decodes the refs of Search's two values (n of them); false if
// they are not what Search expects. A large result is decoded in parts,
// one goroutine each (splitParts).
func splitRefs(n int, keys, vals []byte, keep func(store.Ref) bool) ([]store.Ref, bool) {
	return splitRefsIn(n, keys, vals, keep, splitParts(n))
}

// splitParts is how many goroutines decode n refs: one per CPU, each with
// at least splitMin refs (a goroutine and a RefBuf cost a few µs; 200k
// refs take about 20 ms on one core).
func splitParts(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/splitMin))
}

const splitMin = 16384

// splitRefsIn is splitRefs in parts: each part's refs decoded and
// filtered by keep (a predicate on the ref alone, as store.Reader says:
// the parts call it at once) by a goroutine of its own into its stretch of
// one slice, the stretches then moved together in order.
func splitRefsIn(n int, keys, vals []byte, keep func(store.Ref) bool, parts int) ([]store.Ref, bool) {
	if n == 0 {
		return nil, true
	}
	if len(keys) != 25*n {
		return nil, false
	}
	parts = max(1, min(parts, n))
	// each part's first ref and where its values start: the part's
	// first index after that many 0xFF separators
	from, at := make([]int, parts+1), make([]int, parts+1)
	from[parts], at[parts] = n, len(vals)+1
	for p, i, off := 1, 0, 0; p < parts; p++ {
		for next := p * n / parts; i < next; i++ {
			j := bytes.IndexByte(vals[off:], 0xFF)
			if j < 0 {
				return nil, false
			}
			off += j + 1
		}
		from[p], at[p] = i, off
	}
	out := make([]store.Ref, n)
	kept := make([]int, parts) // each part's refs kept, at its start; -1: refused
	part := func(p int) {
		lo, hi := from[p], from[p+1]
		kept[p] = decodeRefs(out[lo:hi], keys[25*lo:25*hi], vals[at[p]:at[p+1]-1], keep)
	}
	var wg sync.WaitGroup
	for p := range parts - 1 {
		wg.Go(func() { part(p) })
	}
	part(parts - 1) // the last on this goroutine: a small result starts none
	wg.Wait()
	w := 0
	for p := range parts {
		lo := from[p]
		if kept[p] < 0 {
			return nil, false
		}
		// the parts in order: each first key after the part before's last
		if lo > 0 && bytes.Compare(keys[25*lo-25:25*lo], keys[25*lo:25*lo+25]) >= 0 {
			return nil, false
		}
		if w != lo {
			copy(out[w:], out[lo:lo+kept[p]])
		}
		w += kept[p]
	}
	clear(out[w:]) // no refs held past the end
	return store.ClipRefs(out[:w]), true
}

// decodeRefs decodes len(out) refs from their keys (25 bytes each, in
// order) and their values split by 0xFF (none after the last), and puts
// those that pass keep (nil: all) at the start of out: how many, or -1 if
// the values are not as expected.
func decodeRefs(out []store.Ref, keys, vals []byte, keep func(store.Ref) bool) int {
	buf := store.NewRefBuf(len(out))
	var prev []byte
	w := 0
	for i := range out {
		k := keys[25*i : 25*i+25]
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return -1
		}
		prev = k
		j := bytes.IndexByte(vals, 0xFF)
		if (j < 0) != (i == len(out)-1) {
			return -1
		}
		val := vals
		if j >= 0 {
			val, vals = vals[:j], vals[j+1:]
		}
		if r := buf.Decode(k, val); keep == nil || keep(r) {
			out[w] = r
			w++
		}
	}
	return w
}

// searchRows is Search a row at a time.
func (s *Store) searchRows(ctx context.Context, table, where string, args []any, keep func(store.Ref) bool) ([]store.Ref, error) {
	out, err := s.refRows(ctx, "SELECT sort_key, ref FROM "+table+" WHERE "+where+" ORDER BY sort_key", args, keep)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// refRows reads the refs of a query of (sort_key, ref) rows, a row at a
// time, that pass keep (nil: all); a key that is not a queue key is
// passed over.
func (s *Store) refRows(ctx context.Context, sql string, args []any, keep func(store.Ref) bool) ([]store.Ref, error) {
	var out []store.Ref
	err := s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		buf := store.NewRefBuf(0)
		for rows.Next() {
			raw := rows.RawValues()
			if len(raw[0]) != 25 {
				continue
			}
			r := buf.Decode(raw[0], raw[1])
			if keep == nil || keep(r) {
				out = append(out, r)
			}
		}
		return rows.Err()
	})
	return out, err
}

// IndexStatus reports whether the index is complete.
func (s *Store) IndexStatus(ctx context.Context) (store.IndexStatus, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var st store.IndexStatus
	var v string
	var total int64
	err := s.pool.QueryRow(ctx, "SELECT (SELECT value FROM hark_meta WHERE key = 'fts'), (SELECT n FROM counters WHERE name = 'conv')").Scan(&v, &total)
	if err != nil {
		return st, s.wrap(err)
	}
	st.Total = int(total)
	if v == "complete" {
		st.Complete, st.Done = true, st.Total
	} else if n, err := strconv.Atoi(v); err == nil && n > 0 {
		st.Done = n - 1
	}
	return st, nil
}

const reindexBatch = 2000

// Reindex builds the index from the rows, a batch of conversations per
// transaction (contacts first); it resumes where a stopped one got to.
func (s *Store) Reindex(ctx context.Context, fresh bool, progress func(done, total int)) error {
	st, err := s.IndexStatus(ctx)
	if err != nil {
		return err
	}
	total := st.Total
	if st.Complete && !fresh {
		if progress != nil {
			progress(total, total)
		}
		return nil
	}
	next := int64(st.Done + 1)
	if fresh || st.Done == 0 {
		next = 1
		// contacts, in pages of keys
		after := []byte{} // not nil: NULL compares to nothing
		for {
			n := 0
			err := s.write(ctx, func(t *txn) error {
				rows, err := t.tx.Query(t.ctx, "SELECT key, doc FROM contacts WHERE key > $1 ORDER BY key LIMIT 5000", after)
				if err != nil {
					return err
				}
				var keys [][]byte
				var tsvs []string
				var ids []string
				var last []byte
				for rows.Next() {
					var k, raw []byte
					if err := rows.Scan(&k, &raw); err != nil {
						return err
					}
					var ct store.Contact
					_ = json.Unmarshal(raw, &ct)
					keys, tsvs, ids = append(keys, k), append(tsvs, contactTSV(ct)), append(ids, pgArray(contactConvIDs(ct)))
					last = k
				}
				if err := rows.Err(); err != nil {
					return err
				}
				n = len(keys)
				if n > 0 {
					after = last
					t.extra.Queue(`UPDATE contacts c SET tsv = u.t::tsvector, conv_ids = u.i::bigint[]
						FROM unnest($1::bytea[], $2::text[], $3::text[]) AS u(k, t, i) WHERE c.key = u.k`, keys, tsvs, ids)
				}
				t.extra.Queue("UPDATE hark_meta SET value = '0' WHERE key = 'fts'")
				return nil
			})
			if err != nil {
				return fmt.Errorf("reindex: contacts: %w", err)
			}
			if n == 0 {
				break
			}
		}
	}
	for {
		if progress != nil {
			progress(min(int(next-1), total), total)
		}
		done := false
		err := s.write(ctx, func(t *txn) error {
			// locked: an ingest adding a post meanwhile waits, then adds its
			// words to the row written here
			rows, err := t.tx.Query(t.ctx, "SELECT id, doc FROM conversations WHERE id >= $1 ORDER BY id LIMIT $2 FOR UPDATE", next, reindexBatch)
			if err != nil {
				return err
			}
			var ids []int64
			var langs, sents, states []*string
			var lcas []*int64
			var sks, refs [][]byte
			var convKeys [][]string
			var postKeys [][]byte
			last := next - 1
			for rows.Next() {
				var id int64
				var raw []byte
				if err := rows.Scan(&id, &raw); err != nil {
					return err
				}
				last = id
				c, err := store.DecodeConv(raw)
				if err != nil {
					return fmt.Errorf("conversation %d: %w", id, err)
				}
				sk, err := store.SortKey(&c)
				if err != nil {
					return fmt.Errorf("conversation %d: %w", id, err)
				}
				a := attrsOf(&c)
				ids, langs, sents, states, lcas = append(ids, id), append(langs, a.lang), append(sents, a.sentiment), append(states, a.state), append(lcas, a.lastCustomer)
				sks, refs, convKeys = append(sks, sk), append(refs, store.RefValue(&c)), append(convKeys, c.PostKeys)
				for _, k := range c.PostKeys {
					postKeys = append(postKeys, []byte(k))
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(ids) > 0 {
				t.extra.Queue(`UPDATE conversations c SET lang = u.l, sentiment = u.s, state = u.st, last_customer_at = u.t
					FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(i, l, s, st, t) WHERE c.id = u.i
					AND (c.lang, c.sentiment, c.state, c.last_customer_at) IS DISTINCT FROM (u.l, u.s, u.st, u.t)`,
					ids, langs, sents, states, lcas)
				prow, err := t.tx.Query(t.ctx, "SELECT key, doc FROM posts WHERE key = ANY($1)", postKeys)
				if err != nil {
					return err
				}
				var pk [][]byte
				var pt []string
				posts := map[string]store.StoredPost{}
				for prow.Next() {
					var k, raw []byte
					if err := prow.Scan(&k, &raw); err != nil {
						return err
					}
					var sp store.StoredPost
					if json.Unmarshal(raw, &sp) == nil {
						pk, pt = append(pk, k), append(pt, postTSV(sp))
						posts[string(k)] = sp
					}
				}
				if err := prow.Err(); err != nil {
					return err
				}
				t.extra.Queue(`UPDATE posts p SET tsv = u.t::tsvector FROM unnest($1::bytea[], $2::text[]) AS u(k, t) WHERE p.key = u.k
					AND p.tsv IS DISTINCT FROM u.t::tsvector`, pk, pt)
				// each conversation's words: its posts', a gap between two
				tsvs := make([]string, len(ids))
				for i, keys := range convKeys {
					var b tsvBuilder
					for _, k := range keys {
						if sp, ok := posts[k]; ok {
							b.at = min(b.at+1, maxPos)
							b.addPost(sp)
						}
					}
					tsvs[i] = b.String()
				}
				t.extra.Queue(`INSERT INTO conv_search (id, sort_key, ref, lang, sentiment, state, last_customer_at, tsv, pad)
					SELECT i, s, f, l, se, st, lc, t::tsvector, `+searchPad+` FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])
					AS u(i, s, f, l, se, st, lc, t)
					ON CONFLICT (id) DO UPDATE SET sort_key = EXCLUDED.sort_key, ref = EXCLUDED.ref, lang = EXCLUDED.lang,
					sentiment = EXCLUDED.sentiment, state = EXCLUDED.state, last_customer_at = EXCLUDED.last_customer_at, tsv = EXCLUDED.tsv,
					pad = EXCLUDED.pad`,
					ids, sks, refs, langs, sents, states, lcas, tsvs)
			}
			next = last + 1
			state := strconv.FormatInt(next, 10)
			if len(ids) < reindexBatch {
				done, state = true, "complete"
			}
			t.extra.Queue("UPDATE hark_meta SET value = $1 WHERE key = 'fts'", state)
			return nil
		})
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		if done {
			// fresh planner statistics for the new columns and indexes
			if _, err := s.pool.Exec(ctx, "ANALYZE posts, contacts, conversations, conv_search"); err != nil {
				return fmt.Errorf("reindex: analyze: %w", err)
			}
			if progress != nil {
				progress(total, total)
			}
			return nil
		}
	}
}

// pgArray writes a bigint array literal.
func pgArray(ns []int64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var _ store.Searcher = (*Store)(nil)
