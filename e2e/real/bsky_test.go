//go:build e2ereal

package real

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
)

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
