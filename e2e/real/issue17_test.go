//go:build e2ereal

package real

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Scenarios of issue 17 against GoToSocial: what a real server does that
// the fakes did not (answers given elsewhere, deletions, edits, follow-ups
// without the @mention, its own counting rule, a queued reply and cron).

// raw posts a status (with media ids) as the owner of token without
// waiting for a notification (alice answering from another app, bob answering without
// the @mention).
func (g *gts) raw(t *testing.T, token, text, inReplyTo, visibility string, media ...string) status {
	t.Helper()
	f := url.Values{"status": {text}, "visibility": {visibility}, "media_ids[]": media}
	if inReplyTo != "" {
		f.Set("in_reply_to_id", inReplyTo)
	}
	b, err := g.do(token, http.MethodPost, "/api/v1/statuses", f)
	if err != nil {
		t.Fatal(err)
	}
	var s status
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// pollOnce runs `hark poll --once` and returns its output.
func (h *harkEnv) pollOnce(t *testing.T) string {
	t.Helper()
	return h.must(t, "poll", "--once")
}

// TestGTSAnswerGivenOutsideHark (item 2): a colleague answers bob from
// another app; the next `hark poll --once` sees alice's post in the
// thread: first response recorded by "outside hark", conversation pending.
func TestGTSAnswerGivenOutsideHark(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "phone", " where is my parcel?")
	if c.State != social.StateNew {
		t.Fatalf("conversation %s is %s, want new", c.ID, c.State)
	}
	g.raw(t, g.aliceToken, "@bob sorted from the phone app, "+tok, m.id, "public")
	out := h.pollOnce(t)
	if !strings.Contains(out, "threads: answered outside hark: #"+c.ID+" ") {
		t.Errorf("poll --once did not notice the outside answer:\n%s", out)
	}
	c = h.convOf(t, m.id)
	if c.State != social.StatePending || c.FirstReplyBy != social.OutsideHark || c.FirstResponseAt.IsZero() {
		t.Errorf("after the outside answer: state %s first reply by %+v at %v", c.State, c.FirstReplyBy, c.FirstResponseAt)
	}
	stats := h.must(t, "stats", "--json", "--by", "operator")
	if !strings.Contains(stats, `"name": "outside hark"`) {
		t.Errorf("stats do not count the outside answer:\n%s", stats)
	}
	t.Logf("GoToSocial answer outside hark: %s → conversation #%s %s, first response %s by %q",
		firstLine(out, "threads:"), c.ID, c.State, c.FirstResponseAt.Sub(c.CreatedAt).Round(time.Second), c.FirstReplyBy.Name)
}

// TestGTSDeletedCustomerPost (item 3): bob deletes his mention before
// anyone answers: poll --once marks it deleted and resolves the
// conversation (nothing else waits), and says so; the queue no longer
// lists it.
func TestGTSDeletedCustomerPost(t *testing.T) {
	g := newGTS(t)
	h, _, m, c := mentioned(t, g, "oops", " wrong account, sorry")
	if _, err := g.do(g.bobToken, http.MethodDelete, "/api/v1/statuses/"+m.id, nil); err != nil {
		t.Fatal(err)
	}
	out := h.pollOnce(t)
	if !strings.Contains(out, "threads: the customer deleted the post of #"+c.ID) {
		t.Errorf("poll --once does not say the post was deleted:\n%s", out)
	}
	c = h.convOf(t, m.id)
	var p store.StoredPost
	h.readStore(t, func(st store.Store) (err error) { p, err = st.Post(context.Background(), c.PostKeys[0]); return err })
	if c.State != social.StateResolved || p.DeletedAt.IsZero() {
		t.Errorf("after the deletion: conversation %s, post deleted at %v; want resolved, marked deleted", c.State, p.DeletedAt)
	}
	if q := h.must(t, "queue"); regexp.MustCompile(`(?m)^` + c.ID + `\s`).MatchString(q) {
		t.Errorf("the queue still lists #%s:\n%s", c.ID, q)
	}
	t.Logf("GoToSocial deleted mention: %s → #%s %s", firstLine(out, "threads:"), c.ID, c.State)
}

// TestGTSEditedPost (item 4): bob edits A900 to A901 (GoToSocial sends no
// notification for it): poll --once reads the post in the thread refresh
// and stores the new text, marked edited.
func TestGTSEditedPost(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "edit", " order A900 is late")
	if _, err := g.do(g.bobToken, http.MethodPut, "/api/v1/statuses/"+m.id, url.Values{"status": {"@alice " + tok + " order A901 is late"}}); err != nil {
		t.Fatal(err)
	}
	out := h.pollOnce(t)
	var p store.StoredPost
	h.readStore(t, func(st store.Store) (err error) { p, err = st.Post(context.Background(), c.PostKeys[0]); return err })
	if !strings.Contains(p.Text, "A901") || p.EditedAt.IsZero() {
		t.Errorf("after the edit: stored %q (edited %v), want A901, marked edited\n%s", p.Text, p.EditedAt, out)
	}
	t.Logf("GoToSocial edit: %q, edited at %s (%s)", p.Text, p.EditedAt.Format(time.RFC3339), firstLine(out, "threads:"))
}

// TestGTSFollowUpWithoutMention (item 7): bob answers hark's reply without
// @alice: GoToSocial notifies nobody; poll --once reopens the pending
// conversation from the thread.
func TestGTSFollowUpWithoutMention(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "follow", " my order is late")
	h.must(t, "reply", c.ID, "Which order number, "+tok+"?")
	r := g.checkOneReply(t, m.id, tok, "public")
	if c = h.convOf(t, m.id); c.State != social.StatePending {
		t.Fatalf("after the reply: %s, want pending", c.State)
	}
	f := g.raw(t, g.bobToken, "A901, thanks "+tok, r.ID, "public") // no @alice
	out := h.pollOnce(t)
	if strings.Contains(out, f.ID) {
		t.Logf("(GoToSocial notified alice of the reply without a mention)")
	}
	c = h.convOf(t, m.id)
	if c.State != social.StateOpen || !strings.Contains(c.Preview, "A901") {
		t.Errorf("after the follow-up without @mention: %s, preview %q; want open with A901\n%s", c.State, c.Preview, out)
	}
	t.Logf("GoToSocial follow-up without @mention: %s → #%s %s", firstLine(out, "threads:"), c.ID, c.State)
}

// TestGTSLengthAsTheServerCounts (item 5): GoToSocial allows 5,000 code
// points, counted over the whole text, the "@bob " hark adds included.
// hark reply takes 600 characters (no built-in 500), refuses one code
// point over the limit before sending, and sends exactly the limit.
func TestGTSLengthAsTheServerCounts(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "len", " tell me everything")

	long := tok + " " + strings.Repeat("é", 600-len(tok)-1)
	if out := h.must(t, "reply", "--no-signature", c.ID, long); !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("600 characters on a 5,000 server: %s", out)
	}
	// "@bob " is 5 code points; a family emoji is 1 grapheme but 5 code
	// points (man, ZWJ, woman, ZWJ, girl). Mastodon's rule would count
	// 1,000 of them as 1,005; GoToSocial counts 5,005 and refuses.
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467"
	over, exact := strings.Repeat(family, 1000), strings.Repeat(family, 999)
	if _, err := g.do(g.aliceToken, http.MethodPost, "/api/v1/statuses", url.Values{"status": {"@bob " + over}, "in_reply_to_id": {m.id}}); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Fatalf("GoToSocial took 5,005 code points (err %v): this scenario's premise is wrong", err)
	}
	out, err := h.run(t, "reply", "--no-signature", c.ID, over)
	if err == nil || !strings.Contains(out, "5005 characters") || !strings.Contains(out, "allows 5000") {
		t.Errorf("5,005 code points with the mention: err %v, want hark's refusal before sending:\n%s", err, out)
	}
	if out := h.must(t, "reply", "--no-signature", c.ID, exact); !strings.HasPrefix(out, "sent: ") {
		t.Errorf("exactly 5,000 code points with the mention: %s", out)
	}
	t.Logf("GoToSocial length: 600 characters sent; 1,000 family emoji + \"@bob \" (5,005 code points, 1,005 graphemes) refused by the server and by hark (%s); 999 (5,000) sent", strings.TrimSpace(out))
}

// TestGTSPollOnceDeliversQueued (item 8): a reply queued while the server
// could not be reached goes out with a later `hark poll --once` (cron),
// which says so.
func TestGTSPollOnceDeliversQueued(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "cron", " any news?")

	start := gtsStop(t, g)
	out, err := h.run(t, "reply", c.ID, "News soon, "+tok)
	if err != nil || !strings.Contains(out, "queued (outbox") || !strings.Contains(out, "hark poll --once") {
		t.Fatalf("hark reply with the server down: %v\n%s", err, out)
	}
	start()
	var last string
	if !eventually(2*time.Minute, func() bool {
		last, _ = h.run(t, "poll", "--once")
		return strings.Contains(last, "to #"+c.ID+" sent: ")
	}) {
		t.Fatalf("poll --once never delivered the queued reply; last run:\n%s", last)
	}
	g.checkOneReply(t, m.id, "News soon, "+tok, "public")
	t.Logf("GoToSocial queued reply: %q then poll --once: %s", strings.TrimSpace(out), firstLine(last, "outbox:"))
}

// TestGTSAuthFailedReplyRetried (item 10): a reply refused for a revoked
// token stays failed; once the token is right again, the next poll --once
// (the account authenticates) sends it by itself.
func TestGTSAuthFailedReplyRetried(t *testing.T) {
	g := newGTS(t)
	h, tok, m, c := mentioned(t, g, "token", " hello?")
	good := h.env
	h.env = append(append([]string(nil), good...), "HARK_REAL_GTS_TOKEN=not-a-token")
	out, err := h.run(t, "reply", c.ID, "Hello "+tok)
	if err == nil || !strings.Contains(out, "auth") {
		t.Fatalf("reply with a wrong token: %v\n%s", err, out)
	}
	h.env = good
	out = h.pollOnce(t)
	if !strings.Contains(out, "to #"+c.ID+" sent: ") {
		t.Errorf("poll --once after the token fix did not send the auth-failed reply:\n%s", out)
	}
	g.checkOneReply(t, m.id, "Hello "+tok, "public")
	t.Logf("GoToSocial auth-failed reply: retried after the fix: %s", firstLine(out, "outbox:"))
}

// TestGTSUnusedHashtagAndEmptySearch (item 10): listening to a hashtag
// nobody used yet is no error, and doctor says the feeds found nothing.
func TestGTSUnusedHashtagAndEmptySearch(t *testing.T) {
	g := newGTS(t)
	tag := token("nobodyusedthis")
	acct := g.account(g.baseURL) + "    search: [\"#" + tag + "\", \"" + tag + "words\"]\n"
	h := newHark(t, acct, g.secrets())
	out := h.pollOnce(t)
	if strings.Contains(out, "error") {
		t.Errorf("poll --once with an unused hashtag:\n%s", out)
	}
	doc := h.must(t, "doctor")
	if strings.Count(doc, "found nothing yet") < 2 {
		t.Errorf("doctor does not say the searches found nothing:\n%s", doc)
	}
	t.Logf("GoToSocial unused hashtag: %s", strings.ReplaceAll(strings.TrimSpace(out), "\n", " | "))
}

// firstLine is the first line of out starting with prefix ("" if none).
func firstLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestGTSBacklogAndBackfill (item 9): 45 mentions wait for an account
// hark has never polled. The first poll reads the newest 40 and says the
// older were not read; `hark poll --backfill 1h` reads the rest, with
// progress, and every one of the 45 is stored once.
func TestGTSBacklogAndBackfill(t *testing.T) {
	g := newGTS(t)
	tok := token("backlog")
	for i := range 45 {
		f := url.Values{"status": {"@alice " + tok + " #" + strconv.Itoa(i)}, "visibility": {"public"}}
		if _, err := g.do(g.bobToken, http.MethodPost, "/api/v1/statuses", f); err != nil {
			t.Fatal(err)
		}
	}
	eventually(20*time.Second, func() bool {
		b, err := g.get(g.aliceToken, "/api/v1/notifications", url.Values{"types[]": {"mention"}, "limit": {"1"}})
		return err == nil && strings.Contains(string(b), tok+" #44")
	})
	h := harkOn(t, g)
	out := h.pollOnce(t)
	if !strings.Contains(out, "! the first poll read the newest 40 only") {
		t.Errorf("the first poll does not say it skipped older mentions:\n%s", out)
	}
	first := strings.Count(out, tok)
	bf := h.must(t, "poll", "--backfill", "1h")
	stored := 0
	h.readStore(t, func(st store.Store) error {
		return st.ForEachConv(context.Background(), func(c social.Conversation) bool {
			if strings.Contains(c.Preview, tok) {
				stored++
			}
			return true
		})
	})
	if stored != 45 {
		t.Errorf("after the backfill the store holds %d of the 45 mentions:\n%s", stored, bf)
	}
	if doc := h.must(t, "doctor"); strings.Contains(doc, "backlog:") {
		t.Errorf("doctor still reports a backlog:\n%s", doc)
	}
	t.Logf("GoToSocial backlog: first poll stored %d of 45 (%s); backfill: %s; store holds %d",
		first, strings.TrimSpace(firstLine(out, "  ! ")), strings.TrimSpace(firstLine(bf, "mastodon:gts: backfill")), stored)
}

// Scenarios of issue 17 against Bluesky's own stack (PDS + AppView + PLC):
// a reply to a deleted post, answers given outside hark, edits, a DM, the
// TUI, and SIGKILL during a send through a PDS-level proxy.

func rkeyOf(uri string) string { return uri[strings.LastIndex(uri, "/")+1:] }

// aliceRecords lists alice's post record URIs (com.atproto.repo.listRecords).
func (a *atp) aliceRecords(t *testing.T) []string {
	t.Helper()
	var out struct {
		Records []struct {
			URI string `json:"uri"`
		} `json:"records"`
	}
	if err := a.xrpc(t, a.aliceJWT, http.MethodGet, "com.atproto.repo.listRecords",
		url.Values{"repo": {a.aliceDID}, "collection": {"app.bsky.feed.post"}, "limit": {"100"}}, nil, &out); err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range out.Records {
		uris = append(uris, r.URI)
	}
	return uris
}

// TestATPReplyToDeletedPost (item 1): bob deletes his mention before hark
// answers. The PDS would take a reply with a parent nobody sees; hark
// checks the parent first: `hark reply` fails for good, saying why, and
// alice's repository gains no record.
func TestATPReplyToDeletedPost(t *testing.T) {
	a := newATP(t)
	h, tok, m, c := mentioned(t, a, "gone", " voucher please")
	if err := a.xrpc(t, a.bobJWT, http.MethodPost, "com.atproto.repo.deleteRecord", nil,
		map[string]string{"repo": a.bobDID, "collection": "app.bsky.feed.post", "rkey": rkeyOf(m.id)}, nil); err != nil {
		t.Fatal(err)
	}
	before := len(a.aliceRecords(t))
	out, err := h.run(t, "reply", c.ID, "Your voucher: ACME-"+tok)
	if err == nil || strings.Contains(out, "sent: ") || !strings.Contains(out, "deleted by its author") {
		t.Fatalf("hark reply to a deleted post: err %v, want a permanent failure naming the deletion:\n%s", err, out)
	}
	if n := len(a.aliceRecords(t)) - before; n != 0 {
		t.Errorf("alice's repository gained %d records: the orphan reply was published", n)
	}
	ob := h.outbox(t)
	if last := ob[len(ob)-1]; last.State != store.OutFailed {
		t.Errorf("outbox entry %s, want failed", last.State)
	}
	c = h.convOf(t, m.id)
	if c.State != social.StateResolved {
		t.Errorf("the conversation of the deleted post is %s, want resolved (nothing else waits)", c.State)
	}
	t.Logf("Bluesky reply to a deleted post: %s; conversation #%s %s; 0 records created", strings.TrimSpace(out), c.ID, c.State)
}

// TestATPAnswerGivenOutsideHark (item 2): alice answers from another app
// (a reply record in her repository); poll --once finds it in the thread.
func TestATPAnswerGivenOutsideHark(t *testing.T) {
	a := newATP(t)
	h, tok, m, c := mentioned(t, a, "web", " where is it?")
	a.postAs(t, a.aliceJWT, a.aliceDID, "On its way, "+tok, false, &[2]strongRef{m.ref, m.ref}, nil)
	if !eventually(20*time.Second, func() bool { return len(a.aliceRepliesUnder(t, m.id)) > 0 }) { // the AppView indexes it
		t.Fatalf("the AppView never showed alice's reply under %s", m.id)
	}
	out := h.pollOnce(t)
	if !regexp.MustCompile(`answered outside hark: (#\d+, )*#` + c.ID + `[ ,]`).MatchString(out) {
		t.Fatalf("poll --once did not notice alice's answer from another app:\n%s", out)
	}
	c = h.convOf(t, m.id)
	if c.State != social.StatePending || c.FirstReplyBy != social.OutsideHark {
		t.Errorf("after the outside answer: %s by %+v", c.State, c.FirstReplyBy)
	}
	t.Logf("Bluesky answer outside hark: %s → #%s %s", firstLine(out, "threads:"), c.ID, c.State)
}

// TestATPEditedPost (item 4): bob updates his post's record (putRecord,
// as clients that edit do); the AppView serves the new text with a new
// CID, and poll --once stores it, marked edited.
func TestATPEditedPost(t *testing.T) {
	a := newATP(t)
	h := harkOn(t, a)
	tok := token("bedit")
	text := "@" + a.aliceHandle + " order A900 " + tok
	m := a.post(t, text, "@"+a.aliceHandle, nil)
	c := h.pollConv(t, m.URI)
	edited := strings.Replace(text, "A900", "A901", 1)
	i := strings.Index(edited, "@"+a.aliceHandle)
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": edited, "createdAt": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"facets": []facet{mentionFacet(i, i+len("@"+a.aliceHandle), a.aliceDID)}}
	if err := a.xrpc(t, a.bobJWT, http.MethodPost, "com.atproto.repo.putRecord", nil,
		map[string]any{"repo": a.bobDID, "collection": "app.bsky.feed.post", "rkey": rkeyOf(m.URI), "record": rec}, nil); err != nil {
		t.Fatal(err)
	}
	if !eventually(20*time.Second, func() bool { // the AppView indexes the update
		var th struct {
			Thread threadReply `json:"thread"`
		}
		return a.xrpc(t, a.aliceJWT, http.MethodGet, "app.bsky.feed.getPostThread", url.Values{"uri": {m.URI}, "depth": {"0"}}, nil, &th) == nil &&
			strings.Contains(th.Thread.Post.Record.Text, "A901")
	}) {
		t.Fatalf("the AppView never showed the edit of %s", m.URI)
	}
	h.pollOnce(t)
	var p store.StoredPost
	h.readStore(t, func(st store.Store) (err error) { p, err = st.Post(context.Background(), c.PostKeys[0]); return err })
	if !strings.Contains(p.Text, "A901") {
		t.Fatalf("the edit did not reach the store: %q", p.Text)
	}
	if p.EditedAt.IsZero() {
		t.Errorf("the edited post is not marked edited")
	}
	t.Logf("Bluesky edit (putRecord): stored %q, edited at %s", p.Text, p.EditedAt.Format(time.RFC3339))
}

// TestATPDirectMessage: a DM needs the chat service (api.bsky.chat),
// which @atproto/dev-env does not run: the PDS answers the proxied chat
// call with 500. hark must keep the reply queued, say why, and post
// nothing publicly in its place.
func TestATPDirectMessage(t *testing.T) {
	a := newATP(t)
	h, tok, _, c := mentioned(t, a, "dm", " can we talk privately?")
	before := len(a.aliceRecords(t))
	out, err := h.run(t, "reply", "--dm", c.ID, "Sure, "+tok)
	if err != nil && !strings.Contains(out, "reply failed") {
		t.Fatalf("hark reply --dm: %v\n%s", err, out)
	}
	if strings.HasPrefix(out, "sent: ") {
		t.Skipf("this stack has a chat service: the DM was sent (%s)", strings.TrimSpace(out))
	}
	if !strings.Contains(out, "queued (outbox") || !strings.Contains(out, "500") {
		t.Errorf("hark reply --dm without a chat service does not say it is queued and why:\n%s", out)
	}
	if n := len(a.aliceRecords(t)) - before; n != 0 {
		t.Errorf("a DM reply created %d public records", n)
	}
	t.Logf("Bluesky DM without a chat service (dev-env has none): %s", strings.TrimSpace(out))
}

// TestATPTUIReply: the TUI under tmux (120×40) finds bob's mention,
// opens it, answers with the canned answer; bob sees one reply with the
// right refs and a mention facet of bob.
func TestATPTUIReply(t *testing.T) {
	needTmux(t)
	a := newATP(t)
	h, tok, m, _ := mentioned(t, a, "btui", " my mug arrived broken")

	p := startTUI(t, h, tok)
	screen, waitFor, keys := p.screen, p.waitFor, p.keys
	p.open(tok, "my mug arrived broken")
	keys("r")
	waitFor("the composer", "ctrl+s send")
	keys("-l", "@"+a.bobHandle+" so sorry about "+tok+", a new one ships today")
	waitFor("the composer", "a new one ships today")
	keys("C-s")
	r := a.checkOneReply(t, m.ref, m.ref, "so sorry about "+tok)
	t.Logf("Bluesky TUI reply under tmux: 1 reply %s with a mention facet of bob; screen after sending:\n%s", r.Post.URI, screen())
	keys("q")
}

// newCustomer creates another account on the PDS (the dev stack lets
// anyone sign up) and returns its handle, DID and session token.
func (a *atp) newCustomer(t *testing.T, name string) (handle, did, jwt string) {
	t.Helper()
	var out struct {
		AccessJwt string `json:"accessJwt"`
		DID       string `json:"did"`
		Handle    string `json:"handle"`
	}
	handle = name + ".test"
	if err := a.xrpc(t, "", http.MethodPost, "com.atproto.server.createAccount", nil,
		map[string]string{"handle": handle, "email": name + "@example.com", "password": "pw-" + name}, &out); err != nil {
		t.Fatal(err)
	}
	return out.Handle, out.DID, out.AccessJwt
}

// carolJoins makes a new customer, carol, who answers in the thread of
// bob's mention m with text (mentioning alice), and waits until hark has
// polled her post (her mention's notification), not only seen it in bob's
// thread. It returns her handle and her post.
func (a *atp) carolJoins(t *testing.T, h *harkEnv, tok string, m msg, text string) (string, strongRef) {
	t.Helper()
	handle, did, jwt := a.newCustomer(t, "carol"+tok[len(tok)-6:])
	carol := a.postAs(t, jwt, did, "@"+a.aliceHandle+" "+text, true, &[2]strongRef{m.ref, m.ref}, nil)
	if !eventually(30*time.Second, func() bool { return strings.Contains(h.pollOnce(t), carol.URI) || h.polledPost(t, carol.URI) }) {
		t.Fatalf("hark never polled carol's post %s", carol.URI)
	}
	return handle, carol
}

// TestATPSeveralCustomers (item 6): carol answers in bob's thread with her
// own problem, mentioning alice. hark answers bob first; the conversation
// stays in the inbox for carol; the next reply goes under carol's post;
// then nobody waits.
func TestATPSeveralCustomers(t *testing.T) {
	a := newATP(t)
	h, tok, m, c := mentioned(t, a, "two", " order A100 missing")

	carolHandle, carol := a.carolJoins(t, h, tok, m, "me too, order C200 "+tok)
	if got := h.convOf(t, carol.URI); got.ID != c.ID {
		t.Fatalf("carol's post is in conversation %s, want bob's %s", got.ID, c.ID)
	}
	h.must(t, "reply", c.ID, "@"+a.bobHandle+" A100 ships today")
	var toBob []threadReply
	eventually(20*time.Second, func() bool { toBob = a.aliceRepliesUnder(t, m.id); return len(toBob) > 0 })
	if len(toBob) != 1 || !strings.Contains(toBob[0].Post.Record.Text, "A100 ships today") {
		t.Fatalf("bob sees %d replies by alice under his post, want the one about A100: %+v", len(toBob), toBob)
	}
	c = h.convOf(t, m.id)
	if !c.State.Actionable() {
		t.Errorf("after answering bob only: %s, want carol still waiting in the inbox", c.State)
	}
	h.must(t, "reply", c.ID, "C200 is on its way")
	var under []threadReply
	eventually(20*time.Second, func() bool { under = a.aliceRepliesUnder(t, carol.URI); return len(under) > 0 })
	if n := len(a.aliceRepliesUnder(t, m.id)); n != 1 {
		t.Errorf("bob's post now has %d replies by alice, want still 1 (the second went to carol)", n)
	}
	if len(under) != 1 || under[0].Post.Author.DID != a.aliceDID || under[0].Post.Record.Reply.Parent != carol || under[0].Post.Record.Reply.Root != m.ref {
		t.Errorf("carol sees %d replies under her post, want alice's one with parent = her post, root = bob's: %+v", len(under), under)
	}
	if c = h.convOf(t, m.id); c.State != social.StatePending {
		t.Errorf("with both answered: %s, want pending", c.State)
	}
	t.Logf("Bluesky two customers in one thread: bob answered under his post, carol (%s) under hers; conversation #%s %s", carolHandle, c.ID, c.State)
}

// polledPost reports whether the store holds the post with this remote id
// as brought by a poll (not only attached from a thread fetch).
func (h *harkEnv) polledPost(t *testing.T, remoteID string) bool {
	t.Helper()
	found := false
	h.readStore(t, func(st store.Store) error {
		return st.ForEachConv(context.Background(), func(c social.Conversation) bool {
			for _, k := range c.PostKeys {
				if strings.HasSuffix(k, "/"+remoteID) {
					if p, err := st.Post(context.Background(), k); err == nil && !p.Attached {
						found = true
					}
				}
			}
			return !found
		})
	})
	return found
}

// TestATPTUIPickPost (item 6, in the TUI): bob and carol in one thread;
// under tmux the operator opens it, picks carol's post with `[` and
// answers with `r`: carol sees the reply under her post (parent = hers,
// root = bob's), bob sees none.
func TestATPTUIPickPost(t *testing.T) {
	needTmux(t)
	a := newATP(t)
	h, tok, m, _ := mentioned(t, a, "pick", " order B100 missing")
	_, carol := a.carolJoins(t, h, tok, m, "me too, order D400 "+tok)

	p := startTUI(t, h, tok)
	waitFor, keys := p.waitFor, p.keys
	p.open(tok, "order B100 missing")
	waitFor("carol's post in the conversation", "order D400")
	keys("[")
	s := waitFor("carol's post picked", "r answers this post")
	keys("r")
	waitFor("the composer", "ctrl+s send")
	keys("-l", "D400 ships today "+tok)
	waitFor("the composer", "D400 ships today")
	keys("C-s")
	var under []threadReply
	eventually(30*time.Second, func() bool { under = a.aliceRepliesUnder(t, carol.URI); return len(under) > 0 })
	if len(under) != 1 || under[0].Post.Record.Reply.Parent != carol || under[0].Post.Record.Reply.Root != m.ref ||
		!strings.Contains(under[0].Post.Record.Text, "D400 ships today") {
		t.Fatalf("carol sees %d replies by alice under her post, want the one picked in the TUI (parent hers, root bob's): %+v", len(under), under)
	}
	for _, r := range a.aliceRepliesUnder(t, m.id) {
		t.Errorf("bob got a reply too: %q", r.Post.Record.Text)
	}
	keys("q")
	t.Logf("Bluesky TUI: [ picked carol's post, r answered it (parent %s); screen when picked:\n%s", carol.URI, s)
}

// TestATPBacklogAndBackfill (item 9): more notifications wait than a
// first poll walks (10 pages of 50): hark says the older ones were not
// read, and `hark poll --backfill 1h` reads back to the oldest of this
// scenario's mentions, each stored once.
func TestATPBacklogAndBackfill(t *testing.T) {
	a := newATP(t)
	tok := token("bbacklog")
	const n = 520
	for i := range n {
		a.postAs(t, a.bobJWT, a.bobDID, "@"+a.aliceHandle+" "+tok+" #"+strconv.Itoa(i), true, nil, nil)
	}
	last := tok + " #" + strconv.Itoa(n-1)
	if !eventually(60*time.Second, func() bool {
		var out struct {
			Notifications []struct {
				Record struct {
					Text string `json:"text"`
				} `json:"record"`
			} `json:"notifications"`
		}
		return a.xrpc(t, a.aliceJWT, http.MethodGet, "app.bsky.notification.listNotifications", url.Values{"limit": {"1"}}, nil, &out) == nil &&
			len(out.Notifications) == 1 && strings.HasSuffix(out.Notifications[0].Record.Text, last)
	}) {
		t.Fatalf("the AppView never indexed the last mention")
	}
	h := harkOn(t, a)
	out := h.pollOnce(t)
	if !strings.Contains(out, "! the first poll read the newest") || !strings.Contains(out, "older ones were not read") {
		t.Errorf("the first poll does not say it skipped older notifications:\n%s", firstLine(out, "bluesky:"))
	}
	first := strings.Count(out, tok+" #")
	bf := h.must(t, "poll", "--backfill", "1h")
	stored := map[string]int{}
	h.readStore(t, func(st store.Store) error {
		return st.ForEachConv(context.Background(), func(c social.Conversation) bool {
			if strings.Contains(c.Preview, tok+" #") {
				stored[c.Preview]++
			}
			return true
		})
	})
	if len(stored) != n {
		t.Errorf("after the backfill the store holds %d of the %d mentions:\n%s", len(stored), n, bf)
	}
	for p, k := range stored {
		if k != 1 {
			t.Errorf("%q stored %d times", p, k)
		}
	}
	t.Logf("Bluesky backlog: first poll stored %d of %d (%s); backfill: %s; store holds %d",
		first, n, strings.TrimSpace(firstLine(out, "  ! ")), strings.TrimSpace(firstLine(bf, "bluesky:atp: backfill")), len(stored))
}
