package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

var ctx = context.Background()

func ids(ps []social.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.RemoteID
	}
	return out
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFirstPoll(t *testing.T) {
	f, c := withMentions(t)
	if c.ID() != "mastodon:acme" {
		t.Errorf("ID = %q", c.ID())
	}
	b := mustPoll(t, c, "")
	if b.Cursor != "58213407" || b.More {
		t.Errorf("cursor %q more %v, want 58213407 false", b.Cursor, b.More)
	}
	reqs := f.Find("GET", "/api/v1/notifications")
	if len(reqs) != 1 {
		t.Fatalf("%d notification requests, want 1", len(reqs))
	}
	q := reqs[0].Query
	if q.Get("limit") != "40" || q.Get("min_id") != "" || !reflect.DeepEqual(q["types[]"], []string{"mention", "update"}) {
		t.Errorf("query %v", q)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization %q", got)
	}

	// post is a public mention of the fixtures as the adapter maps it.
	post := func(id, url string, author social.Author, text, lang, at, acct string) social.Post {
		return social.Post{Network: social.Mastodon, Account: "acme", Brand: "Acme Coffee", RemoteID: id, URL: url,
			Author: author, Text: text, Lang: lang, CreatedAt: mustTime(at), Kind: social.KindMention,
			Meta: map[string]string{MetaAcct: acct, MetaVisibility: "public"}}
	}
	maria := post("117653664138002437", "https://tooters.example/@maria/117653664138002437",
		social.Author{ID: "109292588957696003", Handle: "@maria@tooters.example", DisplayName: "María López",
			Followers: 1843, URL: "https://tooters.example/@maria"},
		"@acmecoffee hola, mi pedido #4821 llegó con el molinillo roto 😞 ¿me podéis ayudar?",
		"es", "2026-11-21T09:14:03.000Z", "maria@tooters.example")
	maria.ReplyTo, maria.ThreadRoot = "117649598054400001", "117649598054400001"
	kasia := post("117654091669176322", "https://social.example/@kasia/117654091669176322",
		social.Author{ID: "112064614367232009", Handle: "@kasia@social.example", DisplayName: "Kasia Nowak",
			Followers: 97, URL: "https://social.example/@kasia"},
		"@acmecoffee Zamówiłam ekspres 3 dni temu i nadal nic. Kiedy wysyłka? https://shop.acme.example/orders/4822?ref=masto\n\n#AcmeCoffee",
		"pl", "2026-11-21T11:02:47.120Z", "kasia")
	tomas := post("117658922451206158", "https://mstdn.example/@tomas/117658922451206158",
		social.Author{ID: "110757622579200021", Handle: "@tomas@mstdn.example", DisplayName: "Tomás Kask",
			Followers: 412, URL: "https://mstdn.example/@tomas"},
		"@acmecoffee Hi! I was charged twice for order 4823. Can you check privately? Card ends 0417.",
		"en", "2026-11-22T07:31:19.000Z", "tomas@mstdn.example")
	tomas.Kind, tomas.Direct, tomas.Meta[MetaVisibility] = social.KindDM, true, "direct"
	want := []social.Post{maria, kasia, tomas}
	if len(b.Posts) != len(want) {
		t.Fatalf("got %d posts %v, want %d", len(b.Posts), ids(b.Posts), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(b.Posts[i], want[i]) {
			t.Errorf("post %d:\n got %+v\nwant %+v", i, b.Posts[i], want[i])
		}
	}
	// the instance limits were read on the way
	if n, limit := c.Count("hi", false); n != 2 || limit != 500 {
		t.Errorf("Count = %d/%d", n, limit)
	}
	if rs := c.Rate(); !rs.Known || rs.Limit != 300 || rs.Remaining != 297 || !rs.Reset.Equal(mustTime("2026-11-22T08:10:00Z")) {
		t.Errorf("Rate = %+v", rs)
	}
}

func TestIncrementalPoll(t *testing.T) {
	f, c := withMentions(t)
	b := mustPoll(t, c, "58213371")
	if got, want := ids(b.Posts), []string{"117654091669176322", "117658922451206158"}; !reflect.DeepEqual(got, want) {
		t.Errorf("posts %v, want %v (oldest first)", got, want)
	}
	// a page a poll: More until a poll finds an empty page
	if b.Cursor != "58213407" || !b.More {
		t.Errorf("cursor %q more %v", b.Cursor, b.More)
	}
	if b, err := c.Poll(ctx, b.Cursor); err != nil || len(b.Posts) != 0 || b.More || b.Cursor != "58213407" {
		t.Errorf("second poll: %d posts, cursor %q, more %v, %v", len(b.Posts), b.Cursor, b.More, err)
	}
	reqs := f.Find("GET", "/api/v1/notifications")
	var mins []string
	for _, r := range reqs {
		mins = append(mins, r.Query.Get("min_id"))
		if r.Query.Get("limit") != "40" {
			t.Errorf("limit %q", r.Query.Get("limit"))
		}
	}
	if want := []string{"58213371", "58213407"}; !reflect.DeepEqual(mins, want) {
		t.Errorf("min_id sequence %v, want %v (catch up until an empty page)", mins, want)
	}
}

// The fake's forward page must be the README's notifications_mentions_min_id.json.
func TestFakeMatchesMinIDFixture(t *testing.T) {
	_, c := withMentions(t)
	want, err := c.api.decodeNotifications(fixture(t, "notifications_mentions_min_id.json"))
	if err != nil {
		t.Fatal(err)
	}
	b := mustPoll(t, c, "58213371")
	reverse(want.posts)
	if len(want.posts) != 2 || !reflect.DeepEqual(b.Posts, want.posts) {
		t.Fatalf("fake min_id page %v, fixture %v", ids(b.Posts), ids(want.posts))
	}
}

func TestEmptyPageKeepsCursor(t *testing.T) {
	f, c := withMentions(t)
	b := mustPoll(t, c, "58213407")
	if len(b.Posts) != 0 || b.Cursor != "58213407" || b.More {
		t.Errorf("got %d posts, cursor %q, more %v", len(b.Posts), b.Cursor, b.More)
	}
	if n := len(f.Find("GET", "/api/v1/notifications")); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// a first poll on an empty account leaves the cursor empty
	f2 := newFake(t)
	f2.Handle("GET /api/v1/notifications", fakenet.JSONReply(200, fixture(t, "notifications_empty.json")))
	b, err := New(options(f2)).Poll(ctx, "")
	if err != nil || len(b.Posts) != 0 || b.Cursor != "" {
		t.Errorf("empty first poll: %+v %v", b, err)
	}
}

func TestMultiPageCatchUp(t *testing.T) {
	f := newFake(t)
	f.LoadNotifications("notifications_mentions.json")
	f.AddMentions(95, 58213408) // 58213408 … 58213502
	c := New(options(f))
	// a page a poll, each returned (and stored) as it comes, until the
	// server has no more
	b := social.Batch{Cursor: "58213407", More: true}
	var all []social.Post
	polls := 0
	for b.More {
		var err error
		if b, err = c.Poll(ctx, b.Cursor); err != nil {
			t.Fatal(err)
		}
		if len(b.Posts) > 40 {
			t.Fatalf("one poll returned %d posts: more than a page", len(b.Posts))
		}
		all = append(all, b.Posts...)
		polls++
	}
	if len(all) != 95 || b.Cursor != "58213502" || polls != 4 {
		t.Fatalf("got %d posts in %d polls, cursor %q; want 95 in 4, 58213502", len(all), polls, b.Cursor)
	}
	b.Posts = all
	for i, p := range b.Posts {
		if want := strconv.Itoa(117660000000000000 + i); p.RemoteID != want {
			t.Fatalf("post %d is %s, want %s (oldest first, none missed)", i, p.RemoteID, want)
		}
	}
	var mins []string
	for _, r := range f.Find("GET", "/api/v1/notifications") {
		mins = append(mins, r.Query.Get("min_id"))
	}
	if want := []string{"58213407", "58213447", "58213487", "58213502"}; !reflect.DeepEqual(mins, want) {
		t.Errorf("min_id sequence %v, want %v", mins, want)
	}
}

func TestCatchUpStopsWithMore(t *testing.T) {
	f := newFake(t)
	f.AddMentions(450, 1000)
	c := New(options(f))
	b := mustPoll(t, c, "999")
	// one page a poll: stored and committed before the next is read
	if len(b.Posts) != 40 || !b.More || b.Cursor != "1039" {
		t.Fatalf("got %d posts, more %v, cursor %q; want one page, more, 1039", len(b.Posts), b.More, b.Cursor)
	}
	total := len(b.Posts)
	for b.More {
		b = mustPoll(t, c, b.Cursor)
		total += len(b.Posts)
	}
	if total != 450 || b.Cursor != "1449" {
		t.Fatalf("caught up %d posts to %q, want 450 to 1449", total, b.Cursor)
	}
}

func TestCatchUpPartialFailure(t *testing.T) {
	f := newFake(t)
	f.AddMentions(60, 1000)
	f.FailNth("GET /api/v1/notifications", 2, fakenet.Reply{Status: 502, Type: "text/html", Body: fixture(t, "error_502_proxy.html")})
	c := New(options(f))
	b := mustPoll(t, c, "999")
	if len(b.Posts) != 40 || !b.More || b.Cursor != "1039" {
		t.Fatalf("got %d posts, more %v, cursor %q; want the first page, more, 1039", len(b.Posts), b.More, b.Cursor)
	}
}

// pollAgainEmpty polls src a second time from cursor: nothing new, the
// cursor kept, and the second GET of path sent the cursor as min_id.
func pollAgainEmpty(t *testing.T, f *fakenet.MastodonScript, src social.Source, path, cursor string) {
	t.Helper()
	b, err := src.Poll(ctx, cursor)
	if err != nil || len(b.Posts) != 0 || b.Cursor != cursor {
		t.Fatalf("second poll %+v %v", b, err)
	}
	if got := f.Find("GET", path)[1].Query.Get("min_id"); got != cursor {
		t.Errorf("min_id %q, want %q", got, cursor)
	}
}

func TestGoToSocialNotifications(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v2/instance", fakenet.JSONReply(200, fixture(t, "gotosocial_instance_v2.json")))
	f.LoadNotifications("gotosocial_notifications_mentions.json")
	c := New(options(f))
	b := mustPoll(t, c, "")
	if b.Cursor != "01M7Z5662869E9G7R0KGREWWSR" || len(b.Posts) != 1 {
		t.Fatalf("cursor %q, %d posts", b.Cursor, len(b.Posts))
	}
	p := b.Posts[0]
	if p.RemoteID != "01M7Z565301V5P412Q3PD8AJB8" || p.Author.Handle != "@lena@tooters.example" || p.Lang != "de" ||
		p.Text != "@acmecoffee Wo bleibt meine Bestellung 4830? Schon eine Woche her." || p.Kind != social.KindMention ||
		p.URL != "https://tooters.example/@lena/statuses/01M7Z565301V5P412Q3PD8AJB8" || p.Author.Followers != 64 {
		t.Errorf("post %+v", p)
	}
	pollAgainEmpty(t, f, c, "/api/v1/notifications", b.Cursor)
	// GoToSocial counts code points with the URL in full (its
	// validateStatusContent: len([]rune(status))), whatever
	// characters_reserved_per_url (25) says.
	if n, limit := c.Count(strings.Repeat("a", 10)+" https://example.com/x", false); n != 11+21 || limit != 5000 {
		t.Errorf("GtS Count = %d/%d, want 32/5000", n, limit)
	}

	// a local GoToSocial account gets the server's domain
	f2 := newFake(t)
	f2.LoadNotifications("gotosocial/notifications_mention_alice.json")
	b, err := New(options(f2)).Poll(ctx, "")
	if err != nil || len(b.Posts) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	if p := b.Posts[0]; p.Author.Handle != "@bob@localhost" || p.Meta[MetaAcct] != "bob" || p.Text != "@alice hello from bob, ping!" {
		t.Errorf("post %+v", p)
	}
}

func TestNonMentionNotificationsSkipped(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v1/notifications", fakenet.JSONReply(200, []byte(`[
		{"id":"9","type":"favourite","account":{"id":"1","acct":"x"},"status":{"id":"5","content":"<p>x</p>"}},
		"not an object",
		{"id":"8","type":"mention","status":null},
		{"id":"7","type":"mention","status":{"id":"4","content":"<p>hello</p>","visibility":"public","account":{"id":"2","acct":"y@z.example","followers_count":"12"}}}
	]`)))
	b, err := New(options(f)).Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.Cursor != "9" || len(b.Posts) != 1 || b.Posts[0].RemoteID != "4" || b.Posts[0].Author.Followers != 12 {
		t.Fatalf("%+v", b)
	}
}

func TestThread(t *testing.T) {
	f := newFake(t)
	f.LoadNotifications("notifications_mentions.json")
	f.Handle("GET /api/v1/statuses/117653664138002437/context", fakenet.JSONReply(200, fixture(t, "status_context.json")))
	f.Handle("GET /api/v1/statuses/117653664138002437", fakenet.JSONReply(200, statusOf(t, "notifications_mentions.json", "117653664138002437")))
	c := New(options(f))
	b := mustPoll(t, c, "")
	maria := b.Posts[0]
	th, err := c.Thread(ctx, maria)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(th), []string{"117649598054400001", "117653664138002437", "117653688221696008"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("thread %v, want %v", got, want)
	}
	root, mid, desc := th[0], th[1], th[2]
	if root.Kind != social.KindOwn || root.ThreadRoot != "" || root.Author.Handle != "@acmecoffee@social.example" ||
		root.Text != "Our winter blend is back! Free grinder with every 1 kg order until Sunday. ❄️ #AcmeCoffee" {
		t.Errorf("root %+v", root)
	}
	if mid.Kind != social.KindMention || mid.ThreadRoot != "117649598054400001" || mid.ReplyTo != "117649598054400001" {
		t.Errorf("post %+v", mid)
	}
	if desc.Kind != social.KindReply || desc.ThreadRoot != "117649598054400001" || desc.ReplyTo != "117653664138002437" ||
		desc.Text != "@maria @acmecoffee same here, mine came cracked too" || desc.Author.Handle != "@jonas@social.example" {
		t.Errorf("descendant %+v", desc)
	}

	// 404 for a private or deleted status is permanent, with the server's message
	_, err = c.Thread(ctx, social.Post{RemoteID: "1"})
	var se *social.Error
	if !errors.As(err, &se) || se.Kind != social.Permanent || se.Status != 404 || se.Msg != "Record not found" {
		t.Fatalf("404: %v", err)
	}
}

// statusOf is the status with this id out of a notifications fixture.
func statusOf(t *testing.T, name, id string) []byte {
	t.Helper()
	var ns []struct {
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(fixture(t, name), &ns); err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		var st struct{ ID string }
		if json.Unmarshal(n.Status, &st) == nil && st.ID == id {
			return n.Status
		}
	}
	t.Fatalf("%s holds no status %s", name, id)
	return nil
}

// A thread fetch reads the post itself: an edit (GoToSocial sends no
// update notification to the accounts mentioned: only the status shows
// it) replaces the text and sets EditedAt; a deleted post is a 404 that
// wraps social.ErrGone. Both answers recorded from GoToSocial 0.19.2.
func TestThreadSeesEditsAndDeletions(t *testing.T) {
	f := newFake(t)
	const id = "01M96NBHPPJNW4MRX1TWM7F7A4"
	f.Handle("GET /api/v1/statuses/"+id, fakenet.JSONReply(200, fixture(t, "gotosocial/live_status_edited.json")))
	f.Handle("GET /api/v1/statuses/"+id+"/context", fakenet.JSONReply(200, []byte(`{"ancestors":[],"descendants":[]}`)))
	c := New(options(f))
	old := social.Post{RemoteID: id, Kind: social.KindMention, Text: "@alice my order A900 is late"}
	th, err := c.Thread(ctx, old)
	if err != nil || len(th) != 1 {
		t.Fatalf("thread %+v %v", th, err)
	}
	if th[0].Text != "@alice my order A901 is late" || th[0].EditedAt.IsZero() || th[0].Kind != social.KindMention {
		t.Errorf("edited post as fetched: %+v", th[0])
	}
	f.Handle("GET /api/v1/statuses/"+id, fakenet.JSONReply(404, fixture(t, "gotosocial/live_error_404_status_deleted.json")))
	if _, err := c.Thread(ctx, old); !social.Gone(err) || social.KindOf(err) != social.Permanent {
		t.Errorf("thread of a deleted post: %v, want a permanent error wrapping ErrGone", err)
	}
}

func TestSendPublicReply(t *testing.T) {
	f, c := withMentions(t)
	b := mustPoll(t, c, "")
	maria := b.Posts[0]
	text := "¡Lo sentimos mucho, María! Te enviamos hoy un molinillo nuevo sin coste. ^JL"
	f.OnPost(func(form url.Values, hdr http.Header) fakenet.Reply {
		want := url.Values{
			"status":         {"@maria@tooters.example " + text},
			"in_reply_to_id": {"117653664138002437"},
			"visibility":     {"public"},
			"language":       {"es"},
		}
		if !reflect.DeepEqual(form, want) {
			t.Errorf("form\n got %v\nwant %v", form, want)
		}
		if got := hdr.Get("Idempotency-Key"); got != "0b5a7c9e-1111-4c1e-9b7a-2f9d3f2b6c01" {
			t.Errorf("Idempotency-Key %q", got)
		}
		if got := hdr.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		return fakenet.JSONReply(200, fixture(t, "status_create.json"))
	})
	r := social.Reply{ID: "out-1", Key: "0b5a7c9e-1111-4c1e-9b7a-2f9d3f2b6c01", To: maria, Text: text}
	sent, err := c.Send(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	want := social.Sent{RemoteID: "117659055733669889", URL: "https://social.example/@acmecoffee/117659055733669889"}
	if sent != want {
		t.Errorf("sent %+v, want %+v", sent, want)
	}
	// a resend with the same key is answered with the same status (Mastodon)
	again, err := c.Send(ctx, r)
	if err != nil || again != want || f.Creates() != 1 {
		t.Errorf("resend: %+v %v, creates %d", again, err, f.Creates())
	}
}

func TestSendDirectReply(t *testing.T) {
	f, c := withMentions(t)
	b := mustPoll(t, c, "")
	tomas := b.Posts[2]
	if !tomas.Direct {
		t.Fatal("fixture DM not direct")
	}
	f.OnPost(func(form url.Values, hdr http.Header) fakenet.Reply {
		if !strings.HasPrefix(form.Get("status"), "@tomas@mstdn.example ") {
			t.Errorf("direct reply text %q does not address the recipient", form.Get("status"))
		}
		if form.Get("visibility") != "direct" || form.Get("in_reply_to_id") != "117658922451206158" || form.Get("language") != "en" {
			t.Errorf("form %v", form)
		}
		if hdr.Get("Idempotency-Key") != "out-2" {
			t.Errorf("Idempotency-Key %q (want the outbox id when Key is empty)", hdr.Get("Idempotency-Key"))
		}
		return fakenet.JSONReply(200, fixture(t, "status_create_direct.json"))
	})
	sent, err := c.Send(ctx, social.Reply{ID: "out-2", To: tomas, Direct: true,
		Text: "Thanks Tomás, we found the duplicate charge and refunded it; you will see it in 3–5 days. ^JL"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.RemoteID != "117659065391579137" || sent.URL != "https://social.example/@acmecoffee/117659065391579137" {
		t.Errorf("sent %+v", sent)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name   string
		rp     fakenet.Reply
		kind   social.ErrorKind
		status int
		msg    string
	}{
		{"422 too long", fakenet.JSONReply(422, fixture(t, "error_422_too_long.json")), social.Permanent, 422,
			"Validation failed: Text character limit of 500 exceeded"},
		{"GoToSocial 400 too long", fakenet.JSONReply(400, fixture(t, "gotosocial_error_400_too_long.json")), social.Permanent, 400,
			"Bad Request: status too long, 5012 characters provided (including spoiler/content warning) but limit is 5000"},
		{"403 scope", fakenet.JSONReply(403, fixture(t, "error_403_scope.json")), social.Permanent, 403,
			"This action is outside the authorized scopes"},
		{"200 without id", fakenet.JSONReply(200, []byte(`{"content":"<p>x</p>"}`)), social.Transient, 200, "response has no status id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.OnPost(func(url.Values, http.Header) fakenet.Reply { return tt.rp })
			_, err := New(options(f)).Send(ctx, social.Reply{ID: "k", Text: "hello",
				To: social.Post{RemoteID: "1", Author: social.Author{Handle: "@a@b.example"}}})
			var se *social.Error
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Status != tt.status || se.Msg != tt.msg {
				t.Fatalf("got %#v (%v)", se, err)
			}
		})
	}
}

func TestReplyText(t *testing.T) {
	remote := social.Post{Author: social.Author{Handle: "@maria@tooters.example"}, Meta: map[string]string{MetaAcct: "maria@tooters.example"}}
	local := social.Post{Author: social.Author{Handle: "@kasia@social.example"}, Meta: map[string]string{MetaAcct: "kasia"}}
	noMeta := social.Post{Author: social.Author{Handle: "@lena@tooters.example"}}
	tests := []struct {
		to         social.Post
		text, want string
	}{
		{remote, "Hola", "@maria@tooters.example Hola"},
		{remote, "  Hola", "@maria@tooters.example Hola"},
		{remote, "Hola @maria@tooters.example!", "Hola @maria@tooters.example!"},
		{remote, "Hola @Maria@Tooters.Example", "Hola @Maria@Tooters.Example"},
		{remote, "Hola @maria", "@maria@tooters.example Hola @maria"}, // @maria alone is a local account
		{remote, "mail maria@tooters.example", "@maria@tooters.example mail maria@tooters.example"},
		{local, "Cześć", "@kasia Cześć"},
		{local, "@kasia Cześć", "@kasia Cześć"},
		{local, "@kasia@social.example Cześć", "@kasia@social.example Cześć"},
		{local, "@kasia@other.example hi", "@kasia @kasia@other.example hi"},
		{noMeta, "Hallo", "@lena@tooters.example Hallo"},
		{social.Post{}, "no author", "no author"},
		// a hostile server's acct is not put in front of the text
		{social.Post{Meta: map[string]string{MetaAcct: "ev\x1b]0;pwned\x07il@x.example"}}, "Hi", "Hi"},
		{social.Post{Meta: map[string]string{MetaAcct: "two words"}}, "Hi", "Hi"},
		{social.Post{Meta: map[string]string{MetaAcct: "a@b@c"}}, "Hi", "Hi"},
		{social.Post{Meta: map[string]string{MetaAcct: "jürgen_k.m-1@bücher.example"}}, "Hallo", "@jürgen_k.m-1@bücher.example Hallo"},
		{social.Post{Meta: map[string]string{MetaAcct: "bob@127.0.0.1:8080"}}, "Hi", "@bob@127.0.0.1:8080 Hi"},
		{social.Post{Meta: map[string]string{MetaAcct: "bo:b@x.example"}}, "Hi", "Hi"},
	}
	for _, tt := range tests {
		if got := ReplyText(social.Reply{To: tt.to, Text: tt.text}); got != tt.want {
			t.Errorf("ReplyText(%q → %s) = %q, want %q", tt.text, tt.to.Author.Handle, got, tt.want)
		}
	}
}

func TestConfirm(t *testing.T) {
	ctxJSON := string(fixture(t, "status_context.json"))
	// the same context after hark's reply landed: status_create.json among the descendants
	i := strings.LastIndex(ctxJSON, "]")
	withReply := ctxJSON[:i] + "," + string(fixture(t, "status_create.json")) + ctxJSON[i:]

	maria := social.Post{RemoteID: "117653664138002437", Author: social.Author{Handle: "@maria@tooters.example"},
		Meta: map[string]string{MetaAcct: "maria@tooters.example"}}
	text := "¡Lo sentimos mucho, María!  Te enviamos hoy un molinillo nuevo sin coste. ^JL"
	tests := []struct {
		name  string
		body  string
		text  string
		found bool
	}{
		{"reply present", withReply, text, true},
		{"no reply yet", ctxJSON, text, false},
		{"own reply with other text", withReply, "Something else entirely", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.Handle("GET /api/v1/statuses/117653664138002437/context", fakenet.JSONReply(200, []byte(tt.body)))
			c := New(options(f))
			sent, found, err := c.Confirm(ctx, social.Reply{ID: "o", To: maria, Text: tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.found {
				t.Fatalf("found %v, want %v", found, tt.found)
			}
			if found && (sent.RemoteID != "117659055733669889" || sent.URL != "https://social.example/@acmecoffee/117659055733669889") {
				t.Errorf("sent %+v", sent)
			}
			if !found && sent != (social.Sent{}) {
				t.Errorf("sent %+v with found=false", sent)
			}
		})
	}
}

func TestConfirmGoToSocial(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v1/accounts/verify_credentials", fakenet.JSONReply(200, fixture(t, "gotosocial/verify_credentials_alice.json")))
	f.Handle("GET /api/v1/statuses/01M81J4M1FBC40SECMGZ23GHHP/context", fakenet.JSONReply(200, fixture(t, "gotosocial/context_bob_status.json")))
	f.LoadNotifications("gotosocial/notifications_mention_alice.json")
	c := New(options(f))
	b, err := c.Poll(ctx, "")
	if err != nil || len(b.Posts) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	bob := b.Posts[0]
	sent, found, err := c.Confirm(ctx, social.Reply{ID: "o1", To: bob, Text: "hi bob, got it (reply without explicit mention below is separate)"})
	if err != nil || !found || sent.RemoteID != "01M81J4VK7RD8RR9KPJPCF7EWJ" ||
		sent.URL != "http://localhost:8080/@alice/statuses/01M81J4VK7RD8RR9KPJPCF7EWJ" {
		t.Fatalf("confirm: %+v %v %v", sent, found, err)
	}
	_, found, err = c.Confirm(ctx, social.Reply{ID: "o2", To: bob, Text: "a reply that never arrived"})
	if err != nil || found {
		t.Fatalf("confirm absent: %v %v", found, err)
	}
	if n := len(f.Find("GET", "/api/v1/accounts/verify_credentials")); n != 1 {
		t.Errorf("verify_credentials fetched %d times, want 1 (cached)", n)
	}
	// the target is gone: the server's 404 message comes back
	f.Handle("GET /api/v1/statuses/01M81J4M1FBC40SECMGZ23GHHP/context", fakenet.JSONReply(404, fixture(t, "gotosocial/error_404_reply_target.json")))
	_, _, err = c.Confirm(ctx, social.Reply{ID: "o3", To: bob, Text: "x"})
	var se *social.Error
	if !errors.As(err, &se) || se.Kind != social.Permanent || se.Msg != "Not Found: target status not found" {
		t.Fatalf("404: %v", err)
	}
}

func TestVerify(t *testing.T) {
	f := newFake(t)
	c := New(options(f))
	a, err := c.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := social.Author{ID: "109862505676800011", Handle: "@acmecoffee@social.example", DisplayName: "Acme Coffee ☕",
		Followers: 12873, URL: "https://social.example/@acmecoffee"}
	if a != want {
		t.Errorf("got %+v, want %+v", a, want)
	}
	if l, err := c.Limits(ctx); err != nil || l != (Limits{500, 23, false}) {
		t.Errorf("limits %+v %v", l, err)
	}
	if n := len(f.Find("GET", "/api/v2/instance")); n != 1 {
		t.Errorf("instance fetched %d times, want 1 (cached)", n)
	}
}

func TestErrors(t *testing.T) {
	big := strings.Repeat(string(fixture(t, "notifications_mentions.json")), 1)
	tests := []struct {
		name   string
		rp     fakenet.Reply
		token  string
		client *web.Client
		kind   social.ErrorKind
		status int
		msg    string
		until  time.Time
		tooBig bool
	}{
		{name: "401 bad token", token: "wrong-token-xyz", kind: social.Auth, status: 401, msg: "The access token is invalid"},
		{name: "429 with ISO reset", rp: fakenet.Reply{Status: 429, Type: "application/json", Body: fixture(t, "error_429.json"),
			Header: map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-11-22T08:15:00.000000Z"}},
			kind: social.RateLimited, status: 429, msg: "Too many requests", until: mustTime("2026-11-22T08:15:00Z")},
		{name: "429 with Retry-After", rp: fakenet.Reply{Status: 429, Type: "application/json", Body: fixture(t, "error_429.json"),
			Header: map[string]string{"Retry-After": "30", "X-RateLimit-Reset": "2026-11-22T08:15:00.000000Z"}},
			kind: social.RateLimited, status: 429, msg: "Too many requests", until: testNow.Add(30 * time.Second)},
		{name: "500 JSON", rp: fakenet.JSONReply(500, []byte(`{"error":"Something went wrong"}`)), kind: social.Transient, status: 500, msg: "Something went wrong"},
		{name: "503 empty", rp: fakenet.Reply{Status: 503}, kind: social.Transient, status: 503, msg: "Service Unavailable"},
		{name: "nginx 502 HTML", rp: fakenet.Reply{Status: 502, Type: "text/html", Body: fixture(t, "error_502_proxy.html")},
			kind: social.Transient, status: 502, msg: "Bad Gateway"},
		{name: "404 HTML page", rp: fakenet.Reply{Status: 404, Type: "text/html; charset=utf-8", Body: []byte("<html>not here</html>")},
			kind: social.Transient, status: 404, msg: "Not Found (non-JSON \"text/html\" body)"},
		{name: "200 HTML", rp: fakenet.Reply{Status: 200, Type: "text/html", Body: fixture(t, "error_502_proxy.html")},
			kind: social.Transient, status: 200, msg: "expected JSON, got \"text/html\""},
		{name: "malformed JSON", rp: fakenet.JSONReply(200, []byte(`[{"id":"1","type":"mention","status":{"id":`)),
			kind: social.Transient, status: 200, msg: "malformed JSON in response"},
		{name: "JSON object instead of array", rp: fakenet.JSONReply(200, []byte(`{"error":"odd"}`)),
			kind: social.Transient, status: 200, msg: "malformed JSON in response"},
		{name: "oversized body", rp: fakenet.JSONReply(200, []byte(big)), client: &web.Client{MaxBody: 4096},
			kind: social.Transient, status: 200, msg: "response over 4096 bytes", tooBig: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.rp.Status != 0 {
				f.Handle("GET /api/v1/notifications", tt.rp)
			}
			o := options(f)
			if tt.token != "" {
				o.Token = tt.token
			}
			if tt.client != nil {
				o.Client = tt.client
			}
			_, err := New(o).Poll(ctx, "")
			var se *social.Error
			if !errors.As(err, &se) {
				t.Fatalf("not a *social.Error: %v", err)
			}
			if se.Kind != tt.kind || se.Status != tt.status || se.Msg != tt.msg {
				t.Errorf("got kind %v status %d msg %q, want %v %d %q", se.Kind, se.Status, se.Msg, tt.kind, tt.status, tt.msg)
			}
			if !se.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", se.Until, tt.until)
			}
			if at, ok := social.RetryAt(err); ok != !tt.until.IsZero() || !at.Equal(tt.until) {
				t.Errorf("RetryAt = %v %v", at, ok)
			}
			if tt.tooBig != errors.Is(err, web.ErrTooLarge) {
				t.Errorf("ErrTooLarge: %v", err)
			}
			if !strings.Contains(err.Error(), "/api/v1/notifications") {
				t.Errorf("error lacks context: %v", err)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "wrong-token-xyz") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestRateAfter429(t *testing.T) {
	f := newFake(t)
	f.NoRateHeaders()
	f.Handle("GET /api/v1/notifications", fakenet.Reply{Status: 429, Type: "application/json", Body: fixture(t, "error_429.json"),
		Header: map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-11-22T08:15:00.000000Z"}})
	c := New(options(f))
	if rs := c.Rate(); rs.Known {
		t.Fatalf("rate known before any request: %+v", rs)
	}
	_, _ = c.Poll(ctx, "")
	rs := c.Rate()
	if !rs.Known || rs.Limit != 300 || rs.Remaining != 0 || !rs.Reset.Equal(mustTime("2026-11-22T08:15:00Z")) {
		t.Errorf("rate %+v", rs)
	}
}

// searchFirstPoll makes the search for query, checks its feed id and polls
// it once from no cursor.
func searchFirstPoll(t *testing.T, f *fakenet.MastodonScript, query string) (*Search, social.Batch) {
	t.Helper()
	s := NewSearch(options(f), query)
	if s.ID() != "mastodon:acme:search:"+query {
		t.Errorf("ID %q", s.ID())
	}
	b, err := s.Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func TestTagSearch(t *testing.T) {
	f := newFake(t)
	var sts []json.RawMessage
	if err := json.Unmarshal(fixture(t, "timeline_tag.json"), &sts); err != nil {
		t.Fatal(err)
	}
	f.SetTag(sts)
	s, b := searchFirstPoll(t, f, "#AcmeCoffee")
	if got, want := ids(b.Posts), []string{"117654091669176322", "117655181721600004"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("posts %v, want %v", got, want)
	}
	if b.Cursor != "117655181721600004" {
		t.Errorf("cursor %q", b.Cursor)
	}
	for _, p := range b.Posts {
		if p.Kind != social.KindSearch {
			t.Errorf("kind %v", p.Kind)
		}
	}
	if b.Posts[1].Text != "Best flat white in town, honestly. #AcmeCoffee #coffee" || b.Posts[1].Author.Handle != "@jonas@social.example" {
		t.Errorf("post %+v", b.Posts[1])
	}
	b, err := s.Poll(ctx, b.Cursor)
	if err != nil || len(b.Posts) != 0 || b.Cursor != "117655181721600004" {
		t.Fatalf("second poll %+v %v", b, err)
	}
	reqs := f.Find("GET", "/api/v1/timelines/tag/AcmeCoffee")
	if len(reqs) != 2 || reqs[0].Query.Get("limit") != "20" || reqs[0].Query.Get("min_id") != "" ||
		reqs[1].Query.Get("min_id") != "117655181721600004" || reqs[1].Header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("requests %+v", reqs)
	}
}

func TestFullTextSearch(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v2/search", fakenet.JSONReply(200, fixture(t, "search_v2_statuses.json")))
	s, b := searchFirstPoll(t, f, "ekspres")
	if len(b.Posts) != 1 || b.Posts[0].RemoteID != "117654091669176322" || b.Posts[0].Kind != social.KindSearch ||
		b.Cursor != "117654091669176322" {
		t.Fatalf("%+v", b)
	}
	q := f.Find("GET", "/api/v2/search")[0].Query
	if q.Get("q") != "ekspres" || q.Get("type") != "statuses" || q.Get("limit") != "20" || q.Get("min_id") != "" {
		t.Errorf("query %v", q)
	}
	// the server ignores min_id and answers the same hit: filtered out, cursor kept
	pollAgainEmpty(t, f, s, "/api/v2/search", b.Cursor)
	// an older cursor lets it through
	b, err := s.Poll(ctx, "117600000000000000")
	if err != nil || len(b.Posts) != 1 || b.Cursor != "117654091669176322" {
		t.Fatalf("older cursor %+v %v", b, err)
	}
}

func TestNoServer(t *testing.T) {
	_, err := New(Options{Account: "x"}).Poll(ctx, "")
	if social.KindOf(err) != social.Permanent {
		t.Fatalf("got %v", err)
	}
}

func TestMapStatusDetails(t *testing.T) {
	a := newAPI(Options{Server: "https://social.example:8443/", Account: "acme", Brand: "Acme"})
	var st status
	if err := json.Unmarshal([]byte(`{"id":"42","created_at":"not a time","visibility":"unlisted","language":null,
		"uri":"https://social.example/users/x/statuses/42","url":null,"spoiler_text":"order trouble",
		"content":"<p>my order &amp; my card</p>","account":{"id":"7","username":"x","acct":"","display_name":"","followers_count":3.0}}`), &st); err != nil {
		t.Fatal(err)
	}
	p, ok := a.post(st, social.KindMention, testNow)
	if !ok {
		t.Fatal("not mapped")
	}
	want := social.Post{Network: social.Mastodon, Account: "acme", Brand: "Acme", RemoteID: "42",
		URL: "https://social.example/users/x/statuses/42", Author: social.Author{ID: "7", Handle: "@x@social.example", Followers: 3},
		Text: "CW: order trouble\n\nmy order & my card", CreatedAt: testNow, Kind: social.KindMention,
		Meta: map[string]string{MetaAcct: "x", MetaVisibility: "unlisted"}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("\n got %+v\nwant %+v", p, want)
	}
	if _, ok := a.post(status{Content: "<p>no id</p>"}, social.KindMention, testNow); ok {
		t.Error("a status without id was mapped")
	}
}

func TestMatchKey(t *testing.T) {
	testkit.Table(t, "matchKey", matchKey, []testkit.Case[string, string]{
		{"leading remote mention dropped", "@maria@tooters.example ¡Hola!", "¡Hola!"},
		{"leading local mention dropped", "@maria ¡Hola!", "¡Hola!"},
		{"leading mentions dropped, whitespace collapsed", "@a @b@c.example  two\n\nlines", "two lines"},
		{"inner mention reads @user", "thanks @maria@tooters.example!", "thanks @maria!"},
		{"plain", "plain", "plain"},
		{"only a mention", "@only", ""},
	})
}

// A hashtag nobody used yet: GoToSocial answers 404 "tag was not found"
// (recorded from 0.19.2). The feed has nothing yet, which is no error;
// other 404s still are.
func TestUnusedHashtagIsEmpty(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v1/timelines/tag/nobodyusedthis", fakenet.JSONReply(404, fixture(t, "gotosocial/live_error_404_tag_unused.json")))
	s := NewSearch(options(f), "#nobodyusedthis")
	for _, cursor := range []string{"", "01M96NBHPPJNW4MRX1TWM7F7A4"} {
		b, err := s.Poll(ctx, cursor)
		if err != nil || len(b.Posts) != 0 || b.More || b.Cursor != cursor {
			t.Errorf("cursor %q: %+v %v, want an empty batch keeping the cursor", cursor, b, err)
		}
	}
	f.Handle("GET /api/v1/timelines/tag/nobodyusedthis", fakenet.JSONReply(404, fixture(t, "error_404.json")))
	if _, err := s.Poll(ctx, ""); err == nil {
		t.Error("another 404 is swallowed too")
	}
}

// An "update" notification (Mastodon sends one for a status the account
// interacted with when it is edited) maps like a mention, with the
// status's edited_at: the store takes the new text for a post it holds.
func TestUpdateNotificationCarriesTheEdit(t *testing.T) {
	f := newFake(t)
	var ns []map[string]any
	if err := json.Unmarshal(fixture(t, "notifications_mentions.json"), &ns); err != nil {
		t.Fatal(err)
	}
	upd := cloneMap(ns[1]) // kasia's public mention
	upd["id"], upd["type"] = "58213500", "update"
	st := upd["status"].(map[string]any)
	st["content"] = "<p>@acmecoffee order A901, not A900</p>"
	st["edited_at"] = "2026-11-22T08:00:00.000Z"
	b, _ := json.Marshal(upd)
	f.PushNotification(b)
	c := New(options(f))
	batch, err := c.Poll(ctx, "")
	if err != nil || len(batch.Posts) != 1 {
		t.Fatalf("%+v %v", batch, err)
	}
	p := batch.Posts[0]
	if p.RemoteID != "117654091669176322" || p.Text != "@acmecoffee order A901, not A900" ||
		!p.EditedAt.Equal(time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("update notification mapped to %+v", p)
	}
}
