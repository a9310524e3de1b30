package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// probe wraps the TUI model so the test can read the screen the program
// drew last, without racing it: the program calls View on its own
// goroutine after every Update, and the probe keeps a copy. (The renderer
// writes only the cells that changed, so the output stream cannot be
// searched for whole lines.)
//
// It also answers a barrier message, syncMsg: messages are handled in
// order, so once the screen drawn after syncMsg n is there, every key sent
// before it has been handled.
type probe struct {
	m       *tui.Model
	pending int // a syncMsg handled, its screen not drawn yet (program goroutine only)
	seq     int // last syncMsg sent (test goroutine only)

	mu     sync.Mutex
	shot   string
	synced int
}

type syncMsg int

func (p *probe) Init() tea.Cmd { return p.m.Init() }

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(syncMsg); ok {
		p.pending = int(s)
		return p, nil
	}
	nm, cmd := p.m.Update(msg)
	p.m = nm.(*tui.Model)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.m.View()
	s := ansi.Strip(v.Content)
	p.mu.Lock()
	p.shot = s
	if p.pending != 0 {
		p.synced, p.pending = p.pending, 0
	}
	p.mu.Unlock()
	return v
}

// sync returns the screen once every message sent so far is handled.
func (p *probe) sync(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	p.seq++
	n := p.seq
	tm.Send(syncMsg(n))
	var s string
	if !testkit.Poll(10*time.Second, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		s = p.shot
		return p.synced >= n
	}) {
		t.Fatalf("the TUI did not handle the keys sent; the screen is:\n%s", s)
	}
	return s
}

func (p *probe) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shot
}

// waitFor polls the screen until ok says yes (10 s at most).
func (p *probe) waitFor(t *testing.T, what string, ok func(screen string) bool) string {
	t.Helper()
	s, done := p.poll(10*time.Second, ok)
	if !done {
		t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
	}
	return s
}

// poll polls the screen until ok says yes or d has passed.
func (p *probe) poll(d time.Duration, ok func(screen string) bool) (string, bool) {
	var s string
	done := testkit.Poll(d, func() bool { s = p.screen(); return ok(s) })
	return s, done
}

// queueRow matches a queue row's brand tag, network tag, flags and
// (possibly truncated) handle: "AC MA @kasia@social.exa…", "AC X  ✉ @tom…".
var queueRow = regexp.MustCompile(`AC (MA|BS|X |RS) (?:[★✉]+ )?(\S+)`)

type row struct{ tag, handle string }

// queueRows returns the queue rows on screen, top to bottom.
func queueRows(screen string) []row {
	var out []row
	for _, m := range queueRow.FindAllStringSubmatch(screen, -1) {
		out = append(out, row{strings.TrimSpace(m[1]), strings.TrimSuffix(m[2], "…")})
	}
	return out
}

func queueTags(screen string) []string {
	var out []string
	for _, r := range queueRows(screen) {
		out = append(out, r.tag)
	}
	return out
}

// shows reports whether a row shows handle (the queue truncates handles).
func (r row) shows(tag, handle string) bool {
	if !strings.HasPrefix(handle, "@") {
		handle = "@" + handle
	}
	return r.tag == tag && len(r.handle) >= 6 && strings.HasPrefix(handle, r.handle)
}

// openConv reads the open conversation's id and network from the
// conversation pane ("#12 · Acme Coffee · bluesky · new").
var openConv = regexp.MustCompile(`#(\d+) · ` + regexp.QuoteMeta(fakenet.Brand) + ` · (\w+) · `)

// startTUI runs hark's TUI on a (monochrome, no bell) in a 120×40 test
// program, behind a probe.
func startTUI(t *testing.T, a *app.App) (*probe, *teatest.TestModel) {
	t.Helper()
	d := a.TUIDeps("e2e", nil)
	d.Mono, d.Bell = true, false
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{m: m}
	return p, teatest.NewTestModel(t, p, teatest.WithInitialTermSize(120, 40))
}

// openRow waits for the queue, moves to the row showing tag and handle
// and opens its conversation.
func openRow(t *testing.T, p *probe, tm *teatest.TestModel, tag, handle string) {
	t.Helper()
	rows := queueRows(p.waitFor(t, "the queue", func(s string) bool { return len(queueRows(s)) > 5 }))
	i := slices.IndexFunc(rows, func(r row) bool { return r.shows(tag, handle) })
	if i < 0 {
		t.Fatalf("no %s conversation of %s in the queue:\n%s", tag, handle, p.screen())
	}
	tm.Send(key('g'))
	for range i {
		tm.Send(key('j'))
	}
	tm.Send(enter)
}

func key(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

var (
	enter = tea.KeyPressMsg{Code: tea.KeyEnter}
	ctrlS = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	ctrlU = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	esc   = tea.KeyPressMsg{Code: tea.KeyEscape}
)

// convOf finds the conversation of a contact on a network.
func convOf(t *testing.T, st store.Store, net social.Network, handle string) social.Conversation {
	t.Helper()
	var found []social.Conversation
	if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		if c.Network == net && (handle == "" || c.Contact.Handle == handle) {
			found = append(found, c)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatalf("no %s conversation with %q in the store", net, handle)
	}
	return found[0]
}

// The round trip: poll the four fakes, see the conversations side
// by side, answer one per network that can be answered from the keyboard,
// and check what reached each server.
func TestTUIRepliesOnEveryNetwork(t *testing.T) {
	w := newWorld(t)
	n := w.nets
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := w.openApp(t, ctx, app.Options{})
	defer a.Close()
	for _, r := range a.Engine.PollOnce(ctx) {
		if r.Err != nil || len(r.New) == 0 {
			t.Fatalf("poll %s: %d new, err %v", r.Feed, len(r.New), r.Err)
		}
	}

	p, tm := startTUI(t, a)

	// Every network's conversations side by side in one queue (demo off).
	screen := p.waitFor(t, "the queue with all four networks", func(s string) bool {
		tags := map[string]int{}
		for _, tag := range queueTags(s) {
			tags[tag]++
		}
		return tags["MA"] == 3 && tags["BS"] == 3 && tags["X"] == 3 && tags["RS"] == 2
	})
	if strings.Contains(screen, " DE ") || strings.Contains(screen, "demo") {
		t.Errorf("the demo feed is on screen:\n%s", screen)
	}

	done := make(chan struct{})
	go func() { defer close(done); a.Engine.Run(ctx) }() // the delivery worker
	defer func() { cancel(); <-done }()

	isOpen := func(c social.Conversation) func(string) bool {
		return func(s string) bool {
			m := openConv.FindStringSubmatch(s)
			return m != nil && m[1] == c.ID && m[2] == string(c.Network)
		}
	}
	// moveTo puts the cursor on a conversation with the keyboard: back to
	// the queue (esc), to the top (g), then down (j) to its row. Moving
	// opens it. A result arriving meanwhile may reorder the queue under the
	// keys, so it checks and goes again if it missed.
	moveTo := func(tag, handle string, c social.Conversation) {
		t.Helper()
		for try := 0; try < 4; try++ {
			rows := queueRows(p.sync(t, tm))
			i := slices.IndexFunc(rows, func(r row) bool { return r.shows(tag, handle) })
			if i < 0 {
				t.Fatalf("%s %s is not in the queue:\n%s", tag, handle, p.screen())
			}
			tm.Send(esc)
			tm.Send(key('g'))
			for range i {
				tm.Send(key('j'))
			}
			if isOpen(c)(p.sync(t, tm)) {
				return
			}
		}
		t.Fatalf("could not move to conversation #%s:\n%s", c.ID, p.screen())
	}

	// One public reply per network that can answer, typed in the composer.
	targets := []struct {
		net    social.Network
		tag    string
		handle string
		body   string
	}{
		{social.Mastodon, "MA", "@kasia@social.example", "Sprawdzamy!"},
		{social.Bluesky, "BS", "kasia.bsky.social", "@kasia.bsky.social Wysyłka jutro"},
		{social.X, "X", "@maria_lopez_es", "¡Lo sentimos!"},
	}
	sent := map[social.Network]store.OutboxEntry{}
	bodies := map[social.Network]string{}
	for _, tg := range targets {
		c := convOf(t, a.Store, tg.net, tg.handle)
		moveTo(tg.tag, tg.handle, c)
		tm.Send(enter) // open it properly: this fetches the thread
		tm.Send(key('r'))
		if s := p.sync(t, tm); !isOpen(c)(s) || !strings.Contains(s, "ctrl+s send") {
			t.Fatalf("no composer for conversation #%s:\n%s", c.ID, s)
		}
		tm.Type(tg.body)
		tm.Send(ctrlS)
		sent[tg.net] = waitSent(t, a.Store, c.ID, p.screen)
		bodies[tg.net] = tg.body
		// answered, the conversation waits on the customer: out of the inbox
		p.waitFor(t, "conversation #"+c.ID+" to leave the inbox", func(s string) bool {
			return !slices.ContainsFunc(queueRows(s), func(r row) bool { return r.shows(tg.tag, tg.handle) })
		})
	}

	// RSS entries are read-only: r only explains why. (This one is found
	// with the search box.)
	tm.Send(key('/'))
	tm.Send(ctrlU)
	tm.Type("net:rss")
	tm.Send(enter)
	p.waitFor(t, "the queue filtered to RSS", func(s string) bool {
		tags := queueTags(s)
		return len(tags) == 2 && tags[0] == "RS" && tags[1] == "RS"
	})
	tm.Send(enter)
	p.waitFor(t, "an RSS conversation open", func(s string) bool {
		m := openConv.FindStringSubmatch(s)
		return m != nil && m[2] == "rss"
	})
	tm.Send(key('r'))
	if s := p.sync(t, tm); !strings.Contains(s, "Read-only: RSS entries can't be answered from hark") ||
		strings.Contains(s, "ctrl+s send") {
		t.Errorf("r on an RSS entry: want the read-only flash and no composer:\n%s", s)
	}
	tm.Send(key('q'))
	tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second))

	ob, err := a.Store.Outbox(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ob) != 3 {
		t.Fatalf("outbox has %d entries, want 3 (none for RSS): %+v", len(ob), ob)
	}

	// enter fetched each thread from its network
	testkit.Eventually(t, 10*time.Second, "the threads fetched", func() bool {
		ok := func(rs []fakenet.Request, match func(fakenet.Request) bool) bool {
			return slices.ContainsFunc(rs, func(r fakenet.Request) bool { return r.Status == 200 && match(r) })
		}
		return ok(n.Mastodon.Find("GET", "/api/v1/statuses/"+kasiaStatus+"/context"), func(fakenet.Request) bool { return true }) &&
			ok(n.Bluesky.Find("app.bsky.feed.getPostThread"), func(r fakenet.Request) bool { return r.Query.Get("uri") == kasiaPost }) &&
			ok(n.X.Find("GET", "/2/tweets/search/recent"), func(r fakenet.Request) bool {
				return r.Query.Get("query") == "conversation_id:"+mariaConversation
			})
	})

	checkMastodonReply(t, n, sent[social.Mastodon], bodies[social.Mastodon])
	checkBlueskyReply(t, n, sent[social.Bluesky], bodies[social.Bluesky])
	checkXReply(t, n, sent[social.X], bodies[social.X])
}

// The posts answered, from the fixtures.
const (
	kasiaStatus       = "117654091669176322"                                                     // Mastodon: kasia's Polish mention
	kasiaPost         = "at://did:plc:x2n6hy5dlo3ekhaz4c7fqjvr/app.bsky.feed.post/3n2sxakbq622g" // Bluesky: kasia's reply to the brand
	mariaTweet        = "2124068813143711751"                                                    // X: maria's reply to the brand
	mariaConversation = "2123808585940639751"                                                    // X: the brand's post she answered
)

// waitSent waits until the outbox entry of a conversation is sent.
func waitSent(t *testing.T, st store.Store, convID string, screen func() string) store.OutboxEntry {
	t.Helper()
	var ob []store.OutboxEntry
	if !testkit.Poll(10*time.Second, func() bool {
		var err error
		ob, err = st.Outbox(context.Background(), func(e store.OutboxEntry) bool { return e.Reply.ConvID == convID })
		if err != nil {
			t.Fatal(err)
		}
		if len(ob) > 1 {
			t.Fatalf("conversation %s has %d outbox entries, want 1: %+v", convID, len(ob), ob)
		}
		if len(ob) == 1 && ob[0].State == store.OutFailed {
			t.Fatalf("reply to conversation %s failed: %s", convID, ob[0].LastError)
		}
		return len(ob) == 1 && ob[0].State == store.OutSent
	}) {
		t.Fatalf("reply to conversation %s not sent: %+v; the screen is:\n%s", convID, ob, screen())
	}
	return ob[0]
}

// signed is what the operator typed, as sent: the brand's signature
// "^{{.Initials}}" of Jane Doe appended.
func signed(body string) string { return body + " ^JD" }

func checkMastodonReply(t *testing.T, n *fakenet.Nets, ent store.OutboxEntry, body string) {
	t.Helper()
	posts := n.Mastodon.Find("POST", "/api/v1/statuses")
	if len(posts) != 1 {
		t.Fatalf("mastodon got %d POST /api/v1/statuses, want 1", len(posts))
	}
	r := posts[0]
	want := map[string]string{
		"status":         "@kasia " + ent.Reply.Text,
		"in_reply_to_id": kasiaStatus,
		"visibility":     "public",
		"language":       "pl",
	}
	for k, v := range want {
		if got := r.Form.Get(k); got != v {
			t.Errorf("mastodon form %s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("mastodon Content-Type %q", r.Header.Get("Content-Type"))
	}
	if k := r.Header.Get("Idempotency-Key"); k == "" || k != ent.Reply.Key {
		t.Errorf("mastodon Idempotency-Key %q, want the outbox key %q", k, ent.Reply.Key)
	}
	if r.Header.Get("Authorization") != "Bearer "+fakenet.MastodonToken {
		t.Error("mastodon reply not sent with the account's token")
	}
	created := n.Mastodon.Created()
	checkSentAs(t, "mastodon", ent, body, len(created), func(i int) string { return created[i].ID }, created)
}

func checkBlueskyReply(t *testing.T, n *fakenet.Nets, ent store.OutboxEntry, body string) {
	t.Helper()
	reqs := n.Bluesky.Find("com.atproto.repo.createRecord")
	if len(reqs) != 1 {
		t.Fatalf("bluesky got %d createRecord, want 1", len(reqs))
	}
	if msgs := n.Bluesky.Find("chat.bsky.convo.sendMessage"); len(msgs) != 0 {
		t.Errorf("a public reply went out as %d chat messages", len(msgs))
	}
	notif, ok := n.Bluesky.Notification(kasiaPost)
	if !ok {
		t.Fatal("fixture lost kasia's reply")
	}
	root := notif["record"].(map[string]any)["reply"].(map[string]any)["root"].(map[string]any)
	var got struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		Rkey       string `json:"rkey"`
		Record     struct {
			Type      string   `json:"$type"`
			Text      string   `json:"text"`
			CreatedAt string   `json:"createdAt"`
			Langs     []string `json:"langs"`
			Facets    []struct {
				Index struct {
					ByteStart int `json:"byteStart"`
					ByteEnd   int `json:"byteEnd"`
				} `json:"index"`
				Features []struct {
					Type string `json:"$type"`
					DID  string `json:"did"`
				} `json:"features"`
			} `json:"facets"`
			Reply struct {
				Root, Parent struct{ URI, CID string }
			} `json:"reply"`
		} `json:"record"`
	}
	if err := reqs[0].JSON(&got); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"repo", got.Repo, fakenet.BlueskyDID},
		{"collection", got.Collection, "app.bsky.feed.post"},
		{"rkey (the outbox key)", got.Rkey, ent.Reply.Key},
		{"record $type", got.Record.Type, "app.bsky.feed.post"},
		{"record text", got.Record.Text, ent.Reply.Text},
		{"reply.root.uri (the brand's post kasia answered)", got.Record.Reply.Root.URI, root["uri"].(string)},
		{"reply.root.cid", got.Record.Reply.Root.CID, root["cid"].(string)},
		{"reply.parent.uri (kasia's post)", got.Record.Reply.Parent.URI, kasiaPost},
		{"reply.parent.cid", got.Record.Reply.Parent.CID, notif["cid"].(string)},
		{"langs", strings.Join(got.Record.Langs, ","), "pl"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("bluesky createRecord %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	// the @mention typed in the reply is a facet with kasia's DID (resolveHandle)
	if f := got.Record.Facets; len(f) != 1 || f[0].Index.ByteStart != 0 || f[0].Index.ByteEnd != len("@kasia.bsky.social") ||
		len(f[0].Features) != 1 || f[0].Features[0].Type != "app.bsky.richtext.facet#mention" ||
		f[0].Features[0].DID != "did:plc:x2n6hy5dlo3ekhaz4c7fqjvr" {
		t.Errorf("bluesky facets %+v, want one mention of kasia", f)
	}
	if len(got.Rkey) != 13 {
		t.Errorf("bluesky rkey %q is not a TID", got.Rkey)
	}
	if _, err := time.Parse(time.RFC3339, got.Record.CreatedAt); err != nil {
		t.Errorf("bluesky createdAt %q: %v", got.Record.CreatedAt, err)
	}
	recs := n.Bluesky.Records()
	checkSentAs(t, "bluesky", ent, body, len(recs), func(i int) string { return recs[i].URI }, recs)
}

func checkXReply(t *testing.T, n *fakenet.Nets, ent store.OutboxEntry, body string) {
	t.Helper()
	reqs := n.X.Find("POST", "/2/tweets")
	if len(reqs) != 1 {
		t.Fatalf("x got %d POST /2/tweets, want 1", len(reqs))
	}
	if dms := n.X.DMs(); len(dms) != 0 {
		t.Errorf("a public reply went out as %d DMs", len(dms))
	}
	r := reqs[0]
	var sentBody map[string]any
	if err := json.Unmarshal(r.Body, &sentBody); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text":  ent.Reply.Text,
		"reply": map[string]any{"in_reply_to_tweet_id": mariaTweet},
	}
	if got, wantJSON := mustJSON(sentBody), mustJSON(want); got != wantJSON {
		t.Errorf("x POST /2/tweets body = %s, want %s", got, wantJSON)
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "OAuth ") || !strings.Contains(a, "oauth_signature=") {
		t.Errorf("x reply not signed with OAuth 1.0a: %q", a)
	}
	created := n.X.Created()
	checkSentAs(t, "x", ent, body, len(created), func(i int) string { return created[i].ID }, created)
}

// checkSentAs checks that ent's reply is the signed body and that the
// outbox recorded it under the id of the one post the network made (n
// posts, id(i) the id of the i-th; made is printed on a mismatch).
func checkSentAs(t *testing.T, net string, ent store.OutboxEntry, body string, n int, id func(int) string, made any) {
	t.Helper()
	if ent.Reply.Text != signed(body) {
		t.Errorf("%s reply text %q", net, ent.Reply.Text)
	}
	if n != 1 || ent.Sent.RemoteID != id(0) {
		t.Errorf("%s: outbox says sent as %q, the server made %+v", net, ent.Sent.RemoteID, made)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
