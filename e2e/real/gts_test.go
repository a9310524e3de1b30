//go:build e2ereal

package real

import (
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
