package bluesky

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Rich-text detection, after the rules of the official client
// (@atproto/api RichText.detectFacets): a mention or URL starts the text or
// follows whitespace or "(". Offsets are UTF-8 byte offsets, end exclusive.
var (
	mentionRe = regexp.MustCompile(`(?:^|[\s(])(@[a-zA-Z0-9.-]+)\b`)
	urlRe     = regexp.MustCompile(`(?:^|[\s(])((?:https?://|www\.)\S+)`)
)

// facetOut is an app.bsky.richtext.facet as sent.
type facetOut struct {
	Type     string       `json:"$type"`
	Index    facetIndex   `json:"index"`
	Features []featureOut `json:"features"`
}

type facetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type featureOut struct {
	Type string `json:"$type"`
	DID  string `json:"did,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// span is a detected mention (handle set) or link (uri set).
type span struct {
	start, end int
	handle     string
	uri        string
}

// detectSpans finds @handle mentions and URLs in text, sorted, without
// overlaps.
func detectSpans(text string) []span {
	var spans []span
	for _, m := range mentionRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		h, err := syntax.ParseHandle(text[start+1 : end])
		if err != nil {
			continue
		}
		spans = append(spans, span{start: start, end: end, handle: h.Normalize().String()})
	}
	for _, m := range urlRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		raw := trimURL(text[start:end])
		end = start + len(raw)
		uri := raw
		if strings.HasPrefix(uri, "www.") {
			uri = "https://" + uri
		}
		u, err := url.Parse(uri)
		if err != nil || !strings.Contains(u.Host, ".") || strings.HasSuffix(u.Host, ".") {
			continue
		}
		spans = append(spans, span{start: start, end: end, uri: uri})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:0]
	last := 0
	for _, s := range spans {
		if s.start < last {
			continue
		}
		out = append(out, s)
		last = s.end
	}
	return out
}

// trimURL drops trailing punctuation that ends a sentence rather than the
// URL, and closing parentheses that have no opening one in the URL.
func trimURL(s string) string {
	for len(s) > 0 {
		last := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?\"'", last) >= 0:
			s = s[:len(s)-1]
		case last == ')' && strings.Count(s, ")") > strings.Count(s, "("):
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// facets builds the facets of text: links as written, mentions whose handle
// resolves to a DID (a mention that cannot be resolved is left as text).
func (c *Client) facets(ctx context.Context, text string) []facetOut {
	var out []facetOut
	dids := map[string]string{}
	for _, s := range detectSpans(text) {
		f := facetOut{Type: "app.bsky.richtext.facet", Index: facetIndex{ByteStart: s.start, ByteEnd: s.end}}
		if s.uri != "" {
			f.Features = []featureOut{{Type: "app.bsky.richtext.facet#link", URI: s.uri}}
		} else {
			did, ok := dids[s.handle]
			if !ok {
				did, _ = c.resolveHandle(ctx, s.handle) // "" on failure: no facet
				dids[s.handle] = did
			}
			if did == "" {
				continue
			}
			f.Features = []featureOut{{Type: "app.bsky.richtext.facet#mention", DID: did}}
		}
		out = append(out, f)
	}
	return out
}
