package benchgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/triage"
)

// Version keys the cache: bump it when the generated content changes.
const Version = 2

// Sizes are the standard benchmark sizes (conversations).
const (
	Small  = 10_000
	Medium = 50_000
	Large  = 200_000
)

// Size is the size the benchmarks generate: $HARK_BENCH_N conversations,
// or Large.
func Size() int {
	if n, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return Large
}

// Searches are the documented searches the search benchmarks run over the
// generated store (query's BenchmarkSearch, store/pg's BenchmarkSearchPG):
// the sub-benchmark's name and the query.
var Searches = []struct{ Name, Query string }{
	{"free", RareWord},
	{"from", "from:maria"},
	{"breached", "is:breached"},
	{"lang_es_-brand", "lang:es -brand:skylark"},
	{"tag", "tag:press"},
	{"phrase", `"no power"`},
	{"sentiment_neg", "sentiment:neg"},
	{"is_resolved", "is:resolved"},
	{"is_pending", "is:pending"},
	{"is_new", "is:new"},
	{"after", "after:2026-06-01"},
	{"before", "before:2026-03-01"},
	{"sentiment_neg_brand", "sentiment:neg brand:skylark"},
	{"is_resolved_lang_de", "is:resolved lang:de"},
}

// Start is the time of the first conversation; the history spans Span.
var (
	Start = time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
	Span  = 365 * 24 * time.Hour
)

// End is the end of the history: Now for the benchmarks.
func End() time.Time { return Start.Add(Span) }

// Brands, networks and operators of the generated store.
var (
	Brands    = []string{"Skylark Air", "Petal & Stem", "Northwind Energy"}
	Networks  = []social.Network{social.Mastodon, social.Bluesky, social.X}
	Operators = []social.Actor{{Name: "Ana Ruiz", Initials: "AR"}, {Name: "Bob Tamm", Initials: "BT"},
		{Name: "Chen Wei", Initials: "CW"}, {Name: "Dóra Kiss", Initials: "DK"}}
)

// BatchSize is the number of posts a poll returns.
const BatchSize = 100

// Gen describes a generated history of N conversations.
type Gen struct{ N int }

// Customers is the number of distinct customers (repeat customers: each
// writes about four conversations a year).
func (g Gen) Customers() int { return max(g.N/4, 1) }

// PostsOf is the number of polled posts of conversation i (3 to 7,
// five on average): customer posts at even positions, the brand's at odd.
func (g Gen) PostsOf(i int) int { return 3 + i%5 }

// CustomerOf is the customer who wrote conversation i.
func (g Gen) CustomerOf(i int) int {
	return int((uint64(i)*2654435761 + 12345) % uint64(g.Customers()))
}

// LangOf is a customer's language: English for half, the rest evenly.
func LangOf(cust int) string {
	if cust%2 == 0 {
		return "en"
	}
	return Langs[1+(cust/2)%6]
}

// NetworkOf is a customer's network.
func NetworkOf(cust int) social.Network { return Networks[cust%3] }

// BrandOf is the brand conversation i is addressed to.
func BrandOf(i int) string { return Brands[i%3] }

// Handle is a customer's handle on their network.
func Handle(cust int) string {
	t := texts[LangOf(cust)]
	name := strings.ToLower(asciiFold(t.names[cust%len(t.names)]))
	switch NetworkOf(cust) {
	case social.Mastodon:
		return fmt.Sprintf("@%s%d@mastodon.example", name, cust)
	case social.Bluesky:
		return fmt.Sprintf("%s%d.bsky.example", name, cust)
	}
	return fmt.Sprintf("%s_%d", name, cust)
}

// DisplayName is a customer's name, accents included.
func DisplayName(cust int) string {
	t := texts[LangOf(cust)]
	return t.names[cust%len(t.names)] + " " + t.surnames[(cust/7)%len(t.surnames)]
}

func asciiFold(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ü", "u", "ö", "o", "ő", "o",
		"ä", "a", "õ", "o", "ł", "l", "ś", "s", "ż", "z", "ź", "z", "ć", "c", "ń", "n", "ą", "a", "ę", "e", "è", "e",
		"ë", "e", "ç", "c", "Á", "A", "É", "E", "Ł", "L", "Ö", "O", "Ü", "U", "Õ", "O", "Ä", "A", "Ž", "Z", "ß", "ss")
	return r.Replace(s)
}

func brandHandle(brand string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "&", "").Replace(brand))
}

// startOf is when conversation i begins.
func (g Gen) startOf(i int) time.Time {
	return Start.Add(time.Duration(int64(Span) / int64(g.N) * int64(i)))
}

// Posts returns the polled posts of conversation i, oldest first.
func (g Gen) Posts(i int) []social.Post {
	cust := g.CustomerOf(i)
	lang := LangOf(cust)
	t := texts[lang]
	n := g.PostsOf(i)
	net := NetworkOf(cust)
	brand := BrandOf(i)
	customer := social.Author{ID: "u" + strconv.Itoa(cust), Handle: Handle(cust), DisplayName: DisplayName(cust),
		Followers: (cust * 37) % 5000}
	if cust%500 == 0 {
		customer.Followers = 50_000 // an influencer now and then
	}
	root := fmt.Sprintf("%d-0", i)
	at := g.startOf(i)
	out := make([]social.Post, 0, n)
	for k := 0; k < n; k++ {
		p := social.Post{Network: net, Account: "acme", Brand: brand, RemoteID: fmt.Sprintf("%d-%d", i, k),
			CreatedAt: at, Lang: lang, Kind: social.KindMention}
		if net == social.X {
			p.Lang = "" // X does not say: triage detects it
		}
		if k > 0 {
			p.ThreadRoot, p.ReplyTo = root, fmt.Sprintf("%d-%d", i, k-1)
			p.Kind = social.KindReply
		}
		switch {
		case k == 0:
			p.Author = customer
			p.Text = t.first[(i/3)%len(t.first)]
		case k%2 == 1:
			p.Author = social.Author{Handle: "@" + brandHandle(brand) + "@mastodon.example", DisplayName: brand}
			p.Kind = social.KindOwn
			p.Text = t.brand[(i+k)%len(t.brand)]
		default:
			p.Author = customer
			p.Text = t.followUp[(i+k)%len(t.followUp)]
		}
		p.URL = "https://" + string(net) + ".example/p/" + p.RemoteID
		out = append(out, p)
		at = at.Add(time.Duration(9+(i*(k+1))%7) * time.Minute)
	}
	return out
}

// chunk is the unit the source sorts by time: posts of chunkConvs
// conversations (a conversation's posts span up to 2 hours, so chunks
// overlap a little at their edges, like real arrivals).
const chunkConvs = 1000

func (g Gen) chunk(c int) []social.Post {
	var out []social.Post
	for i := c * chunkConvs; i < min((c+1)*chunkConvs, g.N); i++ {
		out = append(out, g.Posts(i)...)
	}
	slices.SortStableFunc(out, func(a, b social.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// Source is the generated history as a feed: each Poll returns the next
// BatchSize posts in time order and says there is more until the end.
type Source struct {
	g     Gen
	mu    sync.Mutex
	cache map[int][]social.Post
	now   time.Time // the time of the newest post returned
}

// NewSource returns the feed of g.
func NewSource(g Gen) *Source { return &Source{g: g, cache: map[int][]social.Post{}} }

// ID names the feed.
func (s *Source) ID() string { return "bench/acme" }

// Now is the clock the engine runs on: a little after the newest post.
func (s *Source) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.now.IsZero() {
		return Start
	}
	return s.now.Add(30 * time.Second)
}

// Poll returns the batch after cur ("chunk/offset").
func (s *Source) Poll(ctx context.Context, cur string) (social.Batch, error) {
	if err := ctx.Err(); err != nil {
		return social.Batch{}, err
	}
	c, off := 0, 0
	if cur != "" {
		a, b, ok := strings.Cut(cur, "/")
		var err1, err2 error
		c, err1 = strconv.Atoi(a)
		off, err2 = strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil {
			return social.Batch{}, fmt.Errorf("bench source: bad cursor %q", cur)
		}
	}
	chunks := (s.g.N + chunkConvs - 1) / chunkConvs
	if c >= chunks {
		return social.Batch{Cursor: cur}, nil
	}
	s.mu.Lock()
	posts, ok := s.cache[c]
	if !ok {
		posts = s.g.chunk(c)
		clear(s.cache)
		s.cache[c] = posts
	}
	s.mu.Unlock()
	end := min(off+BatchSize, len(posts))
	batch := slices.Clone(posts[off:end])
	next := fmt.Sprintf("%d/%d", c, end)
	if end == len(posts) {
		next = fmt.Sprintf("%d/0", c+1)
	}
	s.mu.Lock()
	if n := len(batch); n > 0 && batch[n-1].CreatedAt.After(s.now) {
		s.now = batch[n-1].CreatedAt
	}
	s.mu.Unlock()
	return social.Batch{Posts: batch, Cursor: next, More: c+1 < chunks || end < len(posts)}, nil
}

// Triage scores like hark's own (the triage package's lexicons, a 60-minute
// SLA) and plays the operators' part: conversations older than three days
// before End are resolved by one of the Operators, a few recent ones are
// pending or snoozed, the newest are open.
func (g Gen) Triage() store.Triage {
	tr, err := triage.New(triage.Rules{})
	if err != nil {
		panic(err)
	}
	open := End().Add(-3 * 24 * time.Hour)
	return func(c *social.Conversation, p social.Post, contact store.Contact) {
		res := tr.Score(triage.Input{Text: p.Text, Lang: p.Lang, Author: p.Author, Direct: p.Direct, Kind: p.Kind,
			VIP: contact.VIP || c.VIP})
		if c.WaitingSince.Equal(p.CreatedAt) || res.Score >= c.Base {
			c.Base, c.Reasons = res.Score, res.Reasons
		}
		c.Sentiment = res.Sentiment
		if res.Lang != "" {
			c.Lang = res.Lang
		}
		c.VIP = c.VIP || res.VIP
		c.Priority = c.Base
		if !c.WaitingSince.IsZero() {
			c.DueAt = c.WaitingSince.Add(time.Hour)
		}
		i, _ := strconv.Atoi(strings.TrimSuffix(c.RootKey[strings.LastIndexByte(c.RootKey, '/')+1:], "-0"))
		switch {
		case c.CreatedAt.Before(open):
			c.State = social.StateResolved
			c.ResolvedAt = p.CreatedAt.Add(2 * time.Hour)
			c.ResolvedBy = Operators[i%len(Operators)]
			if c.FirstReplyBy.IsZero() {
				c.FirstReplyBy = Operators[(i/7)%len(Operators)]
			}
			c.WaitingSince, c.DueAt = time.Time{}, time.Time{}
		case i%7 == 0:
			c.State = social.StatePending
		case i%11 == 0:
			c.State = social.StateSnoozed
			c.SnoozedUntil = End().Add(24 * time.Hour)
		}
	}
}

// annotateStep: every annotateStep-th customer has notes and tags. An odd
// step alternates English (even customers) with the six other languages
// (odd ones), and 19 goes round all six: each language gets its share.
const annotateStep = 19

// Build fills s with g's history through an engine's PollOnce, then writes
// the contacts' notes and tags and the outbox history (a sent reply for
// every fourth conversation, a few failed ones). progress, if set, is told
// the conversations done so far.
func Build(ctx context.Context, s store.Store, g Gen, progress func(done int)) error {
	src := NewSource(g)
	eng := engine.New(engine.Options{Store: s, Triage: g.Triage(), Now: src.Now,
		Feeds: []engine.Feed{{Source: src, Network: social.Mastodon, Account: "acme", Interval: time.Minute}}})
	for {
		res := eng.PollOnce(ctx)
		if len(res) != 1 {
			return fmt.Errorf("bench: %d poll results", len(res))
		}
		if res[0].Err != nil {
			return res[0].Err
		}
		cur, err := s.Cursor(ctx, src.ID())
		if err != nil {
			return err
		}
		c, _, _ := strings.Cut(cur, "/")
		done, _ := strconv.Atoi(c)
		if progress != nil {
			progress(min(done*chunkConvs, g.N))
		}
		if !res[0].More {
			break
		}
	}
	// notes, tags and VIPs on every annotated customer (in every language)
	for cust := 0; cust < g.Customers(); cust += annotateStep {
		k := cust / annotateStep
		_, _, err := s.UpdateContact(ctx, NetworkOf(cust), Handle(cust), func(ct *store.Contact) {
			ct.Notes = Notes[k%len(Notes)]
			ct.Tags = []string{Tags[k%len(Tags)], Tags[(k+3)%len(Tags)]}
			ct.VIP = k%10 == 0
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("bench: contact %d: %w", cust, err)
		}
	}
	// the outbox history: a reply to the last customer post of every
	// fourth conversation, sent an hour later; the last ten failed
	sentAt := func(p social.Post) time.Time { return p.CreatedAt.Add(40 * time.Minute) }
	for i := 0; i < g.N; i += 4 {
		posts := g.Posts(i)
		last := posts[len(posts)-1]
		if last.Kind == social.KindOwn {
			last = posts[len(posts)-2]
		}
		c, err := s.ConvByRoot(ctx, posts[0].Key())
		if err != nil {
			return fmt.Errorf("bench: conversation %d: %w", i, err)
		}
		t := texts[LangOf(g.CustomerOf(i))]
		r := social.Reply{ID: fmt.Sprintf("r%d", i), Key: fmt.Sprintf("k%d", i), Network: last.Network, Account: last.Account,
			ConvID: c.ID, To: last, Text: t.brand[i%len(t.brand)], CreatedAt: sentAt(last), By: Operators[i%len(Operators)]}
		e, err := s.Enqueue(ctx, r, true, sentAt(last))
		if err != nil {
			return fmt.Errorf("bench: enqueue %d: %w", i, err)
		}
		if i >= g.N-40 {
			if _, err := s.UpdateOutbox(ctx, e.Seq, func(x *store.OutboxEntry) error {
				x.State, x.Attempts, x.LastError = store.OutFailed, 1, "422 the post was deleted"
				return nil
			}); err != nil {
				return err
			}
			continue
		}
		own := social.Post{Network: last.Network, Account: last.Account, Brand: last.Brand, RemoteID: fmt.Sprintf("own-%d", i),
			Author: social.Author{Handle: "@" + brandHandle(last.Brand)}, Text: r.Text, CreatedAt: sentAt(last).Add(time.Minute),
			Kind: social.KindOwn, ThreadRoot: posts[0].RemoteID, ReplyTo: last.RemoteID}
		if _, _, err := s.MarkSent(ctx, e.Seq, social.Sent{RemoteID: own.RemoteID}, own, nil, own.CreatedAt); err != nil {
			return fmt.Errorf("bench: mark sent %d: %w", i, err)
		}
	}
	return nil
}

// CacheDir is where built stores are kept between runs
// ($HARK_BENCH_CACHE, else $TMPDIR/hark-benchgen).
func CacheDir() string {
	if d := os.Getenv("HARK_BENCH_CACHE"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "hark-benchgen")
}

var buildMu sync.Mutex

// Cached returns the path of the cached bbolt store of n conversations,
// building it first if it is missing (minutes at 200k; later runs reuse it).
// Treat the file as read-only: Open gives each benchmark its own copy.
func Cached(tb testing.TB, n int) string {
	buildMu.Lock()
	defer buildMu.Unlock()
	dir := CacheDir()
	path := filepath.Join(dir, fmt.Sprintf("v%d-%d.db", Version, n))
	if _, err := os.Stat(path); err == nil {
		// a store cached by an older hark: migrate it and build its
		// search index once, in the cache
		s, err := store.Open(path, store.Options{NoSync: true, Timeout: 10 * time.Minute})
		if err != nil {
			tb.Fatal(err)
		}
		defer s.Close()
		if err := reindex(s); err != nil {
			tb.Fatal(err)
		}
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	defer os.Remove(tmp)
	s, err := store.Open(tmp, store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	t0 := time.Now()
	if err := Build(context.Background(), s, Gen{N: n}, nil); err != nil {
		s.Close()
		tb.Fatal(err)
	}
	if err := reindex(s); err != nil {
		s.Close()
		tb.Fatal(err)
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("benchgen: built %d conversations in %s (%s)", n, time.Since(t0).Round(time.Second), path)
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Open returns a private copy of the cached store of n conversations,
// open for writing (without fsync), removed when tb ends.
func Open(tb testing.TB, n int) store.Store {
	src := Cached(tb, n)
	dst := filepath.Join(tb.TempDir(), "bench.db")
	if err := CopyFile(src, dst); err != nil {
		tb.Fatal(err)
	}
	s, err := store.Open(dst, store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// reindex completes the search index of s, if it has one.
func reindex(s store.Store) error {
	if x, ok := s.(store.Searcher); ok {
		return x.Reindex(context.Background(), false, nil)
	}
	return nil
}

// CopyFile copies a store file (a generated store's cached copy).
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
