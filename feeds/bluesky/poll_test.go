package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

func TestFirstPollWalksAllPages(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	b, err := c.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Calls("app.bsky.notification.listNotifications")
	var cursors []string
	for _, r := range calls {
		cursors = append(cursors, r.Query.Get("cursor"))
		if r.Method != http.MethodGet || r.Host != "pds" {
			t.Errorf("listNotifications: %s on %s", r.Method, r.Host)
		}
	}
	if want := []string{"", cursorPage2, cursorPageEnd}; !reflect.DeepEqual(cursors, want) {
		t.Fatalf("cursors = %q, want %q", cursors, want)
	}
	for _, r := range f.Requests() {
		if strings.Contains(r.NSID(), "updateSeen") {
			t.Fatal("poll marked notifications seen")
		}
	}
	if b.More {
		t.Fatal("More after reaching the last page")
	}

	// post is a post of the fixtures as the adapter maps it.
	post := func(did, rkey, handle, name string, followers int, text, lang string, at time.Time, kind social.Kind, meta map[string]string) social.Post {
		profile := "https://bsky.app/profile/" + handle
		return social.Post{Network: social.Bluesky, Account: "acme", Brand: "Acme Coffee",
			RemoteID: "at://" + did + "/app.bsky.feed.post/" + rkey, URL: profile + "/post/" + rkey,
			Author: social.Author{ID: did, Handle: handle, DisplayName: name, Followers: followers, URL: profile},
			Text:   text, Lang: lang, CreatedAt: at, Kind: kind, Meta: meta}
	}
	brandPost := "at://" + brandDID + "/app.bsky.feed.post/3n2qxf3ohm22b"
	maria := post(mariaDID, "3n2sr64uza225", "maria-lopez.bsky.social", "María López", 2211,
		"Hola 👋🏽 @acmecoffee.bsky.social mi pedido #4821 llegó con el molinillo roto 😞 ¿me ayudáis?",
		"es", time.Date(2026, 11, 21, 9, 14, 3, 512e6, time.UTC), social.KindMention,
		map[string]string{"cid": "bafyreiq7arzthh54agewhno6oovloaml23dgemvhskgws7hy6l247z5lba"})
	// The link facet's full URL replaces the shortened text.
	kasia := post(kasiaDID, "3n2sxakbq622g", "kasia.bsky.social", "Kasia Nowak", 154,
		"Zamówiłam ekspres 3 dni temu i nadal nic. Kiedy wysyłka? https://shop.acme.example/orders/4822",
		"pl", time.Date(2026, 11, 21, 11, 2, 47, 120e6, time.UTC), social.KindReply,
		map[string]string{
			"cid":        "bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq",
			"root_cid":   "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq",
			"parent_cid": "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq",
		})
	kasia.ThreadRoot, kasia.ReplyTo = brandPost, brandPost
	// Tomás is not in getProfiles.json: no follower count.
	tomas := post(tomasDID, "3n2tr32g3rc2y", "tomas.kask.example", "Tomás Kask", 0,
		"Free grinder they said. Mine arrived cracked, still waiting for an answer.",
		"en", time.Date(2026, 11, 21, 18, 45, 0, 1e6, time.UTC), social.KindQuote,
		map[string]string{
			"cid":       "bafyreibcgwc34gqebxmtrlg3r5xov3n4xhcfoelx2ruicldutah43cp6uq",
			"quote_uri": brandPost,
			"quote_cid": "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq",
		})
	want := []social.Post{maria, kasia, tomas}
	for i := range want { // the record's CID is its revision (edits change it)
		want[i].Revision = want[i].Meta["cid"]
	}
	if len(b.Posts) != len(want) {
		t.Fatalf("posts = %d, want %d", len(b.Posts), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(b.Posts[i], want[i]) {
			t.Errorf("post %d:\n got %+v\nwant %+v", i, b.Posts[i], want[i])
		}
	}

	// One getProfiles call for the batch, each author once.
	gp := f.Calls("app.bsky.actor.getProfiles")
	if len(gp) != 1 {
		t.Fatalf("getProfiles calls = %d", len(gp))
	}
	if got := gp[0].Query["actors"]; !reflect.DeepEqual(got, []string{mariaDID, kasiaDID, tomasDID}) {
		t.Fatalf("actors = %v", got)
	}

	st := decodeState(b.Cursor)
	if st.At != "2026-11-21T18:45:00.884Z" || !reflect.DeepEqual(st.URIs, []string{tomas.RemoteID}) || st.Gap != nil {
		t.Fatalf("cursor state = %+v", st)
	}
}

// newNotification is a mention newer than everything in the fixtures.
var newNotification = mkNotif("at://did:plc:n0raxqz2vb5ek3lmh7ts4wda/app.bsky.feed.post/3n2v4xqwhp22c",
	"did:plc:n0raxqz2vb5ek3lmh7ts4wda", "nora.example", "mention", "@acmecoffee.bsky.social is the shop open today?",
	"2026-11-22T07:40:00.500Z")

func TestIncrementalPollStopsAtWatermark(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	first := mustPoll(t, c, "")
	// Nothing new: one page read, no posts, same cursor.
	again := mustPoll(t, c, first.Cursor)
	if len(again.Posts) != 0 || again.Cursor != first.Cursor {
		t.Fatalf("repeat poll: %d posts, cursor %q", len(again.Posts), again.Cursor)
	}
	wantCalls(t, f, "app.bsky.notification.listNotifications", 4)

	// A new mention on top of the first page.
	body := withNewest(t, fixture(t, "listNotifications.json"), "notifications", newNotification)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		f.CheckNotificationQuery(w, r)
		if r.URL.Query().Get("cursor") != "" {
			t.Errorf("paged past the watermark: cursor %q", r.URL.Query().Get("cursor"))
		}
		writeJSON(w, 200, body)
	})
	b := mustPoll(t, c, first.Cursor)
	if len(b.Posts) != 1 || b.Posts[0].RemoteID != newNotification["uri"] || b.Posts[0].Kind != social.KindMention {
		t.Fatalf("posts = %+v", b.Posts)
	}
	if st := decodeState(b.Cursor); st.At != "2026-11-22T07:40:00.5Z" {
		t.Fatalf("watermark = %q", st.At)
	}
	wantCalls(t, f, "app.bsky.notification.listNotifications", 5)
}

func TestWatermarkWithSharedInstant(t *testing.T) {
	// The live capture has two notifications indexed at the same instant.
	live := fixture(t, "live_listNotifications-alice.json")
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, string(live))
	})
	c := newClient(f)
	first := mustPoll(t, c, "")
	if len(first.Posts) != 2 {
		t.Fatalf("first poll: %d posts", len(first.Posts))
	}
	if first.Posts[0].Kind != social.KindMention || first.Posts[1].Kind != social.KindReply {
		t.Fatalf("order: %s then %s, want oldest (last on the page) first", first.Posts[0].Kind, first.Posts[1].Kind)
	}
	if st := decodeState(first.Cursor); len(st.URIs) != 2 {
		t.Fatalf("watermark URIs = %v", st.URIs)
	}
	// A third notification at the very same instant shows up on top.
	third := mkNotif("at://did:plc:opwaahlficb4oozyr7mvni3s/app.bsky.feed.post/3n2vksa7zzz2r",
		"did:plc:opwaahlficb4oozyr7mvni3s", "bob.test", "reply", "and again", "2026-11-22T11:58:01.000Z")
	body := withNewest(t, live, "notifications", third)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, body)
	})
	b := mustPoll(t, c, first.Cursor)
	if len(b.Posts) != 1 || b.Posts[0].RemoteID != third["uri"] {
		t.Fatalf("posts = %v", b.Posts)
	}
	if st := decodeState(b.Cursor); len(st.URIs) != 3 {
		t.Fatalf("watermark URIs = %v", st.URIs)
	}
}

func TestEmptyPageWithCursorKeepsPaging(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		f.CheckNotificationQuery(w, r)
		if c := r.URL.Query().Get("cursor"); c == "" {
			writeJSON(w, 200, pageJSON(t, "2026-11-21T20:00:00.000Z")) // filtered empty, cursor present
		} else {
			f.ServeNotificationPage(w, c, "2026-11-21T20:00:00.000Z")
		}
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 3 {
		t.Fatalf("posts = %d, want 3", len(b.Posts))
	}
	wantCalls(t, f, "app.bsky.notification.listNotifications", 4)
}

func TestEmptyFirstPoll(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 200, "listNotifications_last.json")
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || b.Cursor != "" || b.More {
		t.Fatalf("batch = %+v", b)
	}
	wantCalls(t, f, "app.bsky.actor.getProfiles", 0)
}

func TestPollSkipsOtherReasonsOwnPostsAndOddItems(t *testing.T) {
	f := newFake(t)
	own := mkNotif("at://"+brandDID+"/app.bsky.feed.post/3n2v4aaaaaa2c", brandDID, brandHandle, "mention", "self", "2026-11-22T07:00:00.000Z")
	like := mkNotif("at://"+tomasDID+"/app.bsky.feed.like/3n2v4bbbbbb2c", tomasDID, "tomas.kask.example", "like", "", "2026-11-22T06:00:00.000Z")
	like["record"] = map[string]any{"$type": "app.bsky.feed.like", "subject": map[string]any{}}
	badRecord := mkNotif("at://"+tomasDID+"/app.bsky.feed.post/3n2v4cccccc2c", tomasDID, "tomas.kask.example", "reply", "", "2026-11-22T05:00:00.000Z")
	badRecord["record"] = "not an object"
	oddFields := mkNotif("at://"+tomasDID+"/app.bsky.feed.post/3n2v4dddddd2c", tomasDID, "tomas.kask.example", "mention", "still readable", "2026-11-22T04:00:00.000Z")
	rec := oddFields["record"].(map[string]any)
	rec["langs"] = "en"                      // wrong type: dropped
	rec["facets"] = []any{42, "x"}           // junk facets: dropped
	rec["reply"] = map[string]any{"root": 7} // junk reply: no threading
	rec["future"] = map[string]any{"x": 1}   // unknown member: ignored
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, pageJSON(t, "", own, like, badRecord, oddFields))
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 1 {
		t.Fatalf("posts = %+v", b.Posts)
	}
	p := b.Posts[0]
	if p.Text != "still readable" || p.Lang != "" || p.ThreadRoot != "" || p.Kind != social.KindMention {
		t.Fatalf("post = %+v", p)
	}
	// The watermark still moves past the skipped items.
	if st := decodeState(b.Cursor); st.At != "2026-11-22T07:00:00Z" {
		t.Fatalf("watermark = %q", st.At)
	}
}

func TestFollowerCountsChunkedBy25(t *testing.T) {
	f := newFake(t)
	var notifs []map[string]any
	for i := range 30 {
		did := fmt.Sprintf("did:plc:author%018d", i)
		notifs = append(notifs, mkNotif(fmt.Sprintf("at://%s/app.bsky.feed.post/3n2v4%07dc", did, i), did,
			fmt.Sprintf("user%d.bsky.social", i), "mention", "hi", fmt.Sprintf("2026-11-22T07:%02d:00.000Z", 59-i)))
	}
	// The same author twice must be asked for once.
	dupe := mkNotif("at://did:plc:author000000000000000000/app.bsky.feed.post/3n2v4zzzzzzzc", "did:plc:author000000000000000000",
		"user0.bsky.social", "reply", "again", "2026-11-22T06:00:00.000Z")
	notifs = append(notifs, dupe)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, pageJSON(t, "", notifs...))
	})
	f.Route("app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		actors := r.URL.Query()["actors"]
		if len(actors) > 25 {
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"too many actors"}`)
			return
		}
		var profs []map[string]any
		for _, a := range actors {
			var n int
			fmt.Sscanf(strings.TrimPrefix(a, "did:plc:author"), "%d", &n)
			profs = append(profs, map[string]any{"did": a, "handle": "x.test", "followersCount": 1000 + n})
		}
		b, _ := json.Marshal(map[string]any{"profiles": profs})
		writeJSON(w, 200, string(b))
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 31 {
		t.Fatalf("posts = %d", len(b.Posts))
	}
	for _, p := range b.Posts {
		var n int
		fmt.Sscanf(strings.TrimPrefix(p.Author.ID, "did:plc:author"), "%d", &n)
		if p.Author.Followers != 1000+n {
			t.Fatalf("%s followers = %d, want %d", p.Author.ID, p.Author.Followers, 1000+n)
		}
	}
	gp := f.Calls("app.bsky.actor.getProfiles")
	if len(gp) != 2 || len(gp[0].Query["actors"]) != 25 || len(gp[1].Query["actors"]) != 5 {
		t.Fatalf("getProfiles calls = %d", len(gp))
	}
}

func TestProfileFailureDoesNotLosePosts(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, `{"error":"UpstreamFailure","message":"Upstream Failure"}`)
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 3 || b.Posts[0].Author.Followers != 0 {
		t.Fatalf("posts = %d", len(b.Posts))
	}
}

func TestPollErrorMidWalkFailsWholeBatch(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			f.ServeFixture(w, 200, "listNotifications.json")
			return
		}
		writeJSON(w, 503, `{"error":"UpstreamFailure","message":"Upstream Failure"}`)
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if social.KindOf(err) != social.Transient || len(b.Posts) != 0 || b.Cursor != "" {
		t.Fatalf("batch %+v, err %v", b, err)
	}
}

// pagedFake serves pages of synthetic notifications: pages[i] is reached
// with cursor "c<i>".
func pagedFake(t *testing.T, pages [][]map[string]any) *fakenet.BlueskyScript {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		i := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			fmt.Sscanf(c, "c%d", &i)
		}
		next := ""
		if i+1 < len(pages) {
			next = fmt.Sprintf("c%d", i+1)
		}
		writeJSON(w, 200, pageJSON(t, next, pages[i]...))
	})
	return f
}

func synth(i int) map[string]any {
	did := "did:plc:gapauthor00000000000000"
	return mkNotif(fmt.Sprintf("at://%s/app.bsky.feed.post/3n2v5%07dc", did, i), did, "gap.bsky.social", "mention",
		fmt.Sprintf("n%d", i), fmt.Sprintf("2026-11-22T07:%02d:00.000Z", i))
}

func TestPageBoundLeavesAGapAndFillsIt(t *testing.T) {
	// Watermark at n0; six new items on three pages; the bound is two pages.
	pages := [][]map[string]any{{synth(6), synth(5)}, {synth(4), synth(3)}, {synth(2), synth(1), synth(0)}}
	f := pagedFake(t, pages)
	c := newClient(f)
	c.maxPages = 2
	start := encodeState(pollState{At: "2026-11-22T07:00:00Z", URIs: []string{synth(0)["uri"].(string)}})

	b1 := mustPoll(t, c, start)
	if got := texts(b1.Posts); !reflect.DeepEqual(got, []string{"n3", "n4", "n5", "n6"}) || !b1.More {
		t.Fatalf("first batch %v more=%v", got, b1.More)
	}
	st := decodeState(b1.Cursor)
	if st.At != "2026-11-22T07:06:00Z" || st.Gap == nil || st.Gap.Cursor != "c2" || st.Gap.At != "2026-11-22T07:00:00Z" {
		t.Fatalf("state after first batch = %+v", st)
	}

	b2 := mustPoll(t, c, b1.Cursor)
	if got := texts(b2.Posts); !reflect.DeepEqual(got, []string{"n1", "n2"}) || b2.More {
		t.Fatalf("gap batch %v more=%v", got, b2.More)
	}
	st = decodeState(b2.Cursor)
	if st.At != "2026-11-22T07:06:00Z" || st.Gap != nil {
		t.Fatalf("state after gap = %+v", st)
	}
	var cursors []string
	for _, r := range f.Calls("app.bsky.notification.listNotifications") {
		cursors = append(cursors, r.Query.Get("cursor"))
	}
	if !reflect.DeepEqual(cursors, []string{"", "c1", "c2"}) {
		t.Fatalf("cursors = %q", cursors)
	}
}

func TestFirstPollIsBoundedWithoutGap(t *testing.T) {
	pages := [][]map[string]any{{synth(6)}, {synth(5)}, {synth(4)}}
	f := pagedFake(t, pages)
	c := newClient(f)
	c.maxPages = 2
	b, err := c.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(b.Posts); !reflect.DeepEqual(got, []string{"n5", "n6"}) || b.More || decodeState(b.Cursor).Gap != nil {
		t.Fatalf("batch %v more=%v cursor=%s", got, b.More, b.Cursor)
	}
}

func TestRepeatedServerCursorStops(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, pageJSON(t, "same", synth(1)))
	})
	b, err := newClient(f).Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("app.bsky.notification.listNotifications")); n != 2 || len(b.Posts) != 1 {
		t.Fatalf("pages = %d posts = %d", n, len(b.Posts))
	}
}

func texts(ps []social.Post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Text)
	}
	return out
}

func TestCursorCodec(t *testing.T) {
	st := pollState{At: "2026-11-21T18:45:00.884Z", URIs: []string{"at://a/b/c"},
		Gap: &gapState{Cursor: "x", At: "2026-11-20T00:00:00Z", URIs: []string{"at://d/e/f"}}}
	if got := decodeState(encodeState(st)); !reflect.DeepEqual(got, st) {
		t.Fatalf("roundtrip = %+v", got)
	}
	for _, bad := range []string{"", "garbage", `{"at":"yesterday"}`, `{"at":5}`, `[]`} {
		if got := decodeState(bad); !reflect.DeepEqual(got, pollState{}) {
			t.Errorf("decodeState(%q) = %+v, want first poll", bad, got)
		}
	}
	if got := decodeState(`{"at":"2026-11-21T18:45:00Z","gap":{"cursor":"","at":"2026-11-20T00:00:00Z"}}`); got.Gap != nil {
		t.Errorf("gap without cursor kept: %+v", got)
	}
}

func TestSearch(t *testing.T) {
	f := newFake(t)
	s := newClient(f).Search("acme coffee")
	if s.ID() != "bluesky:acme:search:acme coffee" {
		t.Fatalf("ID = %q", s.ID())
	}
	b := mustPoll(t, s, "")
	calls := f.Calls("app.bsky.feed.searchPosts")
	if len(calls) != 1 {
		t.Fatalf("first search poll read %d pages, want 1", len(calls))
	}
	q := calls[0].Query
	if q.Get("q") != "acme coffee" || q.Get("sort") != "latest" || q.Get("limit") != "25" || q.Has("cursor") {
		t.Fatalf("query = %v", q)
	}
	if len(b.Posts) != 2 {
		t.Fatalf("posts = %d", len(b.Posts))
	}
	if b.Posts[0].Author.ID != kasiaDID || b.Posts[1].Author.ID != tomasDID {
		t.Fatalf("order = %s, %s", b.Posts[0].Author.ID, b.Posts[1].Author.ID)
	}
	for _, p := range b.Posts {
		if p.Kind != social.KindSearch || p.Meta["cid"] == "" || p.Network != social.Bluesky {
			t.Fatalf("post = %+v", p)
		}
	}
	if b.Posts[0].Author.Followers != 154 {
		t.Fatalf("followers = %d", b.Posts[0].Author.Followers)
	}
	if st := decodeState(b.Cursor); st.At != "2026-11-22T06:58:12.911Z" {
		t.Fatalf("watermark = %q", st.At)
	}

	// Next poll: a newer hit and then the known ones; stops without paging.
	var page struct{ Posts []map[string]any }
	if err := json.Unmarshal(fixture(t, "searchPosts.json"), &page); err != nil {
		t.Fatal(err)
	}
	newer := maps.Clone(page.Posts[0])
	newer["uri"] = "at://" + tomasDID + "/app.bsky.feed.post/3n2v7aaaaaa2c"
	newer["indexedAt"] = "2026-11-22T07:30:00.000Z"
	body := withNewest(t, fixture(t, "searchPosts.json"), "posts", newer)
	f.Route("app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("cursor") {
			t.Error("paged past the watermark")
		}
		writeJSON(w, 200, body)
	})
	b2 := mustPoll(t, s, b.Cursor)
	if len(b2.Posts) != 1 || b2.Posts[0].RemoteID != newer["uri"] {
		t.Fatalf("second poll = %+v", b2.Posts)
	}
}

func TestSearchSkipsOwnPostsAndEmptyQuery(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"posts":[{"uri":"at://`+brandDID+`/app.bsky.feed.post/3n2v7aaaaaa2c","cid":"bafyreiqy22yg5zd7hsfxwam67bf42oekzxdok4abw4zdgm6vn5s4u3k6eq",
			"author":{"did":"`+brandDID+`","handle":"`+brandHandle+`"},"record":{"$type":"app.bsky.feed.post","text":"Acme coffee news","createdAt":"2026-11-22T07:00:00Z"},"indexedAt":"2026-11-22T07:00:00Z"}]}`)
	})
	s := NewSearch(Options{Service: f.EntryURL, Handle: brandHandle, Password: appPassword, Account: "acme"}, "acme coffee")
	b, err := s.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || decodeState(b.Cursor).At == "" {
		t.Fatalf("batch = %+v", b)
	}
	_, err = NewSearch(Options{Service: f.EntryURL}, "").Poll(context.Background(), "")
	if social.KindOf(err) != social.Permanent {
		t.Fatalf("empty query: %v", err)
	}
}

func TestMapPostEdgeCases(t *testing.T) {
	c := New(Options{Account: "acme", Brand: "Acme"})
	uri := "at://" + kasiaDID + "/app.bsky.feed.post/3n2sxakbq622g"
	parent := strongRef{"at://" + brandDID + "/app.bsky.feed.post/3n2qxf3ohm22b", "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq"}
	indexed := "2026-11-21T11:02:47.702Z"
	tests := []struct {
		name    string
		author  wireAuthor
		rec     postRecord
		indexed string
		check   func(social.Post) bool
	}{
		{"future createdAt falls back to indexedAt", wireAuthor{DID: kasiaDID, Handle: "kasia.bsky.social"},
			postRecord{CreatedAt: "2030-01-01T00:00:00Z"}, indexed,
			func(p social.Post) bool {
				return p.CreatedAt.Equal(time.Date(2026, 11, 21, 11, 2, 47, 702e6, time.UTC))
			}},
		{"missing createdAt uses indexedAt", wireAuthor{DID: kasiaDID}, postRecord{}, indexed,
			func(p social.Post) bool {
				return p.CreatedAt.Equal(time.Date(2026, 11, 21, 11, 2, 47, 702e6, time.UTC))
			}},
		{"no times at all", wireAuthor{DID: kasiaDID}, postRecord{CreatedAt: "yesterday"}, "",
			func(p social.Post) bool { return p.CreatedAt.IsZero() }},
		{"invalid handle links by DID", wireAuthor{DID: kasiaDID, Handle: "handle.invalid"}, postRecord{}, indexed,
			func(p social.Post) bool {
				return p.URL == "https://bsky.app/profile/"+kasiaDID+"/post/3n2sxakbq622g" && p.Author.URL == "https://bsky.app/profile/"+kasiaDID
			}},
		{"no usable identity: no URL", wireAuthor{Handle: "not a handle"}, postRecord{}, indexed,
			func(p social.Post) bool { return p.URL == "" && p.Author.URL == "" }},
		{"parent without root", wireAuthor{DID: kasiaDID}, postRecord{Parent: parent}, indexed,
			func(p social.Post) bool {
				return p.ThreadRoot == parent.URI && p.ReplyTo == parent.URI && p.Meta["root_cid"] == parent.CID && p.Meta["parent_cid"] == parent.CID
			}},
		{"own root is no thread", wireAuthor{DID: kasiaDID}, postRecord{Root: strongRef{uri, "x"}, Parent: strongRef{uri, "x"}}, indexed,
			func(p social.Post) bool { return p.ThreadRoot == "" && p.ReplyTo == "" && p.Meta["root_cid"] == "" }},
	}
	for _, tt := range tests {
		p, ok := c.mapPost(uri, "bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq", tt.author, tt.rec, tt.indexed, social.KindReply)
		if !ok || !tt.check(p) {
			t.Errorf("%s: ok=%v post=%+v", tt.name, ok, p)
		}
		if p.Brand != "Acme" || p.Account != "acme" {
			t.Errorf("%s: account/brand = %q/%q", tt.name, p.Account, p.Brand)
		}
	}
	if _, ok := c.mapPost("at://"+kasiaDID+"/app.bsky.feed.like/3n2sxakbq622g", "", wireAuthor{}, postRecord{}, indexed, social.KindReply); ok {
		t.Fatal("a like mapped as a post")
	}
}

func TestSearchSharesTheSessionAndRate(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ratelimit-limit", "3000")
		w.Header().Set("ratelimit-remaining", "10")
		w.Header().Set("ratelimit-reset", "1795336500")
		f.ServeFixture(w, 200, "searchPosts_last.json")
	})
	c := newClient(f)
	s := c.Search("acme")
	if _, err := c.Poll(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Poll(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Thread(context.Background(), kasiaPost); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, f, "com.atproto.server.createSession", 1)
	if r := s.Rate(); !r.Known || r.Remaining != 10 {
		t.Fatalf("rate = %+v", r)
	}
}

// mustPoll polls src once from cursor; an error ends the test.
func mustPoll(t *testing.T, src social.Source, cursor string) social.Batch {
	t.Helper()
	b, err := src.Poll(context.Background(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
