package x

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

var ctx = context.Background()

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The three mentions of users_mentions.json, as hark must see them (oldest first).
func wantMentions() []social.Post {
	post := func(id, user, authorID, name string, followers int, text, lang, at string, kind social.Kind, meta map[string]string) social.Post {
		return social.Post{Network: social.X, Account: "acme", Brand: "Acme Coffee",
			RemoteID: id, URL: "https://x.com/" + user + "/status/" + id,
			Author: social.Author{ID: authorID, Handle: "@" + user, DisplayName: name, Followers: followers, URL: "https://x.com/" + user},
			Text:   text, Lang: lang, CreatedAt: mustTime(at), Kind: kind, Meta: meta}
	}
	maria := post("2124068813143711751", "maria_lopez_es", "1412345678901234567", "María López", 1843,
		"@AcmeCoffee hola, mi pedido #4821 llegó con el molinillo roto 😞 ¿me podéis ayudar?", "es", "2026-11-21T09:14:03Z",
		social.KindReply, map[string]string{"conversation_id": "2123808585940639751", "in_reply_to_user_id": brandID})
	maria.ThreadRoot, maria.ReplyTo = "2123808585940639751", "2123808585940639751"
	return []social.Post{
		maria,
		post("2124096176783007751", "kasianowak", "987654321", "Kasia Nowak", 97,
			"Zamówiłam ekspres 3 dni temu i nadal nic @AcmeCoffee, kiedy wysyłka? https://t.co/Kx3vB7pQzA", "pl", "2026-11-21T11:02:47Z",
			social.KindMention, map[string]string{"conversation_id": "2124096176783007751"}),
		post(newestMention, "tomaskask", "1288112233445566778", "Tomás Kask", 26411,
			"@AcmeCoffee free grinder they said. Mine arrived cracked 🙃 https://t.co/Zp0dLr5uYc", "en", "2026-11-21T18:45:00Z",
			social.KindQuote, map[string]string{"conversation_id": newestMention, "quoted_id": "2123808585940639751"}),
	}
}

func diffPosts(t *testing.T, got, want []social.Post) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d posts, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("post %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestPollFirst(t *testing.T) {
	f := newFake(t)
	c, _ := newClient(t, f, nil)
	if c.ID() != "x:acme" {
		t.Errorf("ID = %q", c.ID())
	}
	b, err := c.Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	diffPosts(t, b.Posts, wantMentions())
	if b.Cursor != newestMention || b.More {
		t.Errorf("cursor %q more %v, want %q false", b.Cursor, b.More, newestMention)
	}
	reqs := f.Requests()
	if len(reqs) != 1 {
		t.Fatalf("first poll made %d requests, want 1 (no back-fill): %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != "GET" || r.Path != "/2/users/"+brandID+"/mentions" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	q := r.Query
	if q.Get("max_results") != "100" || q.Has("since_id") || q.Has("pagination_token") {
		t.Errorf("query %v", q)
	}
	fields := strings.Split(q.Get("tweet.fields"), ",")
	for _, want := range []string{"created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "lang", "author_id", "public_metrics"} {
		if !contains(fields, want) {
			t.Errorf("tweet.fields %v lacks %s", fields, want)
		}
	}
	if q.Get("expansions") != "author_id,referenced_tweets.id,attachments.media_keys" {
		t.Errorf("expansions = %q", q.Get("expansions"))
	}
	for _, want := range []string{"username", "name", "public_metrics"} {
		if !contains(strings.Split(q.Get("user.fields"), ","), want) {
			t.Errorf("user.fields %q lacks %s", q.Get("user.fields"), want)
		}
	}
	if rs := c.Rate(); rs != (social.RateStatus{Limit: 300, Remaining: 299, Reset: resetAt, Known: true}) {
		t.Errorf("Rate = %+v", rs)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPollIncremental(t *testing.T) {
	f := newFake(t)
	c, _ := newClient(t, f, nil)
	b, err := c.Poll(ctx, newestMention)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || b.Cursor != newestMention {
		t.Fatalf("got %d posts, cursor %q; want none and the same cursor", len(b.Posts), b.Cursor)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Query.Get("since_id") != newestMention || reqs[0].Query.Has("pagination_token") {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestPollCatchUp(t *testing.T) {
	f := newFake(t)
	c, _ := newClient(t, f, nil)
	const old = "2124000000000000000"
	b, err := c.Poll(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	diffPosts(t, b.Posts, wantMentions())
	if b.Cursor != newestMention {
		t.Errorf("cursor %q, want newest_id of the first page %q", b.Cursor, newestMention)
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 pages", len(reqs))
	}
	for i, r := range reqs {
		if r.Query.Get("since_id") != old {
			t.Errorf("page %d since_id %q, want the same %q on every page", i, r.Query.Get("since_id"), old)
		}
	}
	if reqs[0].Query.Has("pagination_token") || reqs[1].Query.Get("pagination_token") != firstNextToken {
		t.Errorf("pagination tokens %q, %q", reqs[0].Query.Get("pagination_token"), reqs[1].Query.Get("pagination_token"))
	}
}

func TestPollLooksUpUserOnce(t *testing.T) {
	f := newFake(t)
	c, clk := newClient(t, f, func(o *Options) { o.UserID = "" })
	for i := 0; i < 2; i++ {
		if _, err := c.Poll(ctx, newestMention); err != nil {
			t.Fatal(err)
		}
		clk.Advance(DefaultInterval)
	}
	if n := f.Count("GET /2/users/me"); n != 1 {
		t.Errorf("users/me called %d times, want 1", n)
	}
	if n := f.Count("GET /2/users/" + brandID + "/mentions"); n != 2 {
		t.Errorf("mentions called %d times, want 2", n)
	}
}

func TestPollMinInterval(t *testing.T) {
	if DefaultInterval != 5*time.Minute {
		t.Fatalf("DefaultInterval = %v", DefaultInterval)
	}
	tests := []struct {
		name     string
		min      time.Duration
		after    time.Duration
		wantCall bool
	}{
		{"default interval not reached", 0, 4*time.Minute + 59*time.Second, false},
		{"default interval reached", 0, 5 * time.Minute, true},
		{"custom interval not reached", 10 * time.Minute, 9 * time.Minute, false},
		{"custom interval reached", 10 * time.Minute, 10 * time.Minute, true},
		{"disabled", -1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c, clk := newClient(t, f, func(o *Options) { o.MinInterval = tt.min })
			if _, err := c.Poll(ctx, newestMention); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.after)
			b, err := c.Poll(ctx, "cursor-kept")
			if err != nil {
				t.Fatalf("a poll too soon must not be an error: %v", err)
			}
			calls := f.Count("GET /2/users/" + brandID + "/mentions")
			if got := calls > 1; got != tt.wantCall {
				t.Fatalf("second poll called the server: %v, want %v", got, tt.wantCall)
			}
			if !tt.wantCall && (len(b.Posts) != 0 || b.Cursor != "cursor-kept") {
				t.Errorf("skipped poll returned %+v", b)
			}
		})
	}
}

func TestPollRemainingZero(t *testing.T) {
	f := newFake(t)
	f.HandleFunc("GET /2/users/"+brandID+"/mentions", func(w http.ResponseWriter, r *http.Request) {
		fakenet.XWriteFixture(w, 200, "users_mentions_empty.json", map[string]string{"x-rate-limit-remaining": "0"})
	})
	c, clk := newClient(t, f, func(o *Options) { o.MinInterval = time.Minute })
	if _, err := c.Poll(ctx, newestMention); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute) // 08:45, before the 08:50 reset
	_, err := c.Poll(ctx, newestMention)
	var e *social.Error
	if !errors.As(err, &e) || e.Kind != social.RateLimited || !e.Until.Equal(resetAt) {
		t.Fatalf("want RateLimited until %v, got %v", resetAt, err)
	}
	if n := f.Count("GET /2/users/" + brandID + "/mentions"); n != 1 {
		t.Fatalf("server called %d times, want 1 (budget exhausted)", n)
	}
	clk.Advance(6 * time.Minute) // past the reset
	if _, err := c.Poll(ctx, newestMention); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("GET /2/users/" + brandID + "/mentions"); n != 2 {
		t.Fatalf("server called %d times after the reset, want 2", n)
	}
}

func TestPollPostSpelling(t *testing.T) {
	// The v2.167 OpenAPI's "post" spellings must map exactly like "tweet".
	tweets := readFixture("users_mentions.json")
	posts := strings.NewReplacer(`"referenced_tweets"`, `"referenced_posts"`, `"tweets": [`, `"posts": [`,
		`"edit_history_tweet_ids"`, `"edit_history_post_ids"`).Replace(string(tweets))
	if posts == string(tweets) {
		t.Fatal("replacement did nothing")
	}
	f := newFake(t)
	f.HandleFunc("GET /2/users/"+brandID+"/mentions", func(w http.ResponseWriter, r *http.Request) {
		fakenet.XWrite(w, 200, []byte(posts), nil)
	})
	c, _ := newClient(t, f, nil)
	b, err := c.Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	diffPosts(t, b.Posts, wantMentions())
}

func TestSearch(t *testing.T) {
	f := newFake(t)
	o, _ := testOptions(f)
	const query = `"acme coffee" -is:retweet`
	s := NewSearch(o, query)
	if s.ID() != "x:acme:search:"+query {
		t.Errorf("ID = %q", s.ID())
	}
	b, err := s.Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.Cursor != "2124397013237407751" {
		t.Errorf("cursor %q", b.Cursor)
	}
	if len(b.Posts) != 2 {
		t.Fatalf("%d posts", len(b.Posts))
	}
	kasia, tomas := b.Posts[0], b.Posts[1]
	if kasia.RemoteID != "2124096176783007751" || tomas.RemoteID != "2124397013237407751" {
		t.Fatalf("order %s, %s; want oldest first", kasia.RemoteID, tomas.RemoteID)
	}
	for _, p := range b.Posts {
		if p.Kind != social.KindSearch {
			t.Errorf("%s kind %q", p.RemoteID, p.Kind)
		}
	}
	if kasia.ReadOnly != "" {
		t.Errorf("a hit that mentions @AcmeCoffee must be answerable, ReadOnly = %q", kasia.ReadOnly)
	}
	if tomas.ReadOnly != "X only lets self-serve apps reply to posts that mention the brand" {
		t.Errorf("ReadOnly = %q", tomas.ReadOnly)
	}
	if tomas.Author.Handle != "@tomaskask" || tomas.Author.Followers != 26411 {
		t.Errorf("author %+v", tomas.Author)
	}
	var search []fakenet.Request
	for _, r := range f.Requests() {
		if r.Path == "/2/tweets/search/recent" {
			search = append(search, r)
		}
	}
	if len(search) != 1 {
		t.Fatalf("%d search requests, want 1", len(search))
	}
	if q := search[0].Query; q.Get("query") != query || q.Has("since_id") || q.Get("expansions") != "author_id,referenced_tweets.id,attachments.media_keys" {
		t.Errorf("query %v", q)
	}
	if f.Count("GET /2/users/me") != 1 {
		t.Errorf("search needs the brand's username once from users/me")
	}
	if s.Query() != query || !s.Rate().Known || s.Rate().Remaining != 299 {
		t.Errorf("Query %q Rate %+v", s.Query(), s.Rate())
	}
	thread, err := s.Thread(ctx, wantMentions()[0])
	if err != nil || len(thread) != 2 || thread[0].RemoteID != "2123808585940639751" || thread[1].RemoteID != "2124068813143711751" {
		t.Errorf("thread via search: %+v, %v", thread, err)
	}

	// The next poll asks for what is newer than the cursor.
	s2 := NewSearch(o, query)
	b, err = s2.Poll(ctx, "2124397013237407751")
	if err != nil || len(b.Posts) != 0 || b.Cursor != "2124397013237407751" {
		t.Fatalf("incremental search: %+v, %v", b, err)
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Query.Get("since_id") != "2124397013237407751" {
		t.Errorf("since_id %q", last.Query.Get("since_id"))
	}
}

func TestMentionsSelf(t *testing.T) {
	m := &mapper{selfID: brandID, selfName: "AcmeCoffee", kind: social.KindSearch, gate: true}
	ours := wireTweet{ID: "1", AuthorID: web.Str(brandID)}
	tests := []struct {
		name     string
		tweet    wireTweet
		included []wireTweet
		readOnly bool
	}{
		{"entity by id", wireTweet{ID: "2", Text: "hi", Entities: wireEntities{Mentions: []wireMention{{ID: brandID}}}}, nil, false},
		{"entity by username", wireTweet{ID: "2", Text: "hi", Entities: wireEntities{Mentions: []wireMention{{Username: "acmecoffee"}}}}, nil, false},
		{"text only", wireTweet{ID: "2", Text: "ask @acmecoffee!"}, nil, false},
		{"longer handle", wireTweet{ID: "2", Text: "ask @AcmeCoffeeFans"}, nil, true},
		{"e-mail-like", wireTweet{ID: "2", Text: "mail help@AcmeCoffee.example"}, nil, true},
		{"no mention", wireTweet{ID: "2", Text: "acme coffee is nice"}, nil, true},
		{"quotes our post", wireTweet{ID: "2", Text: "look", RefTweets: []wireRef{{Type: "quoted", ID: "1"}}}, []wireTweet{ours}, false},
		{"our own post", wireTweet{ID: "2", AuthorID: web.Str(brandID), Text: "news"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			posts := m.mapPage(&tweetPage{Data: []wireTweet{tt.tweet}, Includes: wireIncludes{Tweets: tt.included}})
			if len(posts) != 1 {
				t.Fatalf("%d posts", len(posts))
			}
			if got := posts[0].ReadOnly != ""; got != tt.readOnly {
				t.Errorf("read-only %v, want %v", got, tt.readOnly)
			}
		})
	}
}

func TestThread(t *testing.T) {
	f := newFake(t)
	c, _ := newClient(t, f, nil)
	// María's reply, whose parent has since been deleted.
	p := wantMentions()[0]
	p.ReplyTo = "1123581321345589144"
	posts, err := c.Thread(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 {
		t.Fatalf("%d posts: %+v", len(posts), posts)
	}
	root, reply := posts[0], posts[1]
	if root.RemoteID != "2123808585940639751" || root.Kind != social.KindOwn || root.ThreadRoot != "" ||
		root.Author.Handle != "@AcmeCoffee" || root.ReadOnly != "" {
		t.Errorf("root %+v", root)
	}
	if reply.RemoteID != "2124068813143711751" || reply.ThreadRoot != root.RemoteID || reply.ReplyTo != root.RemoteID ||
		reply.Kind != social.KindReply || reply.Author.Followers != 1843 || reply.ReadOnly != "" {
		t.Errorf("reply %+v", reply)
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests: %+v", len(reqs), reqs)
	}
	if reqs[0].Path != "/2/tweets/search/recent" || reqs[0].Query.Get("query") != "conversation_id:2123808585940639751" {
		t.Errorf("search request %s %v", reqs[0].Path, reqs[0].Query)
	}
	if reqs[1].Path != "/2/tweets" || reqs[1].Query.Get("ids") != "2123808585940639751,1123581321345589144" {
		t.Errorf("lookup request %s %v", reqs[1].Path, reqs[1].Query)
	}
}
