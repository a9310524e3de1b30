package bluesky

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hark-tui/hark/social"
)

// The wire shapes below hold only what hark uses. Everything from the
// network is decoded member by member (see fields), so one odd member never
// costs the whole post, and a post that cannot be read is skipped rather
// than failing the batch.

// fields decodes the named members of the JSON object raw into their
// targets, ignoring members that are missing or of the wrong type. It
// reports whether raw is a JSON object at all.
func fields(raw json.RawMessage, targets map[string]any) bool {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m == nil {
		return false
	}
	for k, dst := range targets {
		if v, ok := m[k]; ok {
			_ = json.Unmarshal(v, dst) // wrong type: leave the zero value
		}
	}
	return true
}

// wireAuthor is a profileView (basic or detailed).
type wireAuthor struct {
	DID         string
	Handle      string
	DisplayName string
	Followers   int
}

func decodeAuthor(raw json.RawMessage) wireAuthor {
	var a wireAuthor
	fields(raw, map[string]any{
		"did": &a.DID, "handle": &a.Handle, "displayName": &a.DisplayName, "followersCount": &a.Followers,
	})
	if a.Followers < 0 {
		a.Followers = 0
	}
	return a
}

// strongRef is com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

func decodeRef(raw json.RawMessage) strongRef {
	var r strongRef
	fields(raw, map[string]any{"uri": &r.URI, "cid": &r.CID})
	return r
}

// facet is app.bsky.richtext.facet, reduced to what hark reads.
type facet struct {
	Start, End int
	Links      []string // #link uris
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Text      string
	CreatedAt string
	Langs     []string
	Root      strongRef
	Parent    strongRef
	Quote     strongRef // embed.record / embed.recordWithMedia target
	Facets    []facet
	Embed     json.RawMessage // the record's embed (media.go reads it)
}

func decodeRecord(raw json.RawMessage) (postRecord, bool) {
	var (
		r                           postRecord
		typ                         string
		text                        *string
		reply, embed, facetsRaw     json.RawMessage
		langs                       []json.RawMessage
		rootRaw, parentRaw, embRecd json.RawMessage
	)
	if !fields(raw, map[string]any{
		"$type": &typ, "text": &text, "createdAt": &r.CreatedAt, "langs": &langs,
		"reply": &reply, "embed": &embed, "facets": &facetsRaw,
	}) {
		return r, false
	}
	if typ != "" && typ != postCollection {
		return r, false
	}
	if text == nil { // a post always has text (maybe empty); this is something else
		return r, false
	}
	r.Text = *text
	for _, l := range langs {
		var s string
		if json.Unmarshal(l, &s) == nil && s != "" {
			r.Langs = append(r.Langs, s)
		}
	}
	if fields(reply, map[string]any{"root": &rootRaw, "parent": &parentRaw}) {
		r.Root, r.Parent = decodeRef(rootRaw), decodeRef(parentRaw)
	}
	r.Embed = embed
	var etype string
	if fields(embed, map[string]any{"$type": &etype, "record": &embRecd}) {
		switch etype {
		case "app.bsky.embed.record":
			r.Quote = decodeRef(embRecd)
		case "app.bsky.embed.recordWithMedia":
			var inner json.RawMessage
			if fields(embRecd, map[string]any{"record": &inner}) {
				r.Quote = decodeRef(inner)
			}
		}
	}
	var fl []json.RawMessage
	if json.Unmarshal(facetsRaw, &fl) == nil {
		for _, f := range fl {
			if ff, ok := decodeFacet(f); ok {
				r.Facets = append(r.Facets, ff)
			}
		}
	}
	return r, true
}

func decodeFacet(raw json.RawMessage) (facet, bool) {
	var (
		f         facet
		index     json.RawMessage
		features  []json.RawMessage
		haveStart bool
	)
	fields(raw, map[string]any{"index": &index, "features": &features})
	var start, end *int
	fields(index, map[string]any{"byteStart": &start, "byteEnd": &end})
	if start != nil && end != nil {
		f.Start, f.End, haveStart = *start, *end, true
	}
	for _, ft := range features {
		var typ, uri string
		fields(ft, map[string]any{"$type": &typ, "uri": &uri})
		if typ == "app.bsky.richtext.facet#link" && uri != "" {
			f.Links = append(f.Links, uri)
		}
	}
	return f, haveStart
}

// parseTime reads an AT Protocol datetime; ok is false when absent or odd.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// postURI checks that uri names a post and returns its record key.
func postURI(uri string) (rkey string, ok bool) {
	u, err := syntax.ParseATURI(uri)
	if err != nil || u.Collection().String() != postCollection || u.RecordKey() == "" {
		return "", false
	}
	return u.RecordKey().String(), true
}

// profileName is the handle if it is usable in a bsky.app URL, else the DID.
func profileName(handle, did string) string {
	if h, err := syntax.ParseHandle(handle); err == nil && !h.IsInvalidHandle() {
		return handle
	}
	if _, err := syntax.ParseDID(did); err == nil {
		return did
	}
	return ""
}

func profileURL(handle, did string) string {
	n := profileName(handle, did)
	if n == "" {
		return ""
	}
	return "https://bsky.app/profile/" + n
}

func postURL(handle, did, rkey string) string {
	p := profileURL(handle, did)
	if p == "" || rkey == "" {
		return ""
	}
	return p + "/post/" + rkey
}

// mapPost builds a social.Post from a post's parts. ok is false when the
// uri does not name a post.
func (c *Client) mapPost(uri, cid string, a wireAuthor, rec postRecord, indexedAt string, kind social.Kind) (social.Post, bool) {
	rkey, ok := postURI(uri)
	if !ok {
		return social.Post{}, false
	}
	p := social.Post{
		Network:  social.Bluesky,
		Account:  c.opts.Account,
		Brand:    c.opts.Brand,
		RemoteID: uri,
		URL:      postURL(a.Handle, a.DID, rkey),
		Author: social.Author{
			ID:          a.DID,
			Handle:      a.Handle,
			DisplayName: a.DisplayName,
			Followers:   a.Followers,
			URL:         profileURL(a.Handle, a.DID),
		},
		Text:       expandLinks(rec.Text, rec.Facets),
		Kind:       kind,
		ThreadRoot: rec.Root.URI,
		ReplyTo:    rec.Parent.URI,
		Meta:       map[string]string{},
	}
	if p.ThreadRoot == "" && p.ReplyTo != "" {
		p.ThreadRoot = p.ReplyTo
	}
	if p.ThreadRoot == uri { // a post is never its own root
		p.ThreadRoot, p.ReplyTo = "", ""
	}
	if len(rec.Langs) > 0 {
		p.Lang = rec.Langs[0]
	}
	created, cok := parseTime(rec.CreatedAt)
	indexed, iok := parseTime(indexedAt)
	switch {
	case cok && iok && created.After(indexed):
		p.CreatedAt = indexed // a future-dated createdAt would jump the queue
	case cok:
		p.CreatedAt = created
	case iok:
		p.CreatedAt = indexed
	}
	setMeta(p.Meta, "cid", cid)
	if p.ThreadRoot != "" {
		setMeta(p.Meta, "root_cid", rec.Root.CID)
		setMeta(p.Meta, "parent_cid", rec.Parent.CID)
		if rec.Root.URI == "" { // root fell back to the parent
			setMeta(p.Meta, "root_cid", rec.Parent.CID)
		}
	}
	setMeta(p.Meta, "quote_uri", rec.Quote.URI)
	setMeta(p.Meta, "quote_cid", rec.Quote.CID)
	p.Media = mediaFromRecord(rec.Embed, a.DID)
	return p, true
}

func setMeta(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// expandLinks puts the full URL of each link facet into the text when the
// text shows a shortened form (bsky.app shows "example.com/path…") or other
// words (then the URL follows in parentheses), so the operator sees where a
// link really goes. Facets with invalid offsets are ignored.
func expandLinks(text string, facets []facet) string {
	type span struct {
		start, end int
		uri        string
	}
	var spans []span
	for _, f := range facets {
		if len(f.Links) == 0 || f.Start < 0 || f.End <= f.Start || f.End > len(text) {
			continue
		}
		if !utf8.RuneStart(text[f.Start]) || (f.End < len(text) && !utf8.RuneStart(text[f.End])) {
			continue
		}
		uri := f.Links[0]
		if len(uri) > 4096 || !(strings.HasPrefix(uri, "https://") || strings.HasPrefix(uri, "http://")) {
			continue
		}
		spans = append(spans, span{f.Start, f.End, uri})
	}
	if len(spans) == 0 {
		return text
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		if s.start < last { // overlapping facets are invalid; keep the first
			continue
		}
		shown := text[s.start:s.end]
		b.WriteString(text[last:s.start])
		switch {
		case shown == s.uri:
			b.WriteString(shown)
		case isShortFor(shown, s.uri):
			b.WriteString(s.uri)
		default:
			b.WriteString(shown + " (" + s.uri + ")")
		}
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// isShortFor reports whether shown is uri with the scheme dropped and maybe
// truncated with an ellipsis.
func isShortFor(shown, uri string) bool {
	strip := func(s string) string {
		s = strings.TrimPrefix(s, "https://")
		s = strings.TrimPrefix(s, "http://")
		return strings.TrimPrefix(s, "www.")
	}
	d := strings.TrimSuffix(strings.TrimSuffix(shown, "..."), "…")
	d = strip(d)
	return d != "" && strings.HasPrefix(strip(uri), d)
}

// notification is one app.bsky.notification.listNotifications#notification.
type notification struct {
	URI       string
	CID       string
	Author    wireAuthor
	Reason    string
	Record    json.RawMessage
	IndexedAt string
}

func decodeNotification(raw json.RawMessage) (notification, bool) {
	var (
		n      notification
		author json.RawMessage
	)
	if !fields(raw, map[string]any{
		"uri": &n.URI, "cid": &n.CID, "author": &author, "reason": &n.Reason,
		"record": &n.Record, "indexedAt": &n.IndexedAt,
	}) {
		return n, false
	}
	n.Author = decodeAuthor(author)
	return n, n.URI != ""
}

// reasonKinds are the notification reasons hark polls for.
var reasonKinds = map[string]social.Kind{
	"mention": social.KindMention,
	"reply":   social.KindReply,
	"quote":   social.KindQuote,
}

// mapNotification turns a notification into a post; ok is false for
// notifications hark does not handle (other reasons, non-post records,
// the account's own posts).
func (c *Client) mapNotification(n notification, ownDID string) (social.Post, bool) {
	kind, ok := reasonKinds[n.Reason]
	if !ok || (ownDID != "" && n.Author.DID == ownDID) {
		return social.Post{}, false
	}
	rec, ok := decodeRecord(n.Record)
	if !ok {
		return social.Post{}, false
	}
	return c.mapPost(n.URI, n.CID, n.Author, rec, n.IndexedAt, kind)
}

// postView is app.bsky.feed.defs#postView.
type postView struct {
	URI       string
	CID       string
	Author    wireAuthor
	Record    json.RawMessage
	IndexedAt string
	Embed     json.RawMessage // the view's embed (#view: CDN links)
}

func decodePostView(raw json.RawMessage) (postView, bool) {
	var (
		v      postView
		author json.RawMessage
	)
	if !fields(raw, map[string]any{
		"uri": &v.URI, "cid": &v.CID, "author": &author, "record": &v.Record, "indexedAt": &v.IndexedAt, "embed": &v.Embed,
	}) {
		return v, false
	}
	v.Author = decodeAuthor(author)
	return v, v.URI != ""
}

func (c *Client) mapPostView(v postView, kind social.Kind) (social.Post, bool) {
	rec, ok := decodeRecord(v.Record)
	if !ok {
		return social.Post{}, false
	}
	p, ok := c.mapPost(v.URI, v.CID, v.Author, rec, v.IndexedAt, kind)
	if ok {
		if m := mediaFromView(v.Embed); len(m) > 0 {
			p.Media = m
		}
	}
	return p, ok
}
