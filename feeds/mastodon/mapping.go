package mastodon

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/social"
)

// Keys of social.Post.Meta this adapter sets.
const (
	MetaAcct       = "acct"       // the author's acct as the server gave it: "user" (local) or "user@domain"
	MetaVisibility = "visibility" // public, unlisted, private, direct
)

// author maps an account. The handle is always "@user@domain": local
// accounts (acct without a domain) get the domain of their profile URL,
// which is this server's, or the server URL's host.
func (a *api) author(acc account) social.Author {
	return social.Author{
		ID:          string(acc.ID),
		Handle:      a.handle(acc),
		DisplayName: string(acc.DisplayName),
		Followers:   int(acc.FollowersCount),
		URL:         string(acc.URL),
	}
}

func (a *api) handle(acc account) string {
	acct := strings.TrimPrefix(string(acc.Acct), "@")
	if acct == "" {
		acct = strings.TrimPrefix(string(acc.Username), "@")
	}
	if acct == "" {
		return ""
	}
	if strings.Contains(acct, "@") {
		return "@" + acct
	}
	domain := a.domain
	if u, err := url.Parse(string(acc.URL)); err == nil && u.Hostname() != "" {
		domain = strings.ToLower(u.Hostname())
	}
	if domain == "" {
		return "@" + acct
	}
	return "@" + acct + "@" + domain
}

// post maps a status. kind is the reason it reached hark; a mention with
// visibility direct becomes KindDM. fallback is used when the status has
// no usable created_at. ok is false when the status has no id.
//
// Mastodon does not say which status is the root of a thread, only the
// parent: ThreadRoot is set to the parent (in_reply_to_id) here, and to the
// true root by Thread, which sees the ancestors.
func (a *api) post(st status, kind social.Kind, fallback time.Time) (social.Post, bool) {
	if st.ID == "" {
		return social.Post{}, false
	}
	text := htmltext.Text(string(st.Content), htmltext.Status)
	if text == "" {
		text = string(st.Text)
	}
	if cw := strings.TrimSpace(string(st.SpoilerText)); cw != "" {
		text = "CW: " + cw + "\n\n" + text
	}
	vis := string(st.Visibility)
	direct := vis == "direct"
	if direct && kind == social.KindMention {
		kind = social.KindDM
	}
	created := parseTime(string(st.CreatedAt))
	if created.IsZero() {
		created = fallback
	}
	link := string(st.URL)
	if link == "" {
		link = string(st.URI)
	}
	p := social.Post{
		Network:    social.Mastodon,
		Account:    a.opt.Account,
		Brand:      a.opt.Brand,
		RemoteID:   string(st.ID),
		URL:        link,
		Text:       text,
		Lang:       string(st.Language),
		CreatedAt:  created,
		Kind:       kind,
		Direct:     direct,
		ReplyTo:    string(st.InReplyToID),
		ThreadRoot: string(st.InReplyToID),
		EditedAt:   parseTime(string(st.EditedAt)),
	}
	if st.Account.OK {
		p.Author = a.author(st.Account.V)
	}
	p.Media = mediaOf(st.Media)
	meta := map[string]string{}
	if acct := acctOf(st.Account.V); acct != "" {
		meta[MetaAcct] = acct
	}
	if vis != "" {
		meta[MetaVisibility] = vis
	}
	if len(meta) > 0 {
		p.Meta = meta
	}
	return p, true
}

func acctOf(acc account) string {
	acct := strings.TrimPrefix(string(acc.Acct), "@")
	if acct == "" {
		acct = strings.TrimPrefix(string(acc.Username), "@")
	}
	return acct
}

// page is one decoded page of notifications: the id of the newest
// notification (the first one, as the server orders them newest first) and
// the mention posts in it, newest first.
type page struct {
	newest string
	oldest string // id of the last (oldest) item on the page
	n      int    // notifications on the page, of any type
	full   bool   // the page held as many items as asked: older ones may exist
	posts  []social.Post
}

// decodeNotifications decodes a notifications page. Elements that are not
// mentions, or lack a status id, are skipped but still move the cursor.
func (a *api) decodeNotifications(b []byte) (page, error) {
	var ns []json.RawMessage
	if err := json.Unmarshal(b, &ns); err != nil {
		return page{}, fmt.Errorf("notifications: %w", err)
	}
	var pg page
	for _, raw := range ns {
		var n web.Obj[notification]
		_ = n.UnmarshalJSON(raw)
		if !n.OK || n.V.ID == "" {
			continue
		}
		pg.n++
		if pg.newest == "" {
			pg.newest = string(n.V.ID)
		}
		pg.oldest = string(n.V.ID)
		// "update": a status hark may hold was edited; the store takes
		// the new text for a post it has (a newer edited_at).
		if (n.V.Type != "mention" && n.V.Type != "update") || !n.V.Status.OK {
			continue
		}
		if p, ok := a.post(n.V.Status.V, social.KindMention, parseTime(string(n.V.CreatedAt))); ok {
			pg.posts = append(pg.posts, p)
		}
	}
	return pg, nil
}

// decodeStatuses decodes an array of statuses into posts of kind, in the
// server's order.
func (a *api) decodeStatuses(b []byte, kind social.Kind) ([]social.Post, error) {
	var sts web.List[status]
	if err := json.Unmarshal(b, &sts); err != nil {
		return nil, fmt.Errorf("statuses: %w", err)
	}
	if !isArray(b) {
		return nil, fmt.Errorf("statuses: expected a JSON array")
	}
	out := make([]social.Post, 0, len(sts))
	for _, st := range sts {
		if p, ok := a.post(st, kind, time.Time{}); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func isArray(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '[':
			return true
		}
		return false
	}
	return false
}

func reverse(ps []social.Post) {
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
}
