package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/social"
)

// Send posts r with POST /api/v1/statuses: a reply to r.To, public or (if
// r.Direct) direct, in r.To's language if known, with the Idempotency-Key
// header set to r.Key (r.ID if Key is empty) so Mastodon answers a resend
// within an hour with the status it already created. The text @mentions the
// author of r.To if it does not already: on Mastodon the person answered is
// only notified (and, for a direct reply, only addressed) when mentioned.
func (c *Client) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	a := c.api
	text := ReplyText(r)
	if strings.TrimSpace(text) == "" {
		return social.Sent{}, fmt.Errorf("mastodon: send: %w", &social.Error{Kind: social.Permanent, Msg: "empty reply"})
	}
	form := url.Values{}
	form.Set("status", text)
	if r.To.RemoteID != "" {
		form.Set("in_reply_to_id", r.To.RemoteID)
	}
	if r.Direct {
		form.Set("visibility", "direct")
	} else {
		form.Set("visibility", "public")
	}
	if r.To.Lang != "" {
		form.Set("language", r.To.Lang)
	}
	for _, a := range r.Attachments {
		if a.Ref == "" {
			return social.Sent{}, fmt.Errorf("mastodon: send: %w", &social.Error{Kind: social.Permanent, Msg: "an image was not uploaded"})
		}
		form.Add("media_ids[]", a.Ref)
	}
	hdr := http.Header{}
	if key := idempotencyKey(r); key != "" {
		hdr.Set("Idempotency-Key", key)
	}
	var st status
	if err := a.call(ctx, http.MethodPost, "/api/v1/statuses", nil, form, hdr, &st); err != nil {
		return social.Sent{}, a.parentGone(ctx, r, stillProcessing(err, len(r.Attachments) > 0))
	}
	if st.ID == "" {
		// The status may exist: transient, so the engine confirms before resending.
		return social.Sent{}, fmt.Errorf("mastodon: POST /api/v1/statuses: %w",
			&social.Error{Kind: social.Transient, Status: http.StatusOK, Msg: "response has no status id"})
	}
	return sentOf(st), nil
}

// parentGone: a 404 to a reply is the answered status being gone when the
// status itself answers 404 too (GoToSocial and Mastodon refuse a reply to
// a deleted status that way); the error then wraps social.ErrGone.
func (a *api) parentGone(ctx context.Context, r social.Reply, err error) error {
	var se *social.Error
	if r.To.RemoteID == "" || !errors.As(err, &se) || se.Status != http.StatusNotFound {
		return err
	}
	var st status
	cerr := a.get(ctx, "/api/v1/statuses/"+url.PathEscape(r.To.RemoteID), nil, &st)
	if errors.As(cerr, &se) && se.Status == http.StatusNotFound {
		return fmt.Errorf("%w: %w", err, social.ErrGone)
	}
	return err
}

func idempotencyKey(r social.Reply) string {
	if r.Key != "" {
		return r.Key
	}
	return r.ID
}

func sentOf(st status) social.Sent {
	u := string(st.URL)
	if u == "" {
		u = string(st.URI)
	}
	return social.Sent{RemoteID: string(st.ID), URL: u}
}

// ReplyText is the text Send posts for r: r.Text, prefixed with "@acct " of
// the author of r.To unless the text already mentions them. acct is the
// form the server gave ("user" for its local accounts, "user@domain" for
// remote ones), so the mention resolves to the same account. An acct
// that is no account name (white space, controls, an escape sequence: a
// broken or hostile server's) is not put in front of the operator's text.
func ReplyText(r social.Reply) string {
	acct := strings.TrimPrefix(r.To.Meta[MetaAcct], "@")
	if acct == "" {
		acct = strings.TrimPrefix(r.To.Author.Handle, "@")
	}
	if !accountName(acct) || mentions(r.Text, acct, r.To.Author.Handle) {
		return r.Text
	}
	return "@" + acct + " " + strings.TrimLeft(r.Text, " \t")
}

// accountName reports whether acct has the shape of a fediverse account:
// user or user@domain, of letters (any script, with their marks), digits,
// "_", "." and "-" (and a port's ":" in the domain: a test server's).
func accountName(acct string) bool {
	user, domain, remote := strings.Cut(acct, "@")
	if user == "" || (remote && domain == "") {
		return false
	}
	for i, r := range acct {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_' || r == '.' || r == '-' ||
			(i > len(user) && r == ':')
		if !ok && i != len(user) { // (the one "@")
			return false
		}
	}
	return true
}

// mentions reports whether text already @mentions the account acct
// ("user" or "user@domain"); handle ("@user@domain") gives the domain a
// local account may also be written with.
func mentions(text, acct, handle string) bool {
	user, domain, _ := strings.Cut(acct, "@")
	local := domain == ""
	if local {
		_, domain, _ = strings.Cut(strings.TrimPrefix(handle, "@"), "@")
	}
	for _, m := range findMentions(text) {
		if !strings.EqualFold(m.user, user) {
			continue
		}
		if m.domain == "" && local {
			return true
		}
		if m.domain != "" && strings.EqualFold(m.domain, domain) {
			return true
		}
	}
	return false
}

// Confirm checks, after an uncertain failure, whether r already reached the
// server: it reads the context of r.To and looks for a descendant written by
// this account (verify_credentials, cached) that replies to r.To and whose
// text is r's text (ignoring leading mentions, mention domains and
// whitespace). GoToSocial ignores Idempotency-Key, so this is what keeps a
// resend from posting twice there. Every matching status is considered, in
// thread order: one r.Claimed says is another outbox entry's (the same
// text sent twice to one post) is passed over, so each entry finds its own.
func (c *Client) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	a := c.api
	if r.To.RemoteID == "" && r.Direct {
		return social.Sent{}, false, fmt.Errorf("mastodon: confirm: %w",
			&social.Error{Kind: social.Permanent, Msg: "reply has no target post to look under"})
	}
	me, err := a.me(ctx)
	if err != nil {
		return social.Sent{}, false, err
	}
	if r.To.RemoteID == "" {
		return a.confirmTopLevel(ctx, me, r)
	}
	tc, err := a.context(ctx, r.To.RemoteID)
	if err != nil {
		return social.Sent{}, false, err
	}
	want := matchKey(ReplyText(r))
	for _, st := range tc.Descendants {
		if st.ID == "" || !st.Account.OK || st.Account.V.ID != me.ID || string(st.InReplyToID) != r.To.RemoteID {
			continue
		}
		if ((st.Text != "" && matchKey(string(st.Text)) == want) || matchKey(htmltext.Text(string(st.Content), htmltext.Status)) == want) && !r.ClaimedByOther(string(st.ID)) {
			return sentOf(st), true, nil
		}
	}
	return social.Sent{}, false, nil
}

// matchKey normalizes a status text for comparison: "@user@domain" reads
// "@user" (as servers render mentions), leading mentions are dropped, and
// whitespace is collapsed.
func matchKey(s string) string {
	var b strings.Builder
	pos := 0
	for _, m := range findMentions(s) {
		if m.domain == "" {
			continue
		}
		b.WriteString(s[pos:m.start])
		b.WriteString("@" + m.user)
		pos = m.end
	}
	b.WriteString(s[pos:])
	words := strings.Fields(b.String())
	for len(words) > 0 && len(findMentions(words[0])) == 1 && strings.HasPrefix(words[0], "@") {
		m := findMentions(words[0])[0]
		if m.start != 0 || m.end != len(words[0]) {
			break
		}
		words = words[1:]
	}
	return strings.Join(words, " ")
}
