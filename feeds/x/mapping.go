package x

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// ReadOnlyNotSummoned is the ReadOnly reason of a listening hit (or thread
// post) that neither mentions the brand's account nor quotes its post: since
// 2026-02-23 X refuses programmatic replies to those on self-serve tiers.
const ReadOnlyNotSummoned = "X only lets self-serve apps reply to posts that mention the brand"

// Meta keys set on posts.
const (
	MetaConversationID = "conversation_id"
	MetaQuotedID       = "quoted_id"
	MetaInReplyToUser  = "in_reply_to_user_id"
)

// mapper turns decoded pages into posts for one account.
type mapper struct {
	account  string
	brand    string
	selfID   string
	selfName string      // username without @, may be empty
	kind     social.Kind // kind of a post that is nothing more specific ("": reply or mention)
	gate     bool        // set ReadOnly on posts that do not summon the brand
	now      time.Time   // fallback time when a post has none
}

// mapPage maps a page's posts in the order given (X: newest first). Posts
// without an id are dropped; everything else is kept as sent.
func (m *mapper) mapPage(p *tweetPage) []social.Post {
	users := make(map[string]*wireUser, len(p.Includes.Users))
	for i := range p.Includes.Users {
		u := &p.Includes.Users[i]
		if u.ID != "" {
			users[string(u.ID)] = u
		}
	}
	included := make(map[string]*wireTweet, len(p.Includes.Tweets)+len(p.Includes.Posts))
	for _, list := range [][]wireTweet{p.Includes.Tweets, p.Includes.Posts} {
		for i := range list {
			if list[i].ID != "" {
				included[string(list[i].ID)] = &list[i]
			}
		}
	}
	media := make(map[string]*wireMedia, len(p.Includes.Media))
	for i := range p.Includes.Media {
		if k := p.Includes.Media[i].Key; k != "" {
			media[k] = &p.Includes.Media[i]
		}
	}
	posts := make([]social.Post, 0, len(p.Data))
	for i := range p.Data {
		if post, ok := m.mapTweet(&p.Data[i], users, included); ok {
			post.Media = mediaOf(&p.Data[i], media)
			posts = append(posts, post)
		}
	}
	return posts
}

func (m *mapper) mapTweet(t *wireTweet, users map[string]*wireUser, included map[string]*wireTweet) (social.Post, bool) {
	id := strings.TrimSpace(string(t.ID))
	if id == "" {
		return social.Post{}, false
	}
	u := users[string(t.AuthorID)]
	author := mapAuthor(string(t.AuthorID), u)
	username := ""
	if u != nil {
		username = u.Username
	}
	p := social.Post{
		Network:   social.X,
		Account:   m.account,
		Brand:     m.brand,
		RemoteID:  id,
		URL:       postURL(username, id),
		Author:    author,
		Text:      t.fullText(),
		Lang:      t.Lang,
		CreatedAt: m.createdAt(t.CreatedAt, id),
		ReplyTo:   t.ref("replied_to"),
		Meta:      map[string]string{},
	}
	if conv := string(t.ConversationID); conv != "" {
		p.Meta[MetaConversationID] = conv
		if conv != id {
			p.ThreadRoot = conv
		}
	}
	if p.ThreadRoot == "" && p.ReplyTo != "" {
		// A reply without conversation_id: its parent is the best root known.
		p.ThreadRoot = p.ReplyTo
	}
	quoted := t.ref("quoted")
	if quoted != "" {
		p.Meta[MetaQuotedID] = quoted
	}
	if u := string(t.InReplyToUserID); u != "" {
		p.Meta[MetaInReplyToUser] = u
	}
	quotesSelf := false
	if q, ok := included[quoted]; ok && quoted != "" && m.selfID != "" && string(q.AuthorID) == m.selfID {
		quotesSelf = true
	}
	own := m.selfID != "" && string(t.AuthorID) == m.selfID
	switch {
	case own:
		p.Kind = social.KindOwn
	case m.kind == social.KindSearch:
		p.Kind = social.KindSearch
	case quotesSelf:
		p.Kind = social.KindQuote
	case p.ReplyTo != "" && m.selfID != "" && string(t.InReplyToUserID) == m.selfID:
		p.Kind = social.KindReply
	case m.kind != "":
		p.Kind = m.kind
	case p.ReplyTo != "":
		p.Kind = social.KindReply
	default:
		p.Kind = social.KindMention
	}
	if m.gate && !own && !quotesSelf && !m.mentionsSelf(t) {
		p.ReadOnly = ReadOnlyNotSummoned
	}
	if len(p.Meta) == 0 {
		p.Meta = nil
	}
	return p, true
}

// mentionsSelf reports whether the post @mentions the brand's account: by
// the mention entities (id or username) or, failing those, by its text.
func (m *mapper) mentionsSelf(t *wireTweet) bool {
	for _, e := range t.Entities.Mentions {
		if m.selfID != "" && string(e.ID) == m.selfID {
			return true
		}
		if m.selfName != "" && strings.EqualFold(e.Username, m.selfName) {
			return true
		}
	}
	if m.selfName == "" {
		return false
	}
	return textMentions(t.fullText(), m.selfName)
}

// textMentions reports whether text contains @name as a whole handle.
func textMentions(text, name string) bool {
	lower := strings.ToLower(text)
	needle := "@" + strings.ToLower(name)
	for i := 0; ; {
		j := strings.Index(lower[i:], needle)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(needle)
		before, _ := utf8.DecodeLastRuneInString(lower[:start])
		after, _ := utf8.DecodeRuneInString(lower[end:])
		if (start == 0 || !isHandleRune(before)) && (end == len(lower) || !isHandleRune(after)) {
			return true
		}
		i = end
	}
}

func isHandleRune(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func mapAuthor(id string, u *wireUser) social.Author {
	a := social.Author{ID: id}
	if u == nil {
		a.Handle = id
		if id != "" {
			a.URL = "https://x.com/i/user/" + id
		}
		return a
	}
	if a.ID == "" {
		a.ID = string(u.ID)
	}
	if u.Username != "" {
		a.Handle = "@" + u.Username
		a.URL = "https://x.com/" + u.Username
	} else {
		a.Handle = a.ID
		a.URL = "https://x.com/i/user/" + a.ID
	}
	a.DisplayName = u.Name
	a.Followers = int(u.PublicMetrics.Followers)
	return a
}

// postURL is the permalink of a post; without the username X's
// /i/web/status/ form redirects to the right place.
func postURL(username, id string) string {
	if username == "" || !validUsername(username) {
		return "https://x.com/i/web/status/" + id
	}
	return "https://x.com/" + username + "/status/" + id
}

func validUsername(s string) bool {
	for _, r := range s {
		if !isHandleRune(r) {
			return false
		}
	}
	return s != ""
}

// createdAt parses X's RFC 3339 time; without one, the snowflake id carries
// its creation time in milliseconds since the X epoch.
func (m *mapper) createdAt(s, id string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
		return t.UTC()
	}
	if t, ok := snowflakeTime(id); ok {
		return t
	}
	return m.now
}

// twitterEpoch is the snowflake epoch, in Unix milliseconds.
const twitterEpoch = 1288834974657

func snowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return time.Time{}, false
	}
	ms := int64(n>>22) + twitterEpoch
	return time.UnixMilli(ms).UTC(), true
}
