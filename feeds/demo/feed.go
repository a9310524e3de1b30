package demo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"

	"github.com/hark-tui/hark/social"
)

// Limits and timings of the demo.
const (
	MaxBatch      = 50              // posts in one Poll at most
	FollowUpDelay = 6 * time.Second // how long a customer takes to answer the brand
	TextLimit     = 500             // graphemes in a public reply
	DMLimit       = 1000            // graphemes in a direct message
)

// Feed is the demo feed. It is safe for concurrent use.
type Feed struct {
	start    time.Time
	now      func() time.Time
	brands   map[string]brandAccount
	script   []entry        // in arrival order; never changes after New
	byID     map[string]int // remote id -> index in script
	followID map[string]int // follow-up remote id -> index of the script entry holding the answer
	dmKeys   map[string]string

	mu        sync.Mutex
	replies   []sentReply
	byIdem    map[string]int  // idempotency key -> index in replies
	follows   []followUp      // in scheduling order
	triggered map[string]bool // thread keys whose answer is scheduled
	uploads   int             // images taken by Upload
}

type sentReply struct {
	post   social.Post // the reply as a KindOwn post
	thread string
	sent   social.Sent
}

type followUp struct {
	post   social.Post
	thread string
}

var _ social.Account = (*Feed)(nil)

// New returns a demo feed whose script is laid out around start: about
// twenty posts are already there (created over the ninety minutes before
// start) and the rest arrive every few seconds after it. now is the clock
// that decides what has arrived; pass time.Now outside tests.
//
// New panics if the embedded script is malformed, which the package's tests
// rule out.
func New(start time.Time, now func() time.Time) *Feed {
	start = start.Round(0) // wall time only: every derived time is plain data
	script, err := parseScript(scriptJSON, start)
	if err != nil {
		panic(fmt.Sprintf("demo: embedded script: %v", err))
	}
	f := &Feed{
		start:     start,
		now:       now,
		brands:    brandAccounts(),
		script:    script,
		byID:      make(map[string]int, len(script)),
		followID:  make(map[string]int),
		dmKeys:    make(map[string]string),
		byIdem:    make(map[string]int),
		triggered: make(map[string]bool),
	}
	for i, e := range script {
		f.byID[e.post.RemoteID] = i
		if e.answer != "" {
			f.followID[followUpID(e.post.RemoteID)] = i
		}
		if e.post.DMKey != "" {
			f.dmKeys[e.post.Account+"\x00"+e.post.Author.Handle] = e.post.DMKey
		}
	}
	return f
}

// clock reads the injected clock as plain wall time, so the times the feed
// hands out carry no monotonic reading.
func (f *Feed) clock() time.Time { return f.now().Round(0) }

func followUpID(rootID string) string { return rootID + "-fu" }

// ID implements social.Source.
func (f *Feed) ID() string { return SourceID }

// LastArrival is when the last scripted post arrives.
func (f *Feed) LastArrival() time.Time { return f.script[len(f.script)-1].post.CreatedAt }

// cursor says what a consumer has been given: the first n scripted posts
// and the follow-ups named in fu.
type cursor struct {
	n  int
	fu map[string]bool
}

// parseCursor reads "N" or "N;id,id". Anything else, including a cursor of
// another feed, counts as the empty cursor: the store keys posts by remote
// id, so the worst case is posts delivered again.
func (f *Feed) parseCursor(s string) cursor {
	c := cursor{fu: map[string]bool{}}
	if s == "" {
		return c
	}
	num, ids, _ := strings.Cut(s, ";")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return cursor{fu: map[string]bool{}}
	}
	c.n = min(n, len(f.script))
	if ids != "" {
		for id := range strings.SplitSeq(ids, ",") {
			if _, ok := f.followID[id]; ok { // unknown ids are dropped
				c.fu[id] = true
			}
		}
	}
	return c
}

func (c cursor) String() string {
	s := strconv.Itoa(c.n)
	if len(c.fu) == 0 {
		return s
	}
	ids := make([]string, 0, len(c.fu))
	for id := range c.fu {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return s + ";" + strings.Join(ids, ",")
}

// Poll implements social.Source: the posts that have arrived by now() and
// that cursor has not had yet, oldest first, at most MaxBatch of them.
func (f *Feed) Poll(ctx context.Context, cur string) (social.Batch, error) {
	if err := ctx.Err(); err != nil {
		return social.Batch{}, fmt.Errorf("demo poll: %w", err)
	}
	now := f.clock()
	c := f.parseCursor(cur)

	var scripted []social.Post
	for _, e := range f.script[c.n:] {
		if e.post.CreatedAt.After(now) {
			break
		}
		scripted = append(scripted, e.post)
	}
	var answers []social.Post
	f.mu.Lock()
	for _, fu := range f.follows {
		if !fu.post.CreatedAt.After(now) && !c.fu[fu.post.RemoteID] {
			answers = append(answers, fu.post)
		}
	}
	f.mu.Unlock()
	slices.SortStableFunc(answers, func(a, b social.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })

	b := social.Batch{}
	i, j := 0, 0
	for len(b.Posts) < MaxBatch && (i < len(scripted) || j < len(answers)) {
		if j == len(answers) || (i < len(scripted) && !scripted[i].CreatedAt.After(answers[j].CreatedAt)) {
			b.Posts = append(b.Posts, scripted[i])
			c.n++
			i++
		} else {
			b.Posts = append(b.Posts, answers[j])
			c.fu[answers[j].RemoteID] = true
			j++
		}
	}
	b.More = i < len(scripted) || j < len(answers)
	b.Cursor = c.String()
	return b, nil
}

// lookupLocked finds a post the operator can know about by now: a scripted
// post or a customer answer that has arrived, or a reply sent through Send.
// It returns the post and its thread key. f.mu must be held.
func (f *Feed) lookupLocked(id string, now time.Time) (social.Post, string, bool) {
	if i, ok := f.byID[id]; ok {
		e := f.script[i]
		if e.post.CreatedAt.After(now) {
			return social.Post{}, "", false
		}
		return e.post, e.thread, true
	}
	for _, fu := range f.follows {
		if fu.post.RemoteID == id {
			if fu.post.CreatedAt.After(now) {
				return social.Post{}, "", false
			}
			return fu.post, fu.thread, true
		}
	}
	for _, r := range f.replies {
		if r.post.RemoteID == id {
			return r.post, r.thread, true
		}
	}
	return social.Post{}, "", false
}

// Thread implements social.ThreadFetcher: every post of p's thread (or of
// its direct-message conversation) that has arrived, with the brand's
// replies sent through Send, oldest first.
func (f *Feed) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("demo thread: %w", err)
	}
	now := f.clock()
	f.mu.Lock()
	defer f.mu.Unlock()
	_, key, ok := f.lookupLocked(p.RemoteID, now)
	if !ok {
		return nil, fmt.Errorf("demo thread: %w", permanent(fmt.Sprintf("unknown post %q", p.RemoteID)))
	}
	var out []social.Post
	for _, e := range f.script {
		if e.post.CreatedAt.After(now) {
			break
		}
		if e.thread == key {
			out = append(out, e.post)
		}
	}
	for _, r := range f.replies {
		if r.thread == key {
			out = append(out, r.post)
		}
	}
	for _, fu := range f.follows {
		if fu.thread == key && !fu.post.CreatedAt.After(now) {
			out = append(out, fu.post)
		}
	}
	slices.SortStableFunc(out, func(a, b social.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Verify implements social.Verifier. The demo has no credentials; it
// answers with the identity of its first brand, Skylark Air (BrandAuthor
// gives the others).
func (f *Feed) Verify(ctx context.Context) (social.Author, error) {
	if err := ctx.Err(); err != nil {
		return social.Author{}, fmt.Errorf("demo verify: %w", err)
	}
	return f.brands[AccountSkylark].author, nil
}

// Count implements social.Limiter: user-perceived characters (grapheme
// clusters), TextLimit for public replies and DMLimit for direct ones.
func (f *Feed) Count(text string, direct bool) (n, limit int) {
	limit = TextLimit
	if direct {
		limit = DMLimit
	}
	return uniseg.GraphemeClusterCount(text), limit
}

func permanent(msg string) *social.Error {
	return &social.Error{Kind: social.Permanent, Msg: msg}
}
