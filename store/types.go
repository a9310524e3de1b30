package store

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// StoredPost is a post as kept in the store, with the conversation it joined.
type StoredPost struct {
	social.Post
	ConvID   string    `json:"conv_id"`
	StoredAt time.Time `json:"stored_at,omitzero"`
	// Attached: stored from a thread fetch, not yet seen by a poll. When a
	// poll brings it, it counts as new then (reopen, triage, events).
	Attached bool `json:"attached,omitempty"`
}

// Triage is called for every conversation a batch touches, after the new
// post was added, to set priority, reasons and the SLA due time. contact is
// the customer's record (VIP flag, notes). It must not block.
type Triage func(c *social.Conversation, latest social.Post, contact Contact)

// IngestResult says what a batch changed.
type IngestResult struct {
	New      []social.Post // posts stored for the first time
	Changed  []string      // conversation ids created or updated
	Reopened []string      // conversations a customer message reopened
	Edited   []string      // keys of stored posts an edit changed
}

// View selects a queue.
type View int

// Queue views.
const (
	ViewActionable View = iota // new + open, by priority then due time
	ViewPending
	ViewSnoozed
	ViewResolved
	ViewAll
)

var viewNames = []string{"inbox", "pending", "snoozed", "resolved", "all"}

func (v View) String() string {
	if int(v) < len(viewNames) {
		return viewNames[v]
	}
	return "view?"
}

// ParseView reads a view name.
func ParseView(s string) (View, bool) {
	for i, n := range viewNames {
		if n == s {
			return View(i), true
		}
	}
	return 0, false
}

func rankOf(s social.State) byte {
	switch s {
	case social.StatePending:
		return 1
	case social.StateSnoozed:
		return 2
	case social.StateResolved:
		return 3
	}
	return 0
}

// Ref is one queue index entry: enough to sort, filter and count without
// decoding the conversation.
type Ref struct {
	ID      string
	Sort    []byte // the index key; byte order is queue order
	Brand   string
	Network social.Network
	Direct  bool
	VIP     bool
	Due     time.Time // inbox: SLA due time; snoozed: wake time (zero if none)
}

// sortKey: rank(1) | a(8) | b(8) | id(8).
func sortKey(c *social.Conversation, id []byte) []byte {
	k := make([]byte, 25)
	k[0] = rankOf(c.State)
	var a, b uint64
	switch k[0] {
	case 0: // priority desc, due asc
		p := c.Priority
		if p < 0 {
			p = 0
		}
		a = math.MaxUint64 - uint64(p)
		b = timeKey(c.DueAt, math.MaxUint64)
	case 1: // most recently updated first
		a = math.MaxUint64 - timeKey(c.UpdatedAt, 0)
	case 2: // wakes soonest first
		a = timeKey(c.SnoozedUntil, math.MaxUint64)
	case 3: // most recently resolved first
		a = math.MaxUint64 - timeKey(c.ResolvedAt, 0)
	}
	binary.BigEndian.PutUint64(k[1:], a)
	binary.BigEndian.PutUint64(k[9:], b)
	copy(k[17:], id)
	return k
}

func timeKey(t time.Time, zero uint64) uint64 {
	if t.IsZero() {
		return zero
	}
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func refValue(c *social.Conversation) []byte {
	var flags byte
	if c.Direct {
		flags |= 1
	}
	if c.VIP {
		flags |= 2
	}
	return []byte(string(flags) + string(c.Network) + "\x00" + c.Brand)
}

// refNames interns the network and brand of index values: a view of 200k
// refs shares a handful of strings instead of allocating two each.
type refNames map[string][2]string

func decodeRef(k, v []byte, names refNames) Ref {
	r := refFields(k, v, names)
	r.ID, r.Sort = idString(k[17:]), append([]byte(nil), k...)
	return r
}

// refFields decodes a ref's fields but its id and sort key.
func refFields(k, v []byte, names refNames) Ref {
	var r Ref
	switch k[0] {
	case 0:
		if d := binary.BigEndian.Uint64(k[9:17]); d != math.MaxUint64 {
			r.Due = time.Unix(0, int64(d))
		}
	case 2:
		if d := binary.BigEndian.Uint64(k[1:9]); d != math.MaxUint64 {
			r.Due = time.Unix(0, int64(d))
		}
	}
	if len(v) > 0 {
		r.Direct = v[0]&1 != 0
		r.VIP = v[0]&2 != 0
		nb, ok := names[string(v[1:])] // no allocation on a hit
		if !ok {
			rest := string(v[1:])
			if i := strings.IndexByte(rest, 0); i >= 0 {
				nb = [2]string{rest[:i], rest[i+1:]}
			}
			if names != nil {
				names[rest] = nb
			}
		}
		r.Network, r.Brand = social.Network(nb[0]), nb[1]
	}
	return r
}

func viewRange(v View) (lo, hi byte) {
	switch v {
	case ViewActionable:
		return 0, 0
	case ViewPending:
		return 1, 1
	case ViewSnoozed:
		return 2, 2
	case ViewResolved:
		return 3, 3
	}
	return 0, 3
}

// RefOf builds the ref of a conversation (to place it in a cached list).
func RefOf(c social.Conversation) Ref {
	id, _ := parseID(c.ID)
	k := sortKey(&c, id)
	return decodeRef(k, refValue(&c), nil)
}

// InView reports whether a ref belongs to a view.
func InView(r Ref, v View) bool {
	lo, hi := viewRange(v)
	return len(r.Sort) > 0 && r.Sort[0] >= lo && r.Sort[0] <= hi
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const max = 280
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// SortKey is the queue index key of a conversation: rank(1) | a(8) | b(8) |
// id(8). Byte order is queue order; PostgreSQL keeps it as bytea, which
// compares like bbolt's keys.
func SortKey(c *social.Conversation) ([]byte, error) {
	id, err := parseID(c.ID)
	if err != nil {
		return nil, err
	}
	return sortKey(c, id), nil
}

// StateRank is the rank (a sort key's first byte) of a conversation in
// state s: pending, snoozed and resolved have a rank each; new and open
// (and any other state) share rank 0. A search for a state reads that
// rank's keys alone.
func StateRank(s social.State) int { return int(rankOf(s)) }

// RefValue is the index value of a conversation (flags, network, brand).
func RefValue(c *social.Conversation) []byte { return refValue(c) }

// DecodeRef builds a Ref from an index key and value.
func DecodeRef(k, v []byte) Ref { return decodeRef(k, v, nil) }

// RefDecoder decodes many refs, sharing their network and brand strings.
type RefDecoder struct{ names refNames }

// Decode builds a Ref from an index key and value.
func (d *RefDecoder) Decode(k, v []byte) Ref {
	if d.names == nil {
		d.names = refNames{}
	}
	return decodeRef(k, v, d.names)
}

// Rank is the queue rank of a state (inbox 0, pending 1, snoozed 2,
// resolved 3): the first byte of the sort key.
func Rank(s social.State) int { return int(rankOf(s)) }

// ViewRanks is the range of ranks a view holds.
func ViewRanks(v View) (lo, hi int) {
	l, h := viewRange(v)
	return int(l), int(h)
}

// DueRange is the sort-key range [lo, hi) of UpdateDue: the conversations
// of the view whose due (or wake) time is set and before before. ok is
// false for a view whose keys do not lead with that time (the inbox: rank |
// priority | due), where a backend scans the rank and filters by Due.
func DueRange(v View, before time.Time) (lo, hi []byte, ok bool) {
	if v != ViewSnoozed {
		return nil, nil, false
	}
	lo = []byte{2}
	hi = make([]byte, 9)
	hi[0] = 2
	binary.BigEndian.PutUint64(hi[1:], timeKey(before, 0))
	return lo, hi, true
}

// DueBefore reports whether a ref's due time is set and before t.
func DueBefore(r Ref, t time.Time) bool { return !r.Due.IsZero() && r.Due.Before(t) }

// DecodeConv decodes a conversation document (JSON, or the bbolt file's
// binary form).
func DecodeConv(raw []byte) (social.Conversation, error) { return convBin.decode(raw) }

// ContactKey is the key of a contact: network/handle, lower case, no @.
func ContactKey(n social.Network, handle string) string { return string(contactKey(n, handle)) }

// ParseID checks a conversation id and returns its number.
func ParseID(id string) (uint64, error) {
	k, err := parseID(id)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(k), nil
}

// Contact is what hark knows about one customer handle on one network.
type Contact struct {
	Network   social.Network `json:"network"`
	Handle    string         `json:"handle"`
	Author    social.Author  `json:"author"` // latest seen profile
	VIP       bool           `json:"vip,omitempty"`
	Notes     string         `json:"notes,omitempty"`
	Tags      []string       `json:"tags,omitempty"`
	Brands    []string       `json:"brands,omitempty"`
	ConvIDs   []string       `json:"conv_ids,omitempty"`
	FirstSeen time.Time      `json:"first_seen,omitzero"`
	LastSeen  time.Time      `json:"last_seen,omitzero"`
}

func contactKey(n social.Network, handle string) []byte {
	return []byte(string(n) + "/" + strings.ToLower(strings.TrimPrefix(handle, "@")))
}

// FeedStatus is the last known health of a feed (shown in the TUI and doctor).
type FeedStatus struct {
	Feed      string            `json:"feed"`
	LastPoll  time.Time         `json:"last_poll,omitzero"`
	LastOK    time.Time         `json:"last_ok,omitzero"`
	LastError string            `json:"last_error,omitempty"`
	ErrorKind string            `json:"error_kind,omitempty"`
	Until     time.Time         `json:"until,omitzero"` // next attempt (backoff or rate-limit reset)
	Failures  int               `json:"failures"`
	Rate      social.RateStatus `json:"rate"`
	Stored    int               `json:"stored"` // posts stored by this feed, all time
	// Backlog says that the feed's first poll read only the newest posts:
	// older ones were skipped until a backfill reads them ("" = none).
	Backlog string `json:"backlog,omitempty"`
}

// OutboxState is where a reply stands.
type OutboxState string

// Outbox states: queued → sending → sent | failed.
const (
	OutQueued  OutboxState = "queued"
	OutSending OutboxState = "sending" // a send was started; after a crash the result is uncertain
	OutSent    OutboxState = "sent"
	OutFailed  OutboxState = "failed" // permanent: needs the operator (edit and retry, or discard)
	OutDropped OutboxState = "discarded"
)

// OutboxEntry is one reply on its way out. It is written before any network
// call and keeps its idempotency key across retries.
type OutboxEntry struct {
	Seq         uint64       `json:"seq"`
	Reply       social.Reply `json:"reply"`
	State       OutboxState  `json:"state"`
	Attempts    int          `json:"attempts"`
	LastError   string       `json:"last_error,omitempty"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
	Uncertain   bool         `json:"uncertain,omitempty"` // a previous attempt may have reached the network
	Sent        social.Sent  `json:"sent"`
	QueuedAt    time.Time    `json:"queued_at,omitzero"`
	SentAt      time.Time    `json:"sent_at,omitzero"`
	Resolve     bool         `json:"resolve,omitempty"` // resolve the conversation once sent
	// ChangedBy is the operator who last retried or discarded it (the
	// writer is Reply.By).
	ChangedBy social.Actor `json:"changed_by,omitzero"`
	// FailKind is the kind of error (social.Kind's String) of the last
	// failed attempt: an entry that failed on "auth" is queued again once
	// its account authenticates again.
	FailKind string `json:"fail_kind,omitempty"`
	// SendAt is when a scheduled entry goes out (zero: at once); see
	// schedule.go. SendAnyway: it goes even if the conversation was
	// answered or the customer wrote again meanwhile.
	SendAt     time.Time `json:"send_at,omitzero"`
	SendAnyway bool      `json:"send_anyway,omitempty"`
}

// storedPostDoc is a StoredPost as JSON. encoding/json turns invalid UTF-8
// into U+FFFD, so a post whose text is not valid UTF-8 also keeps its exact
// bytes in text_raw (the store promises the original bytes of untrusted
// text; posts with valid text are written exactly as before).
type storedPostDoc struct {
	storedPostFields
	TextRaw []byte `json:"text_raw,omitempty"`
}

type storedPostFields StoredPost

// MarshalJSON writes the post, with text_raw for text that is not UTF-8.
func (sp StoredPost) MarshalJSON() ([]byte, error) { return marshalPost(sp) }

// marshalPost is MarshalJSON called directly: json.Marshal of a
// Marshaler checks and compacts what it returns, a second pass over
// every post the store writes.
func marshalPost(sp StoredPost) ([]byte, error) {
	d := storedPostDoc{storedPostFields: storedPostFields(sp)}
	if !utf8.ValidString(sp.Text) {
		d.TextRaw = []byte(sp.Text)
	}
	return json.Marshal(d)
}

// UnmarshalJSON reads a post, restoring the exact text from text_raw.
func (sp *StoredPost) UnmarshalJSON(b []byte) error {
	var d storedPostDoc
	if err := decodeDoc(b, &d); err != nil {
		return err
	}
	*sp = StoredPost(d.storedPostFields)
	if d.TextRaw != nil {
		sp.Text = string(d.TextRaw)
	}
	return nil
}
