package x

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// postQuery is the field set every post-listing request sends.
func postQuery() url.Values {
	return url.Values{
		"max_results":  {strconv.Itoa(pageSize)},
		"tweet.fields": {tweetFields},
		"expansions":   {expansions},
		"user.fields":  {userFields},
		"media.fields": {mediaFields},
	}
}

// Poll returns the account's mentions newer than cursor (the newest post id
// seen), oldest first. The first poll (empty cursor) reads one page of the
// newest mentions; later polls catch up with since_id, following
// meta.next_token, and the new cursor is meta.newest_id of the first page.
// A poll sooner than MinInterval after the previous one returns an empty
// batch with the same cursor and calls nothing.
func (c *Client) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	if skip, err := c.startPoll(keyMentions); skip || err != nil {
		if err != nil {
			return social.Batch{Cursor: cursor}, fmt.Errorf("x: poll mentions of %s: %w", c.account, err)
		}
		return social.Batch{Cursor: cursor}, nil
	}
	id, name, err := c.identity(ctx, false)
	if err != nil {
		return social.Batch{Cursor: cursor}, fmt.Errorf("x: poll mentions of %s: %w", c.account, err)
	}
	m := &mapper{account: c.account, brand: c.brand, selfID: id, selfName: name, kind: social.KindMention, now: c.now()}
	b, err := c.catchUp(ctx, keyMentions, "/2/users/"+url.PathEscape(id)+"/mentions", postQuery(), cursor, m)
	if err != nil {
		return social.Batch{Cursor: cursor}, fmt.Errorf("x: poll mentions of %s: %w", c.account, err)
	}
	return b, nil
}

// catchUp reads the pages of a since_id listing and maps them.
func (c *Client) catchUp(ctx context.Context, key, path string, q url.Values, cursor string, m *mapper) (social.Batch, error) {
	if cursor != "" {
		q.Set("since_id", cursor)
	}
	var posts []social.Post
	newest := ""
	for page := 0; page < maxPages; page++ {
		resp, err := c.do(ctx, key, http.MethodGet, path, q, nil)
		if err != nil {
			return social.Batch{}, err
		}
		tp, err := decodeTweetPage(resp.Body)
		if err != nil {
			return social.Batch{}, malformed(key, resp, err)
		}
		if page == 0 {
			newest = string(tp.Meta.NewestID)
			if newest == "" {
				for _, t := range tp.Data {
					if t.ID != "" && (newest == "" || web.CompareIDs(newest, string(t.ID)) < 0) {
						newest = string(t.ID)
					}
				}
			}
		}
		posts = append(posts, m.mapPage(&tp)...)
		if cursor == "" || tp.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", tp.Meta.NextToken)
	}
	next := cursor
	if newest != "" {
		next = newest
	}
	return social.Batch{Posts: oldestFirst(posts, cursor), Cursor: next}, nil
}

// oldestFirst reverses X's newest-first order across pages, dropping
// duplicates and the cursor post itself.
func oldestFirst(posts []social.Post, cursor string) []social.Post {
	seen := make(map[string]bool, len(posts))
	out := make([]social.Post, 0, len(posts))
	for i := len(posts) - 1; i >= 0; i-- {
		id := posts[i].RemoteID
		if seen[id] || (cursor != "" && id == cursor) {
			continue
		}
		seen[id] = true
		out = append(out, posts[i])
	}
	return out
}

// Search is a keyword-listening source over GET /2/tweets/search/recent.
// Hits are KindSearch and read-only (ReadOnlyNotSummoned) unless they
// mention the brand's account or quote its post: X refuses other replies.
type Search struct {
	c     *Client
	query string
}

// NewSearch returns a listening source for query (X search operators, at
// most 512 characters on self-serve tiers).
func NewSearch(o Options, query string) *Search {
	c := New(o)
	c.pollKey = keySearch
	return &Search{c: c, query: query}
}

// ID names the feed: "x:<account>:search:<query>".
func (s *Search) ID() string { return "x:" + s.c.account + ":search:" + s.query }

// Query is the search query.
func (s *Search) Query() string { return s.query }

// Rate reports the search endpoint's budget.
func (s *Search) Rate() social.RateStatus { return s.c.Rate() }

// Thread fetches a hit's thread (see Client.Thread).
func (s *Search) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	return s.c.Thread(ctx, p)
}

// Poll returns hits newer than cursor, oldest first, with the same paging
// and pacing rules as Client.Poll.
func (s *Search) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	if strings.TrimSpace(s.query) == "" {
		return social.Batch{Cursor: cursor}, fmt.Errorf("x: search of %s: %w", s.c.account,
			&social.Error{Kind: social.Permanent, Msg: "empty search query"})
	}
	if skip, err := s.c.startPoll(keySearch); skip || err != nil {
		if err != nil {
			return social.Batch{Cursor: cursor}, fmt.Errorf("x: search %q: %w", s.query, err)
		}
		return social.Batch{Cursor: cursor}, nil
	}
	id, name, err := s.c.identity(ctx, true)
	if err != nil {
		return social.Batch{Cursor: cursor}, fmt.Errorf("x: search %q: %w", s.query, err)
	}
	m := &mapper{account: s.c.account, brand: s.c.brand, selfID: id, selfName: name,
		kind: social.KindSearch, gate: true, now: s.c.now()}
	q := postQuery()
	q.Set("query", s.query)
	q.Set("sort_order", "recency")
	b, err := s.c.catchUp(ctx, keySearch, "/2/tweets/search/recent", q, cursor, m)
	if err != nil {
		return social.Batch{Cursor: cursor}, fmt.Errorf("x: search %q: %w", s.query, err)
	}
	return b, nil
}

// threadPages bounds the replies read for one thread (500 posts).
const threadPages = 5

// lookupRounds bounds how far up the reply chain Thread walks with lookups.
const lookupRounds = 3

// Thread returns p's conversation oldest first: the replies of the last
// seven days (recent search conversation_id:<root>) plus the root and the
// parents they miss, looked up with GET /2/tweets?ids= (ids X cannot serve,
// e.g. deleted posts, are skipped). Posts by others that do not mention the
// brand are read-only, as X would refuse a reply to them.
func (c *Client) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	id, name, err := c.identity(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("x: thread of %s: %w", p.RemoteID, err)
	}
	root := p.Meta[MetaConversationID]
	if root == "" {
		root = p.ThreadRoot
	}
	if root == "" {
		root = p.RemoteID
	}
	if root == "" {
		return nil, fmt.Errorf("x: thread: %w", &social.Error{Kind: social.Permanent, Msg: "post has no id"})
	}
	m := &mapper{account: c.account, brand: c.brand, selfID: id, selfName: name, gate: true, now: c.now()}
	byID := map[string]social.Post{}

	q := postQuery()
	q.Set("query", "conversation_id:"+root)
	for page := 0; page < threadPages; page++ {
		resp, err := c.do(ctx, keySearch, http.MethodGet, "/2/tweets/search/recent", q, nil)
		if err != nil {
			return nil, fmt.Errorf("x: thread %s: %w", root, err)
		}
		tp, err := decodeTweetPage(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("x: thread %s: %w", root, malformed(keySearch, resp, err))
		}
		for _, post := range m.mapPage(&tp) {
			byID[post.RemoteID] = post
		}
		if tp.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", tp.Meta.NextToken)
	}

	tried := map[string]bool{}
	want := []string{root, p.ReplyTo, p.RemoteID}
	for round := 0; round < lookupRounds; round++ {
		var ids []string
		for _, w := range want {
			if w != "" && !tried[w] {
				if _, ok := byID[w]; !ok {
					tried[w] = true
					ids = append(ids, w)
				}
			}
		}
		if len(ids) == 0 {
			break
		}
		if len(ids) > 100 {
			ids = ids[:100]
		}
		got, err := c.lookup(ctx, ids, m)
		if err != nil {
			return nil, fmt.Errorf("x: thread %s: %w", root, err)
		}
		want = want[:0]
		for _, post := range got {
			byID[post.RemoteID] = post
			want = append(want, post.ReplyTo)
		}
	}

	out := make([]social.Post, 0, len(byID))
	for _, post := range byID {
		out = append(out, post)
	}
	slices.SortFunc(out, func(a, b social.Post) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), web.CompareIDs(a.RemoteID, b.RemoteID))
	})
	return out, nil
}

// lookup reads posts by id. A 200 may carry errors[] for ids X cannot
// serve; those are simply missing from the result.
func (c *Client) lookup(ctx context.Context, ids []string, m *mapper) ([]social.Post, error) {
	q := postQuery()
	q.Del("max_results")
	q.Set("ids", strings.Join(ids, ","))
	resp, err := c.do(ctx, keyLookup, http.MethodGet, "/2/tweets", q, nil)
	if err != nil {
		return nil, err
	}
	tp, err := decodeTweetPage(resp.Body)
	if err != nil {
		return nil, malformed(keyLookup, resp, err)
	}
	return m.mapPage(&tp), nil
}
