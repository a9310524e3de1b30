package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hark-tui/hark/social"
)

// maxWatermarkURIs bounds the URIs a cursor remembers for one instant.
const maxWatermarkURIs = 200

// profilesPerCall is getProfiles' limit on actors.
const profilesPerCall = 25

// pollState is what a feed cursor holds. Bluesky has no "since" parameter:
// a poll pages from the newest item down to the watermark (the newest
// indexedAt seen, plus the URIs seen at that instant, since several items
// can share one). When a poll stops at the page bound before reaching the
// watermark, Gap remembers where to go on so nothing in between is lost.
type pollState struct {
	At   string    `json:"at,omitempty"`
	URIs []string  `json:"uris,omitempty"`
	Gap  *gapState `json:"gap,omitempty"`
}

// gapState is an unfinished walk: resume at Cursor and stop at (At, URIs).
type gapState struct {
	Cursor string   `json:"cursor"`
	At     string   `json:"at"`
	URIs   []string `json:"uris,omitempty"`
}

// decodeState reads a cursor; an empty or unreadable one means first poll.
func decodeState(cursor string) pollState {
	var st pollState
	if cursor == "" || json.Unmarshal([]byte(cursor), &st) != nil {
		return pollState{}
	}
	if _, ok := parseTime(st.At); !ok {
		return pollState{}
	}
	if st.Gap != nil {
		if _, ok := parseTime(st.Gap.At); !ok || st.Gap.Cursor == "" {
			st.Gap = nil
		}
	}
	return st
}

func encodeState(st pollState) string {
	if st.At == "" {
		return ""
	}
	b, err := json.Marshal(st)
	if err != nil { // cannot happen for strings; keep the poll going
		return ""
	}
	return string(b)
}

// entry is one item met during a walk. post is nil for items that move the
// watermark but are not returned (other reasons, own posts, odd records).
type entry struct {
	at   time.Time
	atOK bool
	uri  string
	post *social.Post
}

// pageFunc fetches one page of newest-first items starting at cursor.
type pageFunc func(ctx context.Context, cursor string) (items []entry, next string, err error)

type walkResult struct {
	posts []social.Post // oldest first
	state pollState
	more  bool
	older bool // a first walk stopped at the page bound: older items unread
}

// walk pages newest→oldest from the top (or from the gap) until it meets
// the watermark, runs out of pages, or hits the page bound. firstPages
// bounds a first poll (no watermark); 0 means the normal bound.
func (c *Client) walk(ctx context.Context, st pollState, fetch pageFunc, firstPages int) (walkResult, error) {
	floorAt, floorOK := parseTime(st.At)
	floorURIs, cursor := st.URIs, ""
	if st.Gap != nil {
		floorAt, floorOK = parseTime(st.Gap.At)
		floorURIs, cursor = st.Gap.URIs, st.Gap.Cursor
	}
	limit := c.maxPages
	if limit <= 0 {
		limit = defaultMaxPages
	}
	if !floorOK && firstPages > 0 && firstPages < limit {
		limit = firstPages
	}
	seen := make(map[string]bool, len(floorURIs))
	for _, u := range floorURIs {
		seen[u] = true
	}

	var walked []entry
	reached := false
	next := ""
	for pages := 1; ; pages++ {
		items, nxt, err := fetch(ctx, cursor)
		if err != nil {
			return walkResult{}, err
		}
		if nxt == cursor { // a server repeating itself would loop forever
			nxt = ""
		}
		for _, e := range items {
			if floorOK && e.atOK {
				if e.at.Before(floorAt) {
					reached = true
					break
				}
				if e.at.Equal(floorAt) && seen[e.uri] {
					continue
				}
			}
			walked = append(walked, e)
		}
		next = nxt
		if reached || nxt == "" || pages >= limit {
			break
		}
		cursor = nxt
	}

	var gap *gapState
	if !reached && next != "" && floorOK {
		g := gapState{Cursor: next, At: floorAt.Format(time.RFC3339Nano), URIs: floorURIs}
		gap = &g
	}
	res := walkResult{more: gap != nil, older: !floorOK && !reached && next != ""}
	if st.Gap != nil {
		res.state = pollState{At: st.At, URIs: st.URIs, Gap: gap}
	} else {
		res.state = advance(st, walked)
		res.state.Gap = gap
	}

	dup := make(map[string]bool, len(walked))
	for i := len(walked) - 1; i >= 0; i-- { // oldest first
		e := walked[i]
		if e.post == nil || dup[e.uri] {
			continue
		}
		dup[e.uri] = true
		res.posts = append(res.posts, *e.post)
	}
	return res, nil
}

// advance moves the watermark to the newest item walked.
func advance(st pollState, walked []entry) pollState {
	top, ok := parseTime(st.At)
	uris := append([]string(nil), st.URIs...)
	for _, e := range walked {
		if !e.atOK {
			continue
		}
		switch {
		case !ok || e.at.After(top):
			top, ok, uris = e.at, true, []string{e.uri}
		case e.at.Equal(top):
			if !contains(uris, e.uri) {
				uris = append(uris, e.uri)
			}
		}
	}
	if !ok {
		return pollState{}
	}
	if len(uris) > maxWatermarkURIs {
		uris = uris[len(uris)-maxWatermarkURIs:]
	}
	return pollState{At: top.Format(time.RFC3339Nano), URIs: uris}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Poll implements social.Source: mentions, replies and quotes newer than
// cursor, oldest first, with the authors' follower counts. It never marks
// notifications as seen.
func (c *Client) Poll(ctx context.Context, cursor string) (social.Batch, error) {
	sess, err := c.session(ctx)
	if err != nil {
		return social.Batch{}, wrapf("polling notifications", err)
	}
	res, err := c.walk(ctx, decodeState(cursor), func(ctx context.Context, cur string) ([]entry, string, error) {
		return c.notificationsPage(ctx, cur, sess.did)
	}, 0)
	if err != nil {
		return social.Batch{}, err
	}
	c.addFollowers(ctx, res.posts)
	return social.Batch{Posts: res.posts, Cursor: encodeState(res.state), More: res.more, Older: res.older}, nil
}

// BackfillPage implements social.Backfiller: one page of notifications
// (mentions, replies, quotes) older than the cursor before, newest first,
// stopping at since.
func (c *Client) BackfillPage(ctx context.Context, before string, since time.Time) ([]social.Post, string, bool, error) {
	sess, err := c.session(ctx)
	if err != nil {
		return nil, before, true, wrapf("reading older notifications", err)
	}
	items, next, err := c.notificationsPage(ctx, before, sess.did)
	if err != nil {
		return nil, before, true, err
	}
	var out []social.Post
	reached := false
	for _, e := range items {
		if e.atOK && e.at.Before(since) {
			reached = true
			continue
		}
		if e.post != nil {
			out = append(out, *e.post)
		}
	}
	c.addFollowers(ctx, out)
	return out, next, !reached && next != "" && next != before, nil
}

func (c *Client) notificationsPage(ctx context.Context, cursor, ownDID string) ([]entry, string, error) {
	q := url.Values{}
	for _, r := range []string{"mention", "reply", "quote"} {
		q.Add("reasons", r)
	}
	q.Set("priority", "false")
	q.Set("limit", "50")
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var page struct {
		Notifications []json.RawMessage `json:"notifications"`
		Cursor        string            `json:"cursor"`
	}
	if err := c.call(ctx, xreq{nsid: "app.bsky.notification.listNotifications", query: q}, &page); err != nil {
		return nil, "", err
	}
	items := make([]entry, 0, len(page.Notifications))
	for _, raw := range page.Notifications {
		if n, ok := decodeNotification(raw); ok {
			p, mapped := c.mapNotification(n, ownDID)
			items = append(items, newEntry(n.URI, n.IndexedAt, p, mapped))
		}
	}
	return items, page.Cursor, nil
}

// newEntry is a page item at uri, indexed at indexedAt, with its post p
// if it was mapped.
func newEntry(uri, indexedAt string, p social.Post, mapped bool) entry {
	e := entry{uri: uri}
	e.at, e.atOK = parseTime(indexedAt)
	if mapped {
		e.post = &p
	}
	return e
}

// addFollowers fills Author.Followers from getProfiles (25 actors a call).
// It is best effort: the posts are worth delivering without the counts.
func (c *Client) addFollowers(ctx context.Context, posts []social.Post) {
	var dids []string
	seen := map[string]bool{}
	for _, p := range posts {
		if d := p.Author.ID; d != "" && !seen[d] {
			seen[d] = true
			dids = append(dids, d)
		}
	}
	if len(dids) == 0 {
		return
	}
	profs, _ := c.profiles(ctx, dids)
	for i := range posts {
		if pr, ok := profs[posts[i].Author.ID]; ok {
			posts[i].Author.Followers = pr.Followers
			if posts[i].Author.DisplayName == "" {
				posts[i].Author.DisplayName = pr.DisplayName
			}
		}
	}
}

// profiles reads profiles by DID, profilesPerCall at a time. On error it
// returns what it read so far.
func (c *Client) profiles(ctx context.Context, dids []string) (map[string]wireAuthor, error) {
	out := make(map[string]wireAuthor, len(dids))
	var valid []string
	for _, d := range dids {
		if _, err := syntax.ParseDID(d); err == nil {
			valid = append(valid, d)
		}
	}
	for start := 0; start < len(valid); start += profilesPerCall {
		end := min(start+profilesPerCall, len(valid))
		q := url.Values{"actors": valid[start:end]}
		var resp struct {
			Profiles []json.RawMessage `json:"profiles"`
		}
		if err := c.call(ctx, xreq{nsid: "app.bsky.actor.getProfiles", query: q, host: hostAppView}, &resp); err != nil {
			return out, err
		}
		for _, raw := range resp.Profiles {
			if a := decodeAuthor(raw); a.DID != "" {
				out[a.DID] = a
			}
		}
	}
	return out, nil
}

// wrapf adds context to an error.
func wrapf(what string, err error) error {
	return fmt.Errorf("bluesky: %s: %w", what, err)
}

func itoa(n int) string { return strconv.Itoa(n) }
