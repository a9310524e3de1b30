package social

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Network names a social network hark can poll.
type Network string

// The networks hark knows.
const (
	Mastodon Network = "mastodon"
	Bluesky  Network = "bluesky"
	X        Network = "x"
	RSS      Network = "rss"
	Demo     Network = "demo"
)

// Short is a two-letter tag for narrow screens.
func (n Network) Short() string {
	switch n {
	case Mastodon:
		return "MA"
	case Bluesky:
		return "BS"
	case X:
		return "X"
	case RSS:
		return "RS"
	case Demo:
		return "DE"
	}
	return strings.ToUpper(string(n))
}

// At is handle h as people write it on network n: @ first on every social
// network (Bluesky and X keep handles without it), an RSS author (a site or
// a name, not an account) as it is. It does not make h terminal-safe.
func (n Network) At(h string) string {
	if h == "" || n == RSS || strings.HasPrefix(h, "@") {
		return h
	}
	return "@" + h
}

// Kind says why a post reached hark.
type Kind string

// Post kinds.
const (
	KindMention Kind = "mention" // the brand was @mentioned
	KindReply   Kind = "reply"   // a reply in a thread the brand is part of
	KindQuote   Kind = "quote"   // a quote of the brand's post
	KindDM      Kind = "dm"      // a private message
	KindSearch  Kind = "search"  // a keyword / hashtag / feed listening hit
	KindOwn     Kind = "own"     // written by the brand (hark's own replies)
)

// Author is the person (or brand) who wrote a post.
type Author struct {
	ID          string `json:"id,omitempty"`   // network's stable id: account id, DID, user id
	Handle      string `json:"handle"`         // @user@domain, user.bsky.social, username
	DisplayName string `json:"name,omitempty"` // may be empty
	Followers   int    `json:"followers,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Name is the display name, falling back to the handle.
func (a Author) Name() string {
	if strings.TrimSpace(a.DisplayName) != "" {
		return a.DisplayName
	}
	return a.Handle
}

// Post is one message from a network, mapped to hark's shape. Text is the
// exact plain text (HTML already turned into text); it is untrusted and must
// go through the sanitizer before it reaches a terminal.
type Post struct {
	Network   Network   `json:"network"`
	Account   string    `json:"account"`         // the configured account (feed) that saw it
	Brand     string    `json:"brand,omitempty"` // the brand that account belongs to
	RemoteID  string    `json:"remote_id"`       // the network's id: status id, AT-URI, tweet id, GUID
	URL       string    `json:"url,omitempty"`   // permalink
	Author    Author    `json:"author"`
	Text      string    `json:"text"`
	Lang      string    `json:"lang,omitempty"` // as the network reports it; may be empty
	CreatedAt time.Time `json:"created_at,omitzero"`
	Kind      Kind      `json:"kind"`
	Direct    bool      `json:"direct,omitempty"` // private (DM / visibility direct)

	// Threading, as remote ids on the same network and account.
	ThreadRoot string `json:"thread_root,omitempty"` // root of the thread ("" = this post is a root)
	ReplyTo    string `json:"reply_to,omitempty"`    // parent post
	DMKey      string `json:"dm_key,omitempty"`      // network conversation id for DMs, if it has one

	// ReadOnly, when set, says why hark cannot reply to this post
	// (RSS entries, X search hits under the 2026 reply rule).
	ReadOnly string `json:"read_only,omitempty"`

	// EditedAt is when the author last edited the post (zero: never, or
	// the network does not say). Text is the edited text.
	EditedAt time.Time `json:"edited_at,omitzero"`
	// Revision is the network's content version of the post, where it has
	// one and no edit time (Bluesky: the record's CID). The same post seen
	// with another revision and another text was edited.
	Revision string `json:"revision,omitempty"`
	// DeletedAt is when hark learnt that the author deleted the post (a
	// thread fetch or a send found it gone). The text is kept.
	DeletedAt time.Time `json:"deleted_at,omitzero"`

	// Meta carries adapter-specific values needed to reply or fetch the
	// thread (Bluesky CIDs, X conversation ids). Only the adapter reads it.
	Meta map[string]string `json:"meta,omitempty"`

	// Media are the post's attachments (photos, videos, link cards,
	// enclosures), at most MaxMedia.
	Media []Media `json:"media,omitempty"`
}

// Key is the post's unique store key: network/account/remoteID.
func (p Post) Key() string { return PostKey(p.Network, p.Account, p.RemoteID) }

// PostKey builds a post key.
func PostKey(n Network, account, remoteID string) string {
	return string(n) + "/" + account + "/" + remoteID
}

// Gone reports whether err says the post it was about no longer exists
// (its author deleted it): adapters wrap such failures around ErrGone.
func Gone(err error) bool { return errors.Is(err, ErrGone) }

// ErrGone is wrapped by errors that say a post was deleted.
var ErrGone = errors.New("the post was deleted by its author")

// Batch is what one Poll returns.
type Batch struct {
	Posts  []Post
	Cursor string // cursor to pass to the next Poll; stored with the batch
	More   bool   // the source has more right now: poll again without waiting
	// Older: a first poll took the newest posts only and stopped before
	// the oldest: older posts were not read (a Backfiller reads them).
	Older bool
}

// Backfiller is implemented by sources that can read back in time, older
// than what a first poll took (`hark poll --backfill 7d`).
type Backfiller interface {
	// BackfillPage returns one page of posts (newest first) older than
	// before (a cursor from the previous page; "" = from the newest), and
	// the cursor of the next older page. more is false when the source has
	// nothing older, or the page reached posts older than since (those are
	// left out).
	BackfillPage(ctx context.Context, before string, since time.Time) (posts []Post, next string, more bool, err error)
}

// Source polls one feed (an account's mentions, a search, an RSS URL).
type Source interface {
	// ID names the feed uniquely, e.g. "mastodon:acme" or "rss:alerts".
	ID() string
	// Poll returns posts newer than cursor. An empty cursor is the first poll.
	Poll(ctx context.Context, cursor string) (Batch, error)
}

// ThreadFetcher is implemented by sources that can fetch a post's thread
// (ancestors and descendants) when a conversation is opened.
type ThreadFetcher interface {
	Thread(ctx context.Context, p Post) ([]Post, error)
}

// Reply is an answer hark sends: public (a reply in the thread) or private (DM).
type Reply struct {
	ID        string    `json:"id"`  // outbox id, also the idempotency key
	Key       string    `json:"key"` // network idempotency key (Mastodon Idempotency-Key, Bluesky rkey TID)
	Network   Network   `json:"network"`
	Account   string    `json:"account"`
	ConvID    string    `json:"conv_id"`
	To        Post      `json:"to"` // the post being answered
	Text      string    `json:"text"`
	Direct    bool      `json:"direct,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	// By is the operator who wrote it (zero: not recorded). Feeds ignore it.
	By Actor `json:"by,omitzero"`
	// Attachments are images posted with it (see Uploader).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Claimed, when set, reports whether a post already on the network is
	// recorded as another outbox entry's reply. A Confirmer that matches
	// by text (no idempotency key: two replies with the same text to the
	// same post look alike) passes over such posts and takes one nobody
	// owns. The engine sets it; it is never stored.
	Claimed func(remoteID string) bool `json:"-"`
}

// ClaimedByOther reports whether r.Claimed says remoteID is another
// entry's post (false when r.Claimed is not set).
func (r Reply) ClaimedByOther(remoteID string) bool {
	return r.Claimed != nil && r.Claimed(remoteID)
}

// Sent is the result of a successful send.
type Sent struct {
	RemoteID string `json:"remote_id"`
	URL      string `json:"url,omitempty"`
}

// Sender delivers replies for one account.
type Sender interface {
	Send(ctx context.Context, r Reply) (Sent, error)
}

// Confirmer is implemented by senders that can check, after an uncertain
// failure (timeout, crash mid-send), whether a reply already reached the
// network, so a retry never posts twice.
type Confirmer interface {
	Confirm(ctx context.Context, r Reply) (Sent, bool, error)
}

// RateStatus is the rate-limit budget a network last reported.
type RateStatus struct {
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset,omitzero"`
	Known     bool      `json:"known"`
}

// RateReporter is implemented by adapters that track rate-limit headers.
type RateReporter interface {
	Rate() RateStatus
}

// Verifier is implemented by adapters that can check their credentials and
// say which identity they resolve to (used by `hark doctor`).
type Verifier interface {
	Verify(ctx context.Context) (Author, error)
}

// Limiter gives a network's text limit and its counting rule.
type Limiter interface {
	// Count returns the length of text as the network counts it and the
	// limit that applies (direct messages may have another limit).
	Count(text string, direct bool) (n, limit int)
}

// Account is what the adapter of a brand's account on a network offers
// (Mastodon, Bluesky, X and the demo feed; an RSS feed is a Source only):
// it polls and fetches threads, sends replies and confirms them after an
// uncertain failure, verifies its credentials and counts text as the
// network does.
type Account interface {
	Source
	ThreadFetcher
	Sender
	Confirmer
	Verifier
	Limiter
}

// ReplyLimiter is implemented by limiters of networks that add text of
// their own to a reply (Mastodon puts "@user " in front when the text
// does not mention the customer): CountReply counts the reply as it will
// be sent, the way the server counts it.
type ReplyLimiter interface {
	CountReply(r Reply) (n, limit int)
}

// LimitLoader is implemented by limiters whose limit and counting rule
// come from the server (Mastodon's /api/v2/instance): LoadLimits reads
// them if they are not known yet.
type LimitLoader interface {
	LoadLimits(ctx context.Context) error
}

// LimitDescriber is implemented by limiters that can say, for a reply
// over the limit, which rule it breaks and in which unit (Bluesky:
// graphemes or bytes; GoToSocial: code points), e.g. "3760 bytes of
// UTF-8 (154 characters); bluesky allows 3000 bytes".
type LimitDescriber interface {
	DescribeCount(r Reply) string
}
