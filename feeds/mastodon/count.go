package mastodon

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
	"github.com/rivo/uniseg"
)

// mentionRE follows Mastodon's Account::MENTION_RE: "@user" or
// "@user@domain", not preceded by a word character, "=" or "/" (RE2 has no
// look-behind, so the preceding character is part of the match; the "@"
// starts at submatch 1 minus one). Submatch 1 is the username, 2 the
// "@domain" part if any.
var mentionRE = regexp.MustCompile(`(?:^|[^=/\pL\pM\p{Nd}\p{Pc}])@([a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(@[\pL\pM\p{Nd}\p{Pc}]+(?:[.-]+[\pL\pM\p{Nd}\p{Pc}]+)*)?`)

// urlRE approximates twitter-text's URL extraction with a scheme (the only
// URLs Mastodon's length rule counts): http(s):// not preceded by a letter,
// digit, "@", "$" or "#", up to whitespace; trailing punctuation is trimmed
// by trimURL. Unlike twitter-text it does not check the domain's TLD.
var urlRE = regexp.MustCompile(`(?:^|[^a-zA-Z0-9@$#])(https?://[^\s<>"]+)`)

// entity is a span of text that Mastodon's length rule rewrites.
type entity struct {
	start, end int    // byte offsets
	repl       string // what it counts as
}

type mention struct {
	start, end     int
	user, domain   string // domain without "@", "" for a local mention
	textWithDomain string
}

func findMentions(text string) []mention {
	var out []mention
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		mt := mention{start: m[2] - 1, end: m[3], user: text[m[2]:m[3]]}
		if m[4] >= 0 {
			mt.end = m[5]
			mt.domain = text[m[4]+1 : m[5]]
		}
		mt.textWithDomain = text[mt.start:mt.end]
		out = append(out, mt)
	}
	return out
}

func findURLs(text string) [][2]int {
	var out [][2]int
	for _, m := range urlRE.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2], m[3]
		e = s + len(trimURL(text[s:e]))
		if e-s > len("https://") {
			out = append(out, [2]int{s, e})
		}
	}
	return out
}

// trimURL drops trailing punctuation that ends a sentence rather than the
// URL, and a closing parenthesis that has no opening one in the URL.
func trimURL(u string) string {
	open, closed := strings.Count(u, "("), strings.Count(u, ")")
	for len(u) > 0 {
		switch c := u[len(u)-1]; {
		case strings.IndexByte(".,:;!?'\"*", c) >= 0:
			u = u[:len(u)-1]
		case c == ')' && open < closed:
			u = u[:len(u)-1]
			closed--
		default:
			return u
		}
	}
	return u
}

// countText counts text as Mastodon's StatusLengthValidator does: grapheme
// clusters, after every URL is replaced by urlLen characters and every
// "@user@domain" by "@user".
func countText(text string, urlLen int) int {
	var ents []entity
	urls := findURLs(text)
	for _, u := range urls {
		ents = append(ents, entity{u[0], u[1], strings.Repeat("x", urlLen)})
	}
	for _, m := range findMentions(text) {
		if m.domain == "" || overlaps(m.start, m.end, urls) {
			continue
		}
		ents = append(ents, entity{m.start, m.end, "@" + m.user})
	}
	if len(ents) == 0 {
		return uniseg.GraphemeClusterCount(text)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].start < ents[j].start })
	var b strings.Builder
	pos := 0
	for _, e := range ents {
		if e.start < pos {
			continue
		}
		b.WriteString(text[pos:e.start])
		b.WriteString(e.repl)
		pos = e.end
	}
	b.WriteString(text[pos:])
	return uniseg.GraphemeClusterCount(b.String())
}

func overlaps(s, e int, spans [][2]int) bool {
	for _, sp := range spans {
		if s < sp[1] && sp[0] < e {
			return true
		}
	}
	return false
}

// Count returns the length of text as Mastodon counts it and the instance's
// limit (the same for direct messages). It never touches the network: the
// limits come from /api/v2/instance once Poll, Verify or Limits has read
// them, and are 500 characters with URLs at 23 until then.
//
// GoToSocial counts differently: code points of the whole text, URLs and
// mentions in full, against its own limit (default 5000). Once the
// instance's answer said it is GoToSocial (Limits.CodePoints), Count
// counts that way.
func (c *Client) Count(text string, direct bool) (n, limit int) {
	l := c.api.cachedLimits()
	if l.CodePoints {
		return utf8.RuneCountInString(text), l.MaxCharacters
	}
	return countText(text, l.URLLength), l.MaxCharacters
}

// CountReply implements social.ReplyLimiter: the reply as Send will post
// it (ReplyText: with the "@user " hark puts in front), counted the way
// the instance counts.
func (c *Client) CountReply(r social.Reply) (n, limit int) {
	return c.Count(ReplyText(r), r.Direct)
}

// DescribeCount implements social.LimitDescriber: the count of the reply
// as sent, in the instance's unit.
func (c *Client) DescribeCount(r social.Reply) string {
	n, limit := c.CountReply(r)
	unit := fmt.Sprintf("characters (graphemes, a URL as %d)", c.api.cachedLimits().URLLength)
	if c.api.cachedLimits().CodePoints {
		unit = "characters (code points, as GoToSocial counts)"
	}
	added := ""
	if t := ReplyText(r); t != r.Text {
		added = fmt.Sprintf(", the %q hark puts in front included", strings.TrimSuffix(t, r.Text))
	}
	return fmt.Sprintf("%d %s%s; the server allows %d", n, unit, added, limit)
}

// LoadLimits implements social.LimitLoader: it reads the instance's limits
// and counting rule once (/api/v2/instance).
func (c *Client) LoadLimits(ctx context.Context) error {
	_, err := c.api.loadLimits(ctx)
	return err
}
