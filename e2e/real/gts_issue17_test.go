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
