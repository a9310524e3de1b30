//go:build e2ereal

package real

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// peer is one real server as the scenarios that run on both see it: the
// brand's account hark uses, and the customer's side (bob) acting and
// reading through the server's own API.
type peer interface {
	name() string
	// base is the server's URL (a holdProxy goes in front of it).
	base() string
	// account is the brand's account in hark's config, on server.
	account(server string) string
	secrets() map[string]string
	// mention is the customer's public post mentioning the brand (text
	// after the mention), with a photo and its alt text if ph is not nil;
	// it returns once the brand is notified.
	mention(t *testing.T, text string, ph *photo) msg
	// replies are the brand's posts under m, as the customer reads them.
	replies(t *testing.T, m msg) []seen
	// oneReply checks the customer sees exactly one reply under m, right
	// by the network's rules (parent, mention), with want in its text.
	oneReply(t *testing.T, m msg, want string) seen
	// statuses are the brand's top-level posts with tok in their text, as
	// the customer reads them on the brand's profile.
	statuses(t *testing.T, tok string) []seen
	// createPath and uploadPath are the calls that make a post and
	// upload an image (what a holdProxy holds).
	createPath() string
	uploadPath() string
}

// msg is a customer's post: id is the remote id hark stores (a status id,
// an at:// URI); ref its strong ref on Bluesky.
type msg struct {
	id  string
	ref strongRef
}

// seen is a post as the other side reads it back from the server.
type seen struct {
	id, text string
	alts     []string // the alt text of each image attached
}

// photo is an image file and its alt text.
type photo struct {
	path, alt string
	data      []byte
}

// newPhoto writes a small PNG (a real image the servers decode) with a
// colour of its own, so no two runs upload the same bytes by chance.
func newPhoto(t *testing.T, alt string) *photo {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	seed := uint8(time.Now().UnixNano())
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{uint8(x) * 2, uint8(y) * 3, seed, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := &photo{path: filepath.Join(t.TempDir(), "photo.png"), alt: alt, data: b.Bytes()}
	if err := os.WriteFile(p.path, p.data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// peers are the servers a scenario runs on (each a subtest).
func peers() []struct {
	name string
	new  func(*testing.T) peer
} {
	return []struct {
		name string
		new  func(*testing.T) peer
	}{
		{"gotosocial", func(t *testing.T) peer { return newGTS(t) }},
		{"bluesky", func(t *testing.T) peer { return newATP(t) }},
	}
}

// forEachPeer runs f on each server as a subtest.
func forEachPeer(t *testing.T, f func(t *testing.T, p peer)) {
	for _, pc := range peers() {
		t.Run(pc.name, func(t *testing.T) { f(t, pc.new(t)) })
	}
}

// request sends one request to a server, with a bearer token unless token
// is "" and a body of type ctype unless body is nil, and returns the
// answer's status and body.
func request(method, u, token, ctype string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// ---- GoToSocial ----

func (g *gts) name() string       { return "mastodon/gts" }
func (g *gts) base() string       { return g.baseURL }
func (g *gts) createPath() string { return "/api/v1/statuses" }
func (g *gts) uploadPath() string { return "/api/v2/media" }
func (g *gts) replies(t *testing.T, m msg) []seen {
	return g.seenOf(g.byAlice(g.replyStatuses(t, m.id)))
}

func (g *gts) mention(t *testing.T, text string, ph *photo) msg {
	t.Helper()
	var media []string
	if ph != nil {
		media = append(media, g.upload(t, g.bobToken, ph))
	}
	return msg{id: g.postMedia(t, "@alice "+text, "", "public", media).ID}
}

func (g *gts) oneReply(t *testing.T, m msg, want string) seen {
	t.Helper()
	return g.seenOf([]status{g.checkOneReply(t, m.id, want, "public")})[0]
}

func (g *gts) statuses(t *testing.T, tok string) []seen {
	t.Helper()
	b, err := g.get(g.bobToken, "/api/v1/accounts/"+g.aliceID+"/statuses", url.Values{"limit": {"40"}, "exclude_replies": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	var sts []status
	if err := json.Unmarshal(b, &sts); err != nil {
		t.Fatal(err)
	}
	var out []status
	for _, s := range sts {
		if s.InReplyToID == "" && strings.Contains(s.Content, tok) {
			out = append(out, s)
		}
	}
	return g.seenOf(out)
}

func (g *gts) byAlice(sts []status) []status {
	var out []status
	for _, s := range sts {
		if s.Account.Acct == "alice" {
			out = append(out, s)
		}
	}
	return out
}

func (g *gts) seenOf(sts []status) []seen {
	var out []seen
	for _, s := range sts {
		v := seen{id: s.ID, text: html.UnescapeString(s.Content)} // HTML: the tags stay, the entities go
		for _, m := range s.MediaAttachments {
			v.alts = append(v.alts, m.Description)
		}
		out = append(out, v)
	}
	return out
}

// upload is POST /api/v2/media as the owner of token: the photo with its
// alt text (description); it returns the attachment's id.
func (g *gts) upload(t *testing.T, token string, ph *photo) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filepath.Base(ph.path))
	if err == nil {
		_, err = fw.Write(ph.data)
	}
	if err == nil {
		err = mw.WriteField("description", ph.alt)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	status, b, err := request(http.MethodPost, g.baseURL+"/api/v2/media", token, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ID string `json:"id"`
	}
	if status/100 != 2 || json.Unmarshal(b, &m) != nil || m.ID == "" {
		t.Fatalf("POST /api/v2/media: %d %s", status, b)
	}
	return m.ID
}

// ---- AT Protocol ----

func (a *atp) name() string       { return "bluesky/atp" }
func (a *atp) base() string       { return a.service }
func (a *atp) createPath() string { return "/xrpc/com.atproto.repo.createRecord" }
func (a *atp) uploadPath() string { return "/xrpc/com.atproto.repo.uploadBlob" }

func (a *atp) mention(t *testing.T, text string, ph *photo) msg {
	t.Helper()
	var embed any
	if ph != nil {
		embed = map[string]any{"$type": "app.bsky.embed.images", "images": []map[string]any{{
			"alt": ph.alt, "image": a.uploadBlob(t, a.bobJWT, ph), "aspectRatio": map[string]int{"width": 96, "height": 64}}}}
	}
	ref := a.postAs(t, a.bobJWT, a.bobDID, "@"+a.aliceHandle+" "+text, true, nil, embed)
	a.waitNotified(t, ref.URI)
	return msg{id: ref.URI, ref: ref}
}

func (a *atp) replies(t *testing.T, m msg) []seen {
	t.Helper()
	var out []seen
	for _, r := range a.aliceRepliesUnder(t, m.ref.URI) {
		out = append(out, r.seen())
	}
	return out
}

func (a *atp) oneReply(t *testing.T, m msg, want string) seen {
	t.Helper()
	r := a.checkOneReply(t, m.ref, m.ref, want)
	return r.seen()
}

func (a *atp) statuses(t *testing.T, tok string) []seen {
	t.Helper()
	var feed struct {
		Feed []threadReply `json:"feed"`
	}
	if err := a.xrpc(t, a.bobJWT, http.MethodGet, "app.bsky.feed.getAuthorFeed",
		url.Values{"actor": {a.aliceDID}, "limit": {"50"}, "filter": {"posts_no_replies"}}, nil, &feed); err != nil {
		t.Fatal(err)
	}
	var out []seen
	for _, p := range feed.Feed {
		if p.Post.Author.DID == a.aliceDID && p.Post.Record.Reply.Parent.URI == "" && strings.Contains(p.Post.Record.Text, tok) {
			out = append(out, p.seen())
		}
	}
	return out
}

func (r threadReply) seen() seen {
	v := seen{id: r.Post.URI, text: r.Post.Record.Text}
	for _, im := range r.Post.Embed.Images {
		v.alts = append(v.alts, im.Alt)
	}
	return v
}

// uploadBlob is com.atproto.repo.uploadBlob as the owner of jwt; it
// returns the blob (what an images embed carries).
func (a *atp) uploadBlob(t *testing.T, jwt string, ph *photo) json.RawMessage {
	t.Helper()
	status, b, err := request(http.MethodPost, a.service+"/xrpc/com.atproto.repo.uploadBlob", jwt, "image/png", bytes.NewReader(ph.data))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if status/100 != 2 || json.Unmarshal(b, &out) != nil || len(out.Blob) == 0 {
		t.Fatalf("uploadBlob: %d %s", status, b)
	}
	return out.Blob
}

// postAs creates a post in the repository of did (the owner of jwt):
// mentionAlice turns the first "@alice.test" of text into a mention
// facet; reply is {root, parent} or nil; embed is the record's embed or
// nil. It does not wait for the AppView.
func (a *atp) postAs(t *testing.T, jwt, did, text string, mentionAlice bool, reply *[2]strongRef, embed any) strongRef {
	t.Helper()
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if mentionAlice {
		m := "@" + a.aliceHandle
		i := strings.Index(text, m)
		if i < 0 {
			t.Fatalf("%q has no %s to mention", text, m)
		}
		rec["facets"] = []facet{mentionFacet(i, i+len(m), a.aliceDID)}
	}
	if reply != nil {
		rec["reply"] = map[string]strongRef{"root": reply[0], "parent": reply[1]}
	}
	if embed != nil {
		rec["embed"] = embed
	}
	var ref strongRef
	if err := a.xrpc(t, jwt, http.MethodPost, "com.atproto.repo.createRecord", nil,
		map[string]any{"repo": did, "collection": "app.bsky.feed.post", "record": rec}, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// waitNotified waits until the AppView has uri in alice's notifications.
func (a *atp) waitNotified(t *testing.T, uri string) {
	t.Helper()
	if !eventually(20*time.Second, func() bool {
		var n struct {
			Notifications []struct {
				URI string `json:"uri"`
			} `json:"notifications"`
		}
		if a.xrpc(t, a.aliceJWT, http.MethodGet, "app.bsky.notification.listNotifications", url.Values{"limit": {"50"}}, nil, &n) != nil {
			return false
		}
		for _, x := range n.Notifications {
			if x.URI == uri {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("alice got no notification for %s", uri)
	}
}

// String names the peer in messages.
func (s seen) String() string { return fmt.Sprintf("%s %q alts %q", s.id, s.text, s.alts) }

// mentioned is how most scenarios start: hark on p, and the customer's
// mention (tok, then rest) already polled into a conversation.
func mentioned(t *testing.T, p peer, prefix, rest string) (h *harkEnv, tok string, m msg, c social.Conversation) {
	t.Helper()
	h = harkOn(t, p)
	tok = token(prefix)
	m = p.mention(t, tok+rest, nil)
	return h, tok, m, h.pollConv(t, m.id)
}
