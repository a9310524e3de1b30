package bluesky

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hark-tui/hark/social"
)

// NewRecordKey returns a fresh TID record key for a reply created at t
// (zero: now). The 10-bit clock id is random, so two keys made in the same
// microsecond differ with high probability. Store it with the outbox entry
// and pass it back as Reply.Key on every attempt.
func NewRecordKey(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return syntax.NewTID(t.UTC().UnixMicro(), uint(rand.IntN(1024))).String()
}

// validText makes text valid UTF-8 before facets are measured on it:
// encoding/json would otherwise replace invalid bytes on the way out and
// shift every byte offset after them.
func validText(text string) string {
	return strings.ToValidUTF8(text, "\uFFFD")
}

// recordTime formats createdAt as the lexicon's datetime (UTC, millis, Z).
func recordTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

type replyRefs struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

type postOut struct {
	Type      string     `json:"$type"`
	Text      string     `json:"text"`
	CreatedAt string     `json:"createdAt"`
	Langs     []string   `json:"langs,omitempty"`
	Facets    []facetOut `json:"facets,omitempty"`
	Reply     *replyRefs `json:"reply,omitempty"`
	Embed     any        `json:"embed,omitempty"` // images (upload.go)
}

type createRecordIn struct {
	Repo       string  `json:"repo"`
	Collection string  `json:"collection"`
	Rkey       string  `json:"rkey"`
	Record     postOut `json:"record"`
}

// Send implements social.Sender: a public reply in the thread
// (createRecord with rkey = r.Key) or, for r.Direct, a chat message.
func (c *Client) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	if r.Direct {
		return c.sendDM(ctx, r)
	}
	return c.sendPost(ctx, r)
}

func (c *Client) sendPost(ctx context.Context, r social.Reply) (social.Sent, error) {
	if _, err := syntax.ParseTID(r.Key); err != nil {
		return social.Sent{}, &social.Error{Kind: social.Permanent, Msg: "bluesky: reply has no valid record key (TID)", Err: err}
	}
	sess, err := c.session(ctx)
	if err != nil {
		return social.Sent{}, wrapf("sending reply", err)
	}
	// a status post (no post to answer) is a top-level post
	var refs *replyRefs
	if r.To.RemoteID != "" {
		rr, err := c.replyRefs(ctx, r.To)
		if err != nil {
			return social.Sent{}, wrapf("sending reply", err)
		}
		refs = &rr
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = c.now()
	}
	text := validText(r.Text)
	rec := postOut{
		Type:      postCollection,
		Text:      text,
		CreatedAt: recordTime(created),
		Facets:    c.facets(ctx, text),
		Reply:     refs,
	}
	if l, err := syntax.ParseLanguage(r.To.Lang); err == nil {
		rec.Langs = []string{l.String()}
	}
	if len(r.Attachments) > 0 {
		emb, err := imagesEmbed(r.Attachments)
		if err != nil {
			return social.Sent{}, wrapf("sending reply", err)
		}
		rec.Embed = emb
	}
	in := createRecordIn{Repo: sess.did, Collection: postCollection, Rkey: r.Key, Record: rec}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	err = c.call(ctx, xreq{post: true, nsid: "com.atproto.repo.createRecord", body: in}, &out)
	if err != nil {
		// The reference PDS answers a duplicate rkey with a 500, and a
		// timeout says nothing: look before reporting a failure.
		if social.KindOf(err) == social.Transient && ctx.Err() == nil {
			if sent, found, cerr := c.Confirm(ctx, r); cerr == nil && found {
				return sent, nil
			}
		}
		return social.Sent{}, err
	}
	if out.URI == "" {
		out.URI = "at://" + sess.did + "/" + postCollection + "/" + r.Key
	}
	return social.Sent{RemoteID: out.URI, URL: postURL(sess.handle, sess.did, r.Key)}, nil
}

// replyRefs builds the strong refs of a reply to p: parent = p, root = p's
// root (or p itself). CIDs come from p.Meta; missing ones are looked up.
func (c *Client) replyRefs(ctx context.Context, p social.Post) (replyRefs, error) {
	if _, ok := postURI(p.RemoteID); !ok {
		return replyRefs{}, &social.Error{Kind: social.Permanent, Msg: "the post answered is not a Bluesky post"}
	}
	parent := strongRef{URI: p.RemoteID, CID: p.Meta["cid"]}
	root := parent
	if p.ThreadRoot != "" && p.ThreadRoot != p.RemoteID {
		root = strongRef{URI: p.ThreadRoot, CID: p.Meta["root_cid"]}
	}
	if parent.CID == "" || root.CID == "" {
		v, rec, err := c.lookupPost(ctx, p.RemoteID)
		if err != nil {
			return replyRefs{}, err
		}
		parent.CID = v.CID
		if rec.Root.URI != "" {
			root = rec.Root
		} else {
			root = parent
		}
	}
	for _, ref := range []strongRef{root, parent} {
		if _, ok := postURI(ref.URI); !ok {
			return replyRefs{}, &social.Error{Kind: social.Permanent, Msg: "invalid thread reference " + ref.URI}
		}
		if _, err := syntax.ParseCID(ref.CID); err != nil {
			return replyRefs{}, &social.Error{Kind: social.Permanent, Msg: "invalid CID for " + ref.URI, Err: err}
		}
	}
	return replyRefs{Root: root, Parent: parent}, nil
}

// lookupPost reads one post (its view and record) with getPostThread.
func (c *Client) lookupPost(ctx context.Context, uri string) (postView, postRecord, error) {
	q := url.Values{"uri": {uri}, "depth": {"0"}, "parentHeight": {"0"}}
	var resp struct {
		Thread json.RawMessage `json:"thread"`
	}
	if err := c.call(ctx, xreq{nsid: "app.bsky.feed.getPostThread", query: q, host: hostAppView}, &resp); err != nil {
		return postView{}, postRecord{}, err
	}
	n, ok := decodeThreadNode(resp.Thread)
	if ok && n.isPost() {
		if v, ok := decodePostView(n.post); ok {
			if rec, ok := decodeRecord(v.Record); ok && v.CID != "" {
				return v, rec, nil
			}
		}
	}
	return postView{}, postRecord{}, &social.Error{Kind: social.Permanent, Msg: "the post answered is gone or hidden: " + uri}
}

// Confirm implements social.Confirmer. For a public reply it reads the
// record at r.Key: found means the reply is posted. Chat has no
// idempotency key, so for a DM it reads the conversation's recent messages
// for ours with the same text, sent since shortly before the reply was
// written (apis.md §3.6).
func (c *Client) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	if r.Direct {
		return c.confirmDM(ctx, r)
	}
	if _, err := syntax.ParseTID(r.Key); err != nil {
		return social.Sent{}, false, &social.Error{Kind: social.Permanent, Msg: "bluesky: reply has no valid record key (TID)", Err: err}
	}
	sess, err := c.session(ctx)
	if err != nil {
		return social.Sent{}, false, wrapf("confirming reply", err)
	}
	q := url.Values{"repo": {sess.did}, "collection": {postCollection}, "rkey": {r.Key}}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	err = c.call(ctx, xreq{nsid: "com.atproto.repo.getRecord", query: q}, &out)
	if errName(err) == "RecordNotFound" {
		return social.Sent{}, false, nil
	}
	if err != nil {
		return social.Sent{}, false, err
	}
	if out.URI == "" {
		out.URI = "at://" + sess.did + "/" + postCollection + "/" + r.Key
	}
	return social.Sent{RemoteID: out.URI, URL: postURL(sess.handle, sess.did, r.Key)}, true, nil
}

// convoFor finds (or opens) the 1:1 chat with the author of r.To.
func (c *Client) convoFor(ctx context.Context, r social.Reply) (string, error) {
	did := r.To.Author.ID
	if _, err := syntax.ParseDID(did); err != nil {
		resolved, rerr := c.resolveHandle(ctx, r.To.Author.Handle)
		if rerr != nil {
			return "", wrapf("sending direct message: recipient unknown", rerr)
		}
		did = resolved
	}
	var conv struct {
		Convo struct {
			ID string `json:"id"`
		} `json:"convo"`
	}
	err := c.call(ctx, xreq{nsid: "chat.bsky.convo.getConvoForMembers",
		query: url.Values{"members": {did}}, proxy: chatProxy}, &conv)
	if err != nil {
		return "", err
	}
	if conv.Convo.ID == "" {
		return "", &social.Error{Kind: social.Transient, Msg: "bluesky: getConvoForMembers answer has no conversation id"}
	}
	return conv.Convo.ID, nil
}

// confirmSlack allows for clock differences between hark and the chat
// service when matching a message's sentAt against the reply's time.
const confirmSlack = 5 * time.Minute

// confirmDM looks for our message with the reply's text in the chat with
// the recipient (newest first, up to three pages of 50).
func (c *Client) confirmDM(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	sess, err := c.session(ctx)
	if err != nil {
		return social.Sent{}, false, wrapf("confirming direct message", err)
	}
	convo, err := c.convoFor(ctx, r)
	if err != nil {
		return social.Sent{}, false, err
	}
	text := validText(r.Text)
	since := r.CreatedAt.Add(-confirmSlack)
	cursor := ""
	for page := 0; page < 3; page++ {
		q := url.Values{"convoId": {convo}, "limit": {"50"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var out struct {
			Cursor   string `json:"cursor"`
			Messages []struct {
				ID     string `json:"id"`
				Text   string `json:"text"`
				SentAt string `json:"sentAt"`
				Sender struct {
					DID string `json:"did"`
				} `json:"sender"`
			} `json:"messages"`
		}
		if err := c.call(ctx, xreq{nsid: "chat.bsky.convo.getMessages", query: q, proxy: chatProxy}, &out); err != nil {
			return social.Sent{}, false, err
		}
		older := false
		for _, m := range out.Messages { // deleted messages decode with empty fields
			at, err := time.Parse(time.RFC3339, m.SentAt)
			if err == nil && !r.CreatedAt.IsZero() && at.Before(since) {
				older = true
				continue
			}
			if m.Sender.DID == sess.did && m.Text == text && m.ID != "" && !r.ClaimedByOther(m.ID) {
				return social.Sent{RemoteID: m.ID, URL: "https://bsky.app/messages/" + url.PathEscape(convo)}, true, nil
			}
		}
		if older || out.Cursor == "" {
			break
		}
		cursor = out.Cursor
	}
	return social.Sent{}, false, nil
}

// sendDM sends r as a chat message to the author of r.To, through the PDS
// with the chat proxy header.
func (c *Client) sendDM(ctx context.Context, r social.Reply) (social.Sent, error) {
	convo, err := c.convoFor(ctx, r)
	if err != nil {
		return social.Sent{}, err
	}
	text := validText(r.Text)
	type message struct {
		Text   string     `json:"text"`
		Facets []facetOut `json:"facets,omitempty"`
	}
	in := struct {
		ConvoID string  `json:"convoId"`
		Message message `json:"message"`
	}{convo, message{Text: text, Facets: c.facets(ctx, text)}}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, xreq{post: true, nsid: "chat.bsky.convo.sendMessage", body: in, proxy: chatProxy}, &out); err != nil {
		return social.Sent{}, err
	}
	if out.ID == "" {
		return social.Sent{}, &social.Error{Kind: social.Transient, Msg: "bluesky: sendMessage answer has no message id"}
	}
	return social.Sent{RemoteID: out.ID, URL: "https://bsky.app/messages/" + url.PathEscape(convo)}, nil
}

// resolveHandle maps a handle to its DID.
func (c *Client) resolveHandle(ctx context.Context, handle string) (string, error) {
	h, err := syntax.ParseHandle(handle)
	if err != nil {
		return "", &social.Error{Kind: social.Permanent, Msg: "not a handle", Err: err}
	}
	var out struct {
		DID string `json:"did"`
	}
	q := url.Values{"handle": {h.Normalize().String()}}
	if err := c.call(ctx, xreq{nsid: "com.atproto.identity.resolveHandle", query: q}, &out); err != nil {
		return "", err
	}
	if _, err := syntax.ParseDID(out.DID); err != nil {
		return "", &social.Error{Kind: social.Transient, Msg: "resolveHandle answered no DID", Err: err}
	}
	return out.DID, nil
}
