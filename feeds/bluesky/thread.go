package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/hark-tui/hark/social"
)

// Thread fetch bounds: what getPostThread is asked for, and what hark walks
// at most whatever the server sends.
const (
	threadDepth        = 6
	threadParentHeight = 80
	maxThreadNesting   = 100
	maxThreadPosts     = 1000
)

// Union member types of app.bsky.feed.getPostThread's thread.
const (
	typeThreadViewPost = "app.bsky.feed.defs#threadViewPost"
	typeNotFoundPost   = "app.bsky.feed.defs#notFoundPost"
	typeBlockedPost    = "app.bsky.feed.defs#blockedPost"
)

// threadNode is one member of the thread union.
type threadNode struct {
	typ      string
	post     json.RawMessage
	parent   json.RawMessage
	replies  []json.RawMessage
	notFound bool
	blocked  bool
}

func decodeThreadNode(raw json.RawMessage) (threadNode, bool) {
	var n threadNode
	ok := fields(raw, map[string]any{
		"$type": &n.typ, "post": &n.post, "parent": &n.parent, "replies": &n.replies,
		"notFound": &n.notFound, "blocked": &n.blocked,
	})
	return n, ok
}

// isPost reports whether the node carries a visible post (a threadViewPost;
// a missing $type is tolerated when a post is present).
func (n threadNode) isPost() bool {
	if n.notFound || n.blocked {
		return false
	}
	return n.typ == typeThreadViewPost || (n.typ == "" && len(n.post) > 0)
}

// Thread implements social.ThreadFetcher: the post's ancestors and replies
// (getPostThread), flattened oldest first. Deleted (#notFoundPost) and
// blocked (#blockedPost) posts are left out.
func (c *Client) Thread(ctx context.Context, p social.Post) ([]social.Post, error) {
	if _, ok := postURI(p.RemoteID); !ok {
		return nil, &social.Error{Kind: social.Permanent, Msg: "not a Bluesky post URI"}
	}
	own, err := c.ownDID(ctx)
	if err != nil {
		return nil, wrapf("fetching thread", err)
	}
	q := url.Values{
		"uri":          {p.RemoteID},
		"depth":        {itoa(threadDepth)},
		"parentHeight": {itoa(threadParentHeight)},
	}
	var resp struct {
		Thread json.RawMessage `json:"thread"`
	}
	if err := c.call(ctx, xreq{nsid: "app.bsky.feed.getPostThread", query: q, host: hostAppView}, &resp); err != nil {
		if errName(err) == "NotFound" { // the AppView's answer for a deleted post
			return nil, fmt.Errorf("%w: %w", err, social.ErrGone)
		}
		return nil, err
	}
	anchor, ok := decodeThreadNode(resp.Thread)
	if !ok {
		return nil, &social.Error{Kind: social.Transient, Msg: "getPostThread answer has no thread"}
	}
	if !anchor.isPost() {
		what := "not found"
		if anchor.blocked || anchor.typ == typeBlockedPost {
			what = "blocked"
		}
		e := &social.Error{Kind: social.Permanent, Msg: fmt.Sprintf("post %s", what)}
		if what == "not found" {
			e.Err = social.ErrGone
		}
		return nil, e
	}

	t := threadWalk{c: c, own: own, anchor: p}
	// Ancestors, iteratively: the chain can be long.
	cur := anchor
	for i := 0; i < threadParentHeight*2 && len(cur.parent) > 0; i++ {
		parent, ok := decodeThreadNode(cur.parent)
		if !ok || !parent.isPost() {
			break // #notFoundPost / #blockedPost end the visible chain
		}
		t.add(parent.post)
		cur = parent
	}
	t.add(anchor.post)
	t.replies(anchor.replies, 1)

	sort.SliceStable(t.posts, func(i, j int) bool { return t.posts[i].CreatedAt.Before(t.posts[j].CreatedAt) })
	return t.posts, nil
}

type threadWalk struct {
	c      *Client
	own    string
	anchor social.Post
	posts  []social.Post
	seen   map[string]bool
}

func (t *threadWalk) add(raw json.RawMessage) {
	if len(t.posts) >= maxThreadPosts {
		return
	}
	v, ok := decodePostView(raw)
	if !ok {
		return
	}
	kind := social.KindReply
	switch {
	case t.own != "" && v.Author.DID == t.own:
		kind = social.KindOwn
	case v.URI == t.anchor.RemoteID && t.anchor.Kind != "":
		kind = t.anchor.Kind
	}
	p, ok := t.c.mapPostView(v, kind)
	if !ok {
		return
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	if t.seen[p.RemoteID] {
		return
	}
	t.seen[p.RemoteID] = true
	t.posts = append(t.posts, p)
}

func (t *threadWalk) replies(list []json.RawMessage, level int) {
	if level > maxThreadNesting {
		return
	}
	for _, raw := range list {
		n, ok := decodeThreadNode(raw)
		if !ok || !n.isPost() {
			continue
		}
		t.add(n.post)
		t.replies(n.replies, level+1)
	}
}

// ownDID is the account's DID, or "" when only the public AppView is used
// and no credentials are configured.
func (c *Client) ownDID(ctx context.Context) (string, error) {
	if c.appView != "" && strings.TrimSpace(c.opts.Handle) == "" {
		return "", nil
	}
	s, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	return s.did, nil
}
