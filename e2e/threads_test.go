package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// kasiaMention is the fixture's public Mastodon mention that starts its
// own thread (notifications_mentions.json).
const kasiaMention = "117654091669176322"

// mastodonKasia runs poll --once and returns kasia's conversation.
func mastodonKasia(t *testing.T, w *world) social.Conversation {
	t.Helper()
	if out, stderr, err := w.hark(t, "poll", "--once"); err != nil {
		t.Fatalf("poll --once: %v\n%s\n%s", err, out, stderr)
	}
	return w.conv(t, kasiaMention)
}

// conv reads the conversation holding the post with this remote id.
func (w *world) conv(t *testing.T, remoteID string) social.Conversation {
	t.Helper()
	var found social.Conversation
	w.read(t, func(st store.Store) {
		st.ForEachConv(context.Background(), func(c social.Conversation) bool {
			for _, k := range c.PostKeys {
				if strings.HasSuffix(k, "/"+remoteID) {
					found = c
					return false
				}
			}
			return true
		})
	})
	if found.ID == "" {
		t.Fatalf("no conversation holds %s", remoteID)
	}
	return found
}

func (w *world) read(t *testing.T, f func(st store.Store)) {
	t.Helper()
	st, err := store.Open(filepath.Join(w.dir, "hark.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f(st)
}

func (w *world) post(t *testing.T, c social.Conversation, remoteID string) store.StoredPost {
	t.Helper()
	var sp store.StoredPost
	w.read(t, func(st store.Store) {
		var err error
		if sp, err = st.Post(context.Background(), social.PostKey(c.Network, c.Account, remoteID)); err != nil {
			t.Fatal(err)
		}
	})
	return sp
}

func (w *world) pollOnce(t *testing.T) string {
	t.Helper()
	out, stderr, err := w.hark(t, "poll", "--once")
	if err != nil {
		t.Fatalf("poll --once: %v\n%s\n%s", err, out, stderr)
	}
	return out
}

// A colleague answers from the phone app: the brand's own post shows in
// the thread, hark never sent it. poll --once notices it: the first
// response is recorded, by "outside hark", the conversation is pending
// and the stats count it answered (issue 17, item 2).
func TestAnswerGivenOutsideHark(t *testing.T) {
	w := newWorld(t)
	c := mastodonKasia(t, w)
	if c.State != social.StateNew {
		t.Fatalf("kasia's conversation is %s, want new", c.State)
	}
	w.nets.Mastodon.AddStatus("", kasiaMention, "@kasia sorted, a new one is on its way!", false)
	out := w.pollOnce(t)
	if !strings.Contains(out, "threads: answered outside hark: #"+c.ID+" ") {
		t.Errorf("poll --once does not report the outside answer of #%s:\n%s", c.ID, out)
	}
	c = w.conv(t, kasiaMention)
	if c.State != social.StatePending || c.FirstResponseAt.IsZero() || c.FirstReplyBy != social.OutsideHark || !c.WaitingSince.IsZero() {
		t.Errorf("after the outside answer: state %s first response %v by %+v waiting since %v; want pending, answered by %+v, not waiting",
			c.State, c.FirstResponseAt, c.FirstReplyBy, c.WaitingSince, social.OutsideHark)
	}
	if a, ok := c.Last(social.ActReplied); !ok || a.By != social.OutsideHark {
		t.Errorf("the trail does not hold the outside answer: %+v", c.Activity)
	}
	stats, _, err := w.hark(t, "stats", "--json", "--days", "60", "--by", "operator")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stats, `"name": "outside hark"`) {
		t.Errorf("stats do not count the answer given outside hark:\n%s", stats)
	}
	// Seen again, it changes nothing.
	if out := w.pollOnce(t); strings.Contains(out, "outside hark") {
		t.Errorf("the second poll reports the same outside answer again:\n%s", out)
	}
}

// The customer answers in the thread without @mentioning the brand (no
// notification): a pending conversation whose thread holds a newer post
// by the customer is reopened (issue 17, item 7).
func TestFollowUpWithoutMentionReopens(t *testing.T) {
	w := newWorld(t)
	c := mastodonKasia(t, w)
	out, stderr, err := w.hark(t, "reply", c.ID, "Which order number?")
	if err != nil || !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("hark reply: %v\n%s\n%s", err, out, stderr)
	}
	if c = w.conv(t, kasiaMention); c.State != social.StatePending {
		t.Fatalf("after the reply: %s, want pending", c.State)
	}
	ours := strings.Fields(out)[1]
	follow := w.nets.Mastodon.AddStatus(kasiaMention, ours, "A901, thanks", false)
	out = w.pollOnce(t)
	if !strings.Contains(out, "threads: a follow-up without @mention reopened #"+c.ID) {
		t.Errorf("poll --once does not report the reopened conversation:\n%s", out)
	}
	c = w.conv(t, kasiaMention)
	if c.State != social.StateOpen || c.WaitingSince.IsZero() || !strings.Contains(c.Preview, "A901") {
		t.Errorf("after the follow-up: state %s waiting since %v preview %q, want open, waiting, preview A901", c.State, c.WaitingSince, c.Preview)
	}
	if p := w.post(t, c, follow); p.Attached {
		t.Errorf("the follow-up is stored as thread context only")
	}
}

// The customer edits the mention (A900 → A901): the update notification
// brings the new text, which replaces the old and is marked edited
// (issue 17, item 4).
func TestEditedPostTakesNewText(t *testing.T) {
	w := newWorld(t)
	mastodonKasia(t, w)
	w.nets.Mastodon.EditStatus(kasiaMention, "@acmecoffee my order is A901, not A900")
	w.pollOnce(t)
	c := w.conv(t, kasiaMention)
	p := w.post(t, c, kasiaMention)
	if !strings.Contains(p.Text, "A901") || p.EditedAt.IsZero() {
		t.Errorf("after the edit: text %q edited %v, want the new text, marked edited", p.Text, p.EditedAt)
	}
	if !strings.Contains(c.Preview, "A901") {
		t.Errorf("the conversation's preview is still %q", c.Preview)
	}
}

// The customer deletes the mention before anyone answered: the post is
// marked deleted, the conversation leaves the inbox (nothing else waits)
// and poll --once says so (issue 17, item 3).
func TestDeletedCustomerPost(t *testing.T) {
	w := newWorld(t)
	c := mastodonKasia(t, w)
	w.nets.Mastodon.DeleteStatus(kasiaMention)
	out := w.pollOnce(t)
	if !strings.Contains(out, "threads: the customer deleted the post of #"+c.ID) {
		t.Errorf("poll --once does not say the post was deleted:\n%s", out)
	}
	c = w.conv(t, kasiaMention)
	if c.State != social.StateResolved || !c.WaitingSince.IsZero() {
		t.Errorf("after the deletion: state %s waiting since %v, want resolved, not waiting", c.State, c.WaitingSince)
	}
	if p := w.post(t, c, kasiaMention); p.DeletedAt.IsZero() {
		t.Errorf("the post is not marked deleted")
	}
	q, _, err := w.hark(t, "queue")
	if err != nil || regexp.MustCompile(`(?m)^`+c.ID+`\s`).MatchString(q) {
		t.Errorf("the queue still lists the deleted post's conversation (err %v):\n%s", err, q)
	}
}

// With the server failing, a round of thread refreshes tries one thread
// of that account and leaves the others for the next round: a cron
// `poll --once` does not wait out one timeout per conversation.
func TestThreadRefreshStopsAtAFailingServer(t *testing.T) {
	w := newWorld(t)
	w.pollOnce(t)
	var failing atomic.Int32
	w.nets.Mastodon.Intercept(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/v1/statuses/") && r.Method == http.MethodGet {
				failing.Add(1)
				rw.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	out, _, _ := w.hark(t, "poll", "--once")
	if n := failing.Load(); n != 1 {
		t.Errorf("%d thread requests met the failing server in one round, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "threads: error: ") || !strings.Contains(out, "503") {
		t.Errorf("poll --once does not report the failed refresh:\n%s", out)
	}
}
