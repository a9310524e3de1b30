package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// Poll returns the mentions (and private mentions, as KindDM) newer than
// cursor, oldest first. The cursor is the id of the newest notification
// seen. The first poll (empty cursor) takes the newest page only; later
// polls catch up forward with min_id page by page until the server returns
// an empty page, so nothing is missed when more than a page arrived. After
// maxPages pages it stops with Batch.More set; if a later page fails after
// earlier ones succeeded, the pages read so far are returned with More set
// and the error is left for the next poll to meet.
func (c *Client) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	a := c.api
	a.loadLimitsOnce(ctx)
	q := func(minID string) url.Values {
		// mentions, and edits of statuses hark holds
		return pageQuery(url.Values{"types[]": {"mention", "update"}}, notificationsLimit, "min_id", minID)
	}
	fetch := func(minID string) (page, error) {
		var raw json.RawMessage
		if err := a.get(ctx, "/api/v1/notifications", q(minID), &raw); err != nil {
			return page{}, err
		}
		pg, err := a.decodeNotifications(raw)
		if err != nil {
			return page{}, malformed("GET /api/v1/notifications", err)
		}
		pg.full = pg.n >= notificationsLimit
		return pg, nil
	}

	return catchUp(cursor, fetch)
}

// pageQuery adds to q the page size, limit, and the id the page starts
// from as key (min_id: after it, max_id: before it) unless id is empty.
func pageQuery(q url.Values, limit int, key, id string) url.Values {
	q.Set("limit", strconv.Itoa(limit))
	if id != "" {
		q.Set(key, id)
	}
	return q
}

// BackfillPage implements social.Backfiller: one page of mention
// notifications older than before (max_id), newest first, stopping at
// since.
func (c *Client) BackfillPage(ctx context.Context, before string, since time.Time) ([]social.Post, string, bool, error) {
	a := c.api
	q := pageQuery(url.Values{"types[]": {"mention"}}, notificationsLimit, "max_id", before)
	var raw json.RawMessage
	if err := a.get(ctx, "/api/v1/notifications", q, &raw); err != nil {
		return nil, before, true, err
	}
	pg, err := a.decodeNotifications(raw)
	if err != nil {
		return nil, before, true, malformed("GET /api/v1/notifications", err)
	}
	var out []social.Post
	reached := false
	for _, p := range pg.posts {
		if !p.CreatedAt.IsZero() && p.CreatedAt.Before(since) {
			reached = true
			continue
		}
		out = append(out, p)
	}
	more := !reached && pg.n > 0 && pg.oldest != "" && pg.oldest != before
	return out, pg.oldest, more, nil
}

// catchUp is the forward catch-up both the mentions and the tag timeline
// use: the first poll takes the newest page; later ones page forward with
// min_id until an empty page (at most maxPages a poll, then More), so
// nothing is missed when more than a page arrived. Posts come oldest first.
func catchUp(cursor string, fetch func(minID string) (page, error)) (social.Batch, error) {
	if cursor == "" {
		pg, err := fetch("")
		if err != nil {
			return social.Batch{}, err
		}
		reverse(pg.posts)
		return social.Batch{Posts: pg.posts, Cursor: pg.newest, Older: pg.full}, nil
	}
	b := social.Batch{Cursor: cursor}
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if i == maxPages {
			b.More = true
			break
		}
		pg, err := fetch(b.Cursor)
		if err != nil {
			if i > 0 {
				b.More = true
				break
			}
			return social.Batch{}, err
		}
		if pg.n == 0 || pg.newest == "" || pg.newest == b.Cursor {
			break
		}
		reverse(pg.posts)
		for _, p := range pg.posts {
			if !seen[p.RemoteID] {
				seen[p.RemoteID] = true
				b.Posts = append(b.Posts, p)
			}
		}
		b.Cursor = pg.newest
	}
	return b, nil
}

// unusedTag: GoToSocial answers a hashtag timeline for a tag no post used
// yet with 404 "tag was not found" (recorded from 0.19.2); Mastodon with
// an empty page. Either way the feed has nothing yet: not an error.
func unusedTag(err error) bool {
	var se *social.Error
	return errors.As(err, &se) && se.Status == http.StatusNotFound && se.Kind == social.Permanent &&
		strings.Contains(strings.ToLower(se.Msg), "tag was not found")
}

// goneIf404 marks a JSON 404 about one status as the status being gone
// (deleted by its author, or no longer visible to the brand).
func goneIf404(err error) error {
	var se *social.Error
	if errors.As(err, &se) && se.Status == http.StatusNotFound && se.Kind == social.Permanent {
		return fmt.Errorf("%w: %w", err, social.ErrGone)
	}
	return err
}

func malformed(where string, err error) error {
	return fmt.Errorf("mastodon: %s: %w", where, &social.Error{Kind: social.Transient,
		Status: http.StatusOK, Msg: "malformed JSON in response", Err: err})
}

// Thread returns the post's thread from /api/v1/statuses/:id/context:
// ancestors, the post itself (as given, with ThreadRoot updated) and
// descendants, oldest first (server order if a time is missing).
// ThreadRoot is set to the thread's root on every post but the root; the
// brand's own posts are KindOwn, the others KindReply (KindDM if direct).
func (c *Client) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	a := c.api
	if p.RemoteID == "" {
		return nil, fmt.Errorf("mastodon: thread: %w", &social.Error{Kind: social.Permanent, Msg: "post has no id"})
	}
	// The post itself, as it is now: an edit shows in its edited_at and
	// text, a deletion as a 404 (the context does not hold the post).
	var cur status
	if err := a.get(ctx, "/api/v1/statuses/"+url.PathEscape(p.RemoteID), nil, &cur); err != nil {
		return nil, goneIf404(err)
	}
	tc, err := a.context(ctx, p.RemoteID)
	if err != nil {
		return nil, err
	}
	selfID := ""
	if me, err := a.me(ctx); err == nil { // best effort: without it nothing is marked KindOwn
		selfID = string(me.ID)
	}
	mapOne := func(st status) (social.Post, bool) {
		kind := social.KindReply
		if selfID != "" && st.Account.OK && string(st.Account.V.ID) == selfID {
			kind = social.KindOwn
		}
		q, ok := a.post(st, kind, time.Time{})
		if ok && q.Direct && kind == social.KindReply {
			q.Kind = social.KindDM
		}
		return q, ok
	}
	var out []social.Post
	for _, st := range tc.Ancestors {
		if q, ok := mapOne(st); ok && q.RemoteID != p.RemoteID {
			out = append(out, q)
		}
	}
	self := p
	if now, ok := a.post(cur, p.Kind, p.CreatedAt); ok && now.RemoteID == p.RemoteID {
		self.Text, self.EditedAt = now.Text, now.EditedAt
	}
	out = append(out, self)
	for _, st := range tc.Descendants {
		if q, ok := mapOne(st); ok && q.RemoteID != p.RemoteID {
			out = append(out, q)
		}
	}
	root := p.RemoteID
	switch {
	case len(out) > 0 && out[0].RemoteID != p.RemoteID:
		root = out[0].RemoteID // Mastodon lists ancestors from the top down
	case p.ReplyTo != "" && p.ThreadRoot != "":
		root = p.ThreadRoot // the ancestors are not visible to us
	case p.ReplyTo != "":
		root = p.ReplyTo
	}
	dated := true
	for i := range out {
		if out[i].RemoteID == root {
			out[i].ThreadRoot = ""
		} else {
			out[i].ThreadRoot = root
		}
		dated = dated && !out[i].CreatedAt.IsZero()
	}
	if dated { // descendants come in tree order; make it time order
		slices.SortStableFunc(out, func(a, b social.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	}
	return out, nil
}

func (a *api) context(ctx context.Context, id string) (threadContext, error) {
	var tc threadContext
	path := "/api/v1/statuses/" + url.PathEscape(id) + "/context"
	var raw json.RawMessage
	if err := a.get(ctx, path, nil, &raw); err != nil {
		return tc, goneIf404(err)
	}
	if err := json.Unmarshal(raw, &tc); err != nil || !isObject(raw) {
		if err == nil {
			err = fmt.Errorf("expected a JSON object")
		}
		return tc, malformed("GET /api/v1/statuses/:id/context", err)
	}
	return tc, nil
}

func isObject(b []byte) bool {
	s := strings.TrimSpace(string(b))
	return strings.HasPrefix(s, "{")
}

// Search listens to a hashtag or a full-text search on one account's
// server. It is a second social.Source beside the account's Client.
//
// A query starting with "#" reads the hashtag timeline
// (/api/v1/timelines/tag/:tag) and catches up forward with min_id exactly
// like the mentions feed; the cursor is the newest status id.
//
// Any other query uses /api/v2/search?type=statuses. That endpoint has no
// reliable forward paging: hark asks for the 20 best results (with min_id
// as a hint the server may ignore) and keeps those whose id is newer than
// the cursor, comparing ids by length and then lexically (the order of
// Mastodon snowflakes, GoToSocial ULIDs and Pleroma flake ids). Limitations:
// it is best effort — many servers have no full-text search and answer [],
// Mastodon only finds posts from accounts that opted into search, and when
// more than 20 matching posts arrive between two polls the ones the server
// ranks lower are missed.
type Search struct {
	api   *api
	query string
}

// NewSearch returns a listening source for query on o's server.
func NewSearch(o Options, query string) *Search {
	return &Search{api: newAPI(o), query: strings.TrimSpace(query)}
}

var (
	_ social.Source       = (*Search)(nil)
	_ social.RateReporter = (*Search)(nil)
)

// ID names the feed: "mastodon:<account>:search:<query>".
func (s *Search) ID() string { return "mastodon:" + s.api.opt.Account + ":search:" + s.query }

// Rate returns the rate-limit budget the server last reported.
func (s *Search) Rate() social.RateStatus { return s.api.rate() }

// Poll returns hits newer than cursor, oldest first, as KindSearch posts.
func (s *Search) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	if tag, ok := strings.CutPrefix(s.query, "#"); ok {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			return social.Batch{}, fmt.Errorf("mastodon: search: %w", &social.Error{Kind: social.Permanent, Msg: "empty hashtag"})
		}
		return s.pollTag(ctx, tag, cursor)
	}
	if s.query == "" {
		return social.Batch{}, fmt.Errorf("mastodon: search: %w", &social.Error{Kind: social.Permanent, Msg: "empty query"})
	}
	return s.pollSearch(ctx, cursor)
}

func (s *Search) pollTag(ctx context.Context, tag, cursor string) (social.Batch, error) {
	a := s.api
	path := "/api/v1/timelines/tag/" + url.PathEscape(tag)
	fetch := func(minID string) (page, error) {
		q := pageQuery(url.Values{}, timelineLimit, "min_id", minID)
		var raw json.RawMessage
		if err := a.get(ctx, path, q, &raw); err != nil {
			if unusedTag(err) {
				return page{}, nil // nobody used the tag yet: nothing to read
			}
			return page{}, err
		}
		ps, err := a.decodeStatuses(raw, social.KindSearch)
		if err != nil {
			return page{}, malformed("GET /api/v1/timelines/tag/:tag", err)
		}
		pg := page{n: len(ps), posts: ps}
		if len(ps) > 0 {
			pg.newest = ps[0].RemoteID // the timeline is newest first
		}
		return pg, nil
	}
	return catchUp(cursor, fetch)
}

func (s *Search) pollSearch(ctx context.Context, cursor string) (social.Batch, error) {
	a := s.api
	q := pageQuery(url.Values{"q": {s.query}, "type": {"statuses"}}, searchLimit, "min_id", cursor)
	var raw json.RawMessage
	if err := a.get(ctx, "/api/v2/search", q, &raw); err != nil {
		return social.Batch{}, err
	}
	var res searchResults
	if err := json.Unmarshal(raw, &res); err != nil || !isObject(raw) {
		if err == nil {
			err = fmt.Errorf("expected a JSON object")
		}
		return social.Batch{}, malformed("GET /api/v2/search", err)
	}
	b := social.Batch{Cursor: cursor}
	for _, st := range res.Statuses {
		p, ok := a.post(st, social.KindSearch, a.now())
		if !ok || (cursor != "" && web.CompareIDs(cursor, p.RemoteID) >= 0) {
			continue
		}
		b.Posts = append(b.Posts, p)
		if b.Cursor == "" || web.CompareIDs(b.Cursor, p.RemoteID) < 0 {
			b.Cursor = p.RemoteID
		}
	}
	slices.SortStableFunc(b.Posts, func(x, y social.Post) int { return web.CompareIDs(x.RemoteID, y.RemoteID) })
	return b, nil
}
