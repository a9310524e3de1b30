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

	"github.com/hark-tui/hark/internal/testkit"
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

// gts is the GoToSocial peer: alice is the brand hark answers for, bob
// the customer.
type gts struct {
	baseURL              string
	aliceToken, bobToken string
	aliceID, bobID       string
	home                 string // $GTS_HOME (config, pid file)
}

func gtsHome() string {
	if h := os.Getenv("GTS_HOME"); h != "" {
		return h
	}
	root := os.Getenv("GTS_ROOT")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".cache", "hark-peers", "gts-root")
	}
	return filepath.Join(root, "gts")
}

// harkOn is a hark installation with p's brand account on p's server.
func harkOn(t *testing.T, p peer) *harkEnv {
	t.Helper()
	return newHark(t, p.account(p.base()), p.secrets())
}

func newGTS(t *testing.T) *gts {
	t.Helper()
	home := gtsHome()
	env := readEnv(t, filepath.Join(home, "tokens.env"))
	g := &gts{baseURL: env["GTS_BASE_URL"], aliceToken: env["GTS_A_TOKEN"], bobToken: env["GTS_B_TOKEN"],
		aliceID: env["GTS_A_ID"], bobID: env["GTS_B_ID"], home: home}
	if _, err := g.get(g.bobToken, "/api/v1/instance", nil); err != nil {
		t.Fatalf("GoToSocial at %s: %v — is it running (make e2e-real)?", g.baseURL, err)
	}
	return g
}

// account is the hark config for alice's account on server (the real one
// or a proxy in front of it).
func (g *gts) account(server string) string {
	return fmt.Sprintf(`  - name: gts
    network: mastodon
    server: %s
    handle: "@alice@localhost:8080"
    token: env:HARK_REAL_GTS_TOKEN
    interval: 30s
`, server)
}

func (g *gts) secrets() map[string]string {
	return map[string]string{"HARK_REAL_GTS_TOKEN": g.aliceToken}
}

func (g *gts) do(token, method, path string, form url.Values) ([]byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	status, b, err := request(method, g.baseURL+path, token, "application/x-www-form-urlencoded", body)
	if err != nil {
		return nil, err
	}
	if status/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, status, b)
	}
	return b, nil
}

func (g *gts) get(token, path string, q url.Values) ([]byte, error) {
	if q != nil {
		path += "?" + q.Encode()
	}
	return g.do(token, http.MethodGet, path, nil)
}

type status struct {
	ID          string `json:"id"`
	InReplyToID string `json:"in_reply_to_id"`
	Content     string `json:"content"`
	Visibility  string `json:"visibility"`
	Account     struct {
		Acct string `json:"acct"`
	} `json:"account"`
	Mentions []struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"mentions"`
	MediaAttachments []struct {
		ID          string `json:"id"`
		Type        string `json:"type"`
		Description string `json:"description"`
	} `json:"media_attachments"`
}

// post is bob posting a status (visibility public or direct).
func (g *gts) post(t *testing.T, text, inReplyTo, visibility string) status {
	t.Helper()
	return g.postMedia(t, text, inReplyTo, visibility, nil)
}

// postMedia is post with media attachments (ids from upload).
func (g *gts) postMedia(t *testing.T, text, inReplyTo, visibility string, media []string) status {
	t.Helper()
	s := g.raw(t, g.bobToken, text, inReplyTo, visibility, media...)
	// wait until alice has the mention notification (GtS fans out async)
	if !eventually(10*time.Second, func() bool {
		b, err := g.get(g.aliceToken, "/api/v1/notifications", url.Values{"types[]": {"mention"}, "limit": {"40"}})
		return err == nil && strings.Contains(string(b), `"id":"`+s.ID+`"`)
	}) {
		t.Fatalf("alice got no notification for %s", s.ID)
	}
	return s
}

// replyStatuses is bob's view of the thread under id: the statuses whose parent
// is id (from /api/v1/statuses/:id/context).
func (g *gts) replyStatuses(t *testing.T, id string) []status {
	t.Helper()
	b, err := g.get(g.bobToken, "/api/v1/statuses/"+id+"/context", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ctx struct {
		Descendants []status `json:"descendants"`
	}
	if err := json.Unmarshal(b, &ctx); err != nil {
		t.Fatal(err)
	}
	var out []status
	for _, s := range ctx.Descendants {
		if s.InReplyToID == id {
			out = append(out, s)
		}
	}
	return out
}

// checkOneReply asserts bob sees exactly one reply from alice under id,
// mentioning bob, with want in its text; it returns it.
func (g *gts) checkOneReply(t *testing.T, id, want, visibility string) status {
	t.Helper()
	var rs []status
	eventually(30*time.Second, func() bool { rs = g.replyStatuses(t, id); return len(rs) > 0 }) // (the undo-send window holds a TUI reply 5 s)
	// a duplicate would show up within a second too: watch for one
	testkit.PollEvery(time.Second, 100*time.Millisecond, func() bool { rs = g.replyStatuses(t, id); return len(rs) > 1 })
	if len(rs) != 1 {
		t.Fatalf("bob sees %d replies under %s, want exactly 1: %+v", len(rs), id, rs)
	}
	r := rs[0]
	if r.Account.Acct != "alice" {
		t.Errorf("reply by %q, want alice", r.Account.Acct)
	}
	if !strings.Contains(r.Content, want) {
		t.Errorf("reply text %q lacks %q", r.Content, want)
	}
	if len(r.Mentions) != 1 || r.Mentions[0].ID != g.bobID {
		t.Errorf("reply mentions %+v, want exactly bob (%s)", r.Mentions, g.bobID)
	}
	if r.Visibility != visibility {
		t.Errorf("reply visibility %q, want %q", r.Visibility, visibility)
	}
	return r
}

// TestGTSMentionReplyAnswer: bob mentions alice, hark stores it once,
// `hark reply` answers it once under the right parent mentioning bob, and
// bob's answer to that reply joins the same conversation.
func TestGTSMentionReplyAnswer(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "order", " never arrived, can you help? Ça ne va pas 😞")
	if again := h.must(t, "poll", "--once"); strings.Contains(again, m.id) {
		t.Errorf("the second poll stored %s again:\n%s", m.id, again)
	}
	out := h.must(t, "reply", c.ID, "Sorry about "+tok+", we're on it")
	if !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("hark reply: %s", out)
	}
	r := g.checkOneReply(t, m.id, "Sorry about "+tok, "public")

	// bob answers hark's reply: the same conversation, reopened
	b := g.post(t, "@alice thanks, still waiting on "+tok, r.ID, "public")
	c2 := h.pollConv(t, b.ID)
	if c2.ID != c.ID {
		t.Errorf("bob's answer landed in conversation %s, want %s", c2.ID, c.ID)
	}
	if len(c2.PostKeys) < 3 {
		t.Errorf("conversation %s has %d posts, want the mention, the reply and the answer", c2.ID, len(c2.PostKeys))
	}
	t.Logf("GoToSocial mention→reply→answer: 1 reply (%s under %s), answer in conversation #%s with %d posts", r.ID, m.id, c2.ID, len(c2.PostKeys))
}

// TestGTSDirectMessage: bob writes alice privately; hark answers by DM,
// once, direct, mentioning only bob.
func TestGTSDirectMessage(t *testing.T) {
	g := newGTS(t)
	h := harkOn(t, g)
	tok := token("private")
	m := g.post(t, "@alice my account number is "+tok+", please check privately", "", "direct")
	c := h.pollConv(t, m.ID)
	if !c.Direct {
		t.Errorf("conversation %s is not marked direct", c.ID)
	}
	out := h.must(t, "reply", "--dm", c.ID, "Checked "+tok+" for you")
	if !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("hark reply --dm: %s", out)
	}
	r := g.checkOneReply(t, m.ID, "Checked "+tok, "direct")
	t.Logf("GoToSocial DM: 1 direct reply %s under %s", r.ID, m.ID)
}

// atp is the AT Protocol peer (PDS + AppView + PLC from @atproto/dev-env):
// alice.test is the brand, bob.test the customer.
type atp struct {
	service               string
	aliceHandle, aliceDID string
	alicePass             string // app password (what hark signs in with)
	bobHandle, bobDID     string
	bobPass               string
	bobJWT, aliceJWT      string
}

func atpAccounts() string {
	if f := os.Getenv("ATP_ACCOUNTS_FILE"); f != "" {
		return f
	}
	if h := os.Getenv("ATP_HOME"); h != "" {
		return filepath.Join(h, "run", "accounts.env")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "hark-peers", "atproto", "run", "accounts.env")
}

func newATP(t *testing.T) *atp {
	t.Helper()
	env := readEnv(t, atpAccounts())
	a := &atp{service: env["ATP_SERVICE_URL"],
		aliceHandle: env["ATP_A_HANDLE"], aliceDID: env["ATP_A_DID"], alicePass: env["ATP_A_APP_PASSWORD"],
		bobHandle: env["ATP_B_HANDLE"], bobDID: env["ATP_B_DID"], bobPass: env["ATP_B_APP_PASSWORD"]}
	a.bobJWT = a.session(t, a.bobHandle, a.bobPass)
	a.aliceJWT = a.session(t, a.aliceHandle, a.alicePass)
	return a
}

func (a *atp) account(server string) string {
	return fmt.Sprintf(`  - name: atp
    network: bluesky
    server: %s
    handle: %s
    password: env:HARK_REAL_ATP_PASSWORD
    interval: 10s
`, server, a.aliceHandle)
}

func (a *atp) secrets() map[string]string {
	return map[string]string{"HARK_REAL_ATP_PASSWORD": a.alicePass}
}

func (a *atp) xrpc(t *testing.T, jwt, method, nsid string, q url.Values, in, out any) error {
	t.Helper()
	u := a.service + "/xrpc/" + nsid
	if q != nil {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	status, b, err := request(method, u, jwt, "application/json", body)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, nsid, status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (a *atp) session(t *testing.T, handle, pass string) string {
	t.Helper()
	var s struct {
		AccessJwt string `json:"accessJwt"`
	}
	if err := a.xrpc(t, "", http.MethodPost, "com.atproto.server.createSession", nil,
		map[string]string{"identifier": handle, "password": pass}, &s); err != nil {
		t.Fatalf("AT Protocol stack at %s: %v — is it running (make e2e-real)?", a.service, err)
	}
	return s.AccessJwt
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type facet struct {
	Index struct {
		ByteStart int `json:"byteStart"`
		ByteEnd   int `json:"byteEnd"`
	} `json:"index"`
	Features []map[string]any `json:"features"`
}

// mentionFacet is a mention of did over text[start:end] (bytes).
func mentionFacet(start, end int, did string) facet {
	var f facet
	f.Index.ByteStart, f.Index.ByteEnd = start, end
	f.Features = []map[string]any{{"$type": "app.bsky.richtext.facet#mention", "did": did}}
	return f
}

// post is bob posting; mention (if not "") is the handle text
// ("@alice.test") inside text to turn into a mention facet of alice.
// reply is {root, parent} or nil. It returns once alice is notified.
func (a *atp) post(t *testing.T, text, mention string, reply *[2]strongRef) strongRef {
	t.Helper()
	ref := a.postAs(t, a.bobJWT, a.bobDID, text, mention != "", reply, nil)
	a.waitNotified(t, ref.URI)
	return ref
}

type threadReply struct {
	Post struct {
		URI    string `json:"uri"`
		CID    string `json:"cid"`
		Author struct {
			DID string `json:"did"`
		} `json:"author"`
		Record struct {
			Text  string `json:"text"`
			Reply struct {
				Root, Parent strongRef
			} `json:"reply"`
			Facets []facet `json:"facets"`
		} `json:"record"`
		Embed struct { // the AppView's view of the embed
			Images []struct {
				Alt      string `json:"alt"`
				Fullsize string `json:"fullsize"`
			} `json:"images"`
		} `json:"embed"`
	} `json:"post"`
}

// aliceRepliesUnder is the replies by alice (the brand) under uri.
func (a *atp) aliceRepliesUnder(t *testing.T, uri string) []threadReply {
	t.Helper()
	var out []threadReply
	for _, r := range a.repliesUnder(t, uri) {
		if r.Post.Author.DID == a.aliceDID {
			out = append(out, r)
		}
	}
	return out
}

// repliesUnder is bob's view of the direct replies under uri
// (app.bsky.feed.getPostThread).
func (a *atp) repliesUnder(t *testing.T, uri string) []threadReply {
	t.Helper()
	var th struct {
		Thread struct {
			Replies []threadReply `json:"replies"`
		} `json:"thread"`
	}
	if err := a.xrpc(t, a.bobJWT, http.MethodGet, "app.bsky.feed.getPostThread", url.Values{"uri": {uri}, "depth": {"1"}}, nil, &th); err != nil {
		t.Fatal(err)
	}
	return th.Thread.Replies
}

// checkOneReply: bob sees exactly one reply by alice under parent, in the
// thread rooted at root, containing want; each "@bob.test" in it is a
// mention facet of bob covering exactly those bytes.
func (a *atp) checkOneReply(t *testing.T, root, parent strongRef, want string) threadReply {
	t.Helper()
	var rs []threadReply
	eventually(30*time.Second, func() bool { rs = a.repliesUnder(t, parent.URI); return len(rs) > 0 })
	// a duplicate would show up within a second too: watch for one
	testkit.PollEvery(time.Second, 100*time.Millisecond, func() bool { rs = a.repliesUnder(t, parent.URI); return len(rs) > 1 })
	if len(rs) != 1 {
		t.Fatalf("bob sees %d replies under %s, want exactly 1", len(rs), parent.URI)
	}
	r := rs[0]
	rec := r.Post.Record
	if r.Post.Author.DID != a.aliceDID {
		t.Errorf("reply by %s, want alice %s", r.Post.Author.DID, a.aliceDID)
	}
	if rec.Reply.Parent != parent || rec.Reply.Root != root {
		t.Errorf("reply refs root %+v parent %+v, want root %+v parent %+v", rec.Reply.Root, rec.Reply.Parent, root, parent)
	}
	if !strings.Contains(rec.Text, want) {
		t.Errorf("reply text %q lacks %q", rec.Text, want)
	}
	mentions := 0
	for _, f := range rec.Facets {
		for _, ft := range f.Features {
			if ft["$type"] != "app.bsky.richtext.facet#mention" {
				continue
			}
			mentions++
			b := []byte(rec.Text)
			if f.Index.ByteStart < 0 || f.Index.ByteEnd > len(b) || f.Index.ByteStart >= f.Index.ByteEnd {
				t.Errorf("mention facet %+v outside the text (%d bytes)", f.Index, len(b))
				continue
			}
			if got := string(b[f.Index.ByteStart:f.Index.ByteEnd]); got != "@"+a.bobHandle || ft["did"] != a.bobDID {
				t.Errorf("mention facet covers %q for %v, want %q for %s", got, ft["did"], "@"+a.bobHandle, a.bobDID)
			}
		}
	}
	if want := strings.Count(rec.Text, "@"+a.bobHandle); mentions != want {
		t.Errorf("reply has %d mention facets, want %d (of bob, as the text names him): %+v", mentions, want, rec.Facets)
	}
	return r
}

// TestATPMentionReplyAnswer: bob mentions alice with a facet after
// non-ASCII text; hark stores it once and answers it once (strong refs to
// the mention, a mention facet of bob on the right bytes); bob's answer to
// that reply joins the same conversation.
func TestATPMentionReplyAnswer(t *testing.T) {
	a := newATP(t)
	h := harkOn(t, a)
	tok := token("colis")
	text := "Déjà vu ☕ encore une fois 😤 @" + a.aliceHandle + " où est mon colis " + tok + " ?"
	m := a.post(t, text, "@"+a.aliceHandle, nil)

	c := h.pollConv(t, m.URI)
	if again := h.must(t, "poll", "--once"); strings.Contains(again, m.URI) {
		t.Errorf("the second poll stored %s again:\n%s", m.URI, again)
	}
	if got := h.postText(t, c, m.URI); got != text {
		t.Errorf("hark stored the mention as %q, want the exact text %q", got, text)
	}
	// Bluesky threads a reply by its refs and needs no mention; the
	// operator names the customer anyway, after non-ASCII text: the
	// facet must cover exactly those bytes.
	out := h.must(t, "reply", c.ID, "Désolé ☕ @"+a.bobHandle+" pour "+tok+", on regarde ça")
	if !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("hark reply: %s", out)
	}
	r := a.checkOneReply(t, m, m, "pour "+tok)

	mine := strongRef{URI: r.Post.URI, CID: r.Post.CID}
	b := a.post(t, "Merci ! Toujours rien pour "+tok, "", &[2]strongRef{m, mine})
	c2 := h.pollConv(t, b.URI)
	if c2.ID != c.ID {
		t.Errorf("bob's answer landed in conversation %s, want %s", c2.ID, c.ID)
	}
	t.Logf("Bluesky mention (facet after %d bytes of non-ASCII text) → reply → answer: 1 reply %s, answer in conversation #%s with %d posts",
		strings.Index(text, "@"), r.Post.URI, c2.ID, len(c2.PostKeys))
}
