package bluesky

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/hark-tui/hark/social"
)

// searchPageSize is the limit sent to searchPosts.
const searchPageSize = 25

// Search is a listening feed over app.bsky.feed.searchPosts (sort=latest).
// A first poll reads one page; later polls page down to the newest
// indexedAt seen. It implements social.Source and social.ThreadFetcher.
type Search struct {
	c     *Client
	query string
}

// NewSearch returns a search feed with its own session.
func NewSearch(o Options, query string) *Search {
	return &Search{c: New(o), query: query}
}

// Search returns a search feed that shares c's session (one login for the
// account's mentions and its searches).
func (c *Client) Search(query string) *Search {
	return &Search{c: c, query: query}
}

// ID implements social.Source.
func (s *Search) ID() string { return "bluesky:" + s.c.opts.Account + ":search:" + s.query }

// Poll implements social.Source: posts matching the query newer than
// cursor, oldest first, Kind search. The account's own posts are left out.
func (s *Search) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	if s.query == "" {
		return social.Batch{}, &social.Error{Kind: social.Permanent, Msg: "bluesky: empty search query"}
	}
	own, err := s.c.ownDID(ctx)
	if err != nil {
		return social.Batch{}, wrapf("searching", err)
	}
	res, err := s.c.walk(ctx, decodeState(cursor), func(ctx context.Context, cur string) ([]entry, string, error) {
		return s.page(ctx, cur, own)
	}, 1)
	if err != nil {
		return social.Batch{}, err
	}
	s.c.addFollowers(ctx, res.posts)
	return social.Batch{Posts: res.posts, Cursor: encodeState(res.state), More: res.more}, nil
}

func (s *Search) page(ctx context.Context, cursor, ownDID string) ([]entry, string, error) {
	q := url.Values{"q": {s.query}, "sort": {"latest"}, "limit": {itoa(searchPageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var page struct {
		Posts  []json.RawMessage `json:"posts"`
		Cursor string            `json:"cursor"`
	}
	if err := s.c.call(ctx, xreq{nsid: "app.bsky.feed.searchPosts", query: q, host: hostAppView}, &page); err != nil {
		return nil, "", err
	}
	items := make([]entry, 0, len(page.Posts))
	for _, raw := range page.Posts {
		if v, ok := decodePostView(raw); ok {
			var p social.Post
			mapped := false
			if ownDID == "" || v.Author.DID != ownDID {
				p, mapped = s.c.mapPostView(v, social.KindSearch)
			}
			items = append(items, newEntry(v.URI, v.IndexedAt, p, mapped))
		}
	}
	return items, page.Cursor, nil
}

// Thread implements social.ThreadFetcher.
func (s *Search) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	return s.c.Thread(ctx, p)
}

// Rate implements social.RateReporter (the budget is the account's).
func (s *Search) Rate() social.RateStatus { return s.c.Rate() }
