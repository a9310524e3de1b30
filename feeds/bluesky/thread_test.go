package bluesky

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

var kasiaPost = social.Post{
	RemoteID: "at://" + kasiaDID + "/app.bsky.feed.post/3n2sxakbq622g",
	Kind:     social.KindReply,
}

func TestThread(t *testing.T) {
	f := newFake(t)
	posts, err := newClient(f).Thread(context.Background(), kasiaPost)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Calls("app.bsky.feed.getPostThread")
	if len(calls) != 1 {
		t.Fatalf("calls = %d", len(calls))
	}
	q := calls[0].Query
	if q.Get("uri") != kasiaPost.RemoteID || q.Get("depth") != "6" || q.Get("parentHeight") != "80" {
		t.Fatalf("query = %v", q)
	}
	type row struct {
		uri  string
		kind social.Kind
		at   time.Time
	}
	var got []row
	for _, p := range posts {
		got = append(got, row{p.RemoteID, p.Kind, p.CreatedAt})
	}
	want := []row{
		{"at://" + brandDID + "/app.bsky.feed.post/3n2qxf3ohm22b", social.KindOwn, time.Date(2026, 11, 20, 16, 0, 0, 104e6, time.UTC)},
		{kasiaPost.RemoteID, social.KindReply, time.Date(2026, 11, 21, 11, 2, 47, 120e6, time.UTC)},
		{"at://" + brandDID + "/app.bsky.feed.post/3n2syr7jbk22b", social.KindOwn, time.Date(2026, 11, 21, 11, 30, 0, 0, time.UTC)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("thread:\n got %v\nwant %v", got, want)
	}
	reply := posts[2]
	if reply.ThreadRoot != want[0].uri || reply.ReplyTo != kasiaPost.RemoteID ||
		reply.Meta["root_cid"] != "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq" ||
		reply.Meta["parent_cid"] != "bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq" {
		t.Fatalf("reply refs = %+v", reply)
	}
	if posts[0].ThreadRoot != "" || posts[0].Text != "Our winter blend is back! Free grinder with every 1 kg order until Sunday ❄️ #AcmeCoffee" {
		t.Fatalf("root = %+v", posts[0])
	}
}

func TestThreadNotFoundParent(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 200, "getPostThread_notFoundParent.json")
	})
	posts, err := newClient(f).Thread(context.Background(), kasiaPost)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || posts[0].RemoteID != kasiaPost.RemoteID {
		t.Fatalf("posts = %+v", posts)
	}
	// The reply still names its (deleted) parent.
	if posts[0].ReplyTo != "at://"+brandDID+"/app.bsky.feed.post/3n2qxf3ohm22b" {
		t.Fatalf("ReplyTo = %q", posts[0].ReplyTo)
	}
}

func TestThreadLiveNestedReplies(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 200, "live_getPostThread-A-root.json")
	})
	root := social.Post{RemoteID: "at://did:plc:ojdpluuoej2q3676jpdxz463/app.bsky.feed.post/3n2vlnahdrs2h", Kind: social.KindMention}
	posts, err := newClient(f).Thread(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(posts); !reflect.DeepEqual(got, []string{"Root post by A #e2e1795349586",
		"B replies to A (e2e1795349586)", "A answers the reply (e2e1795349586)"}) {
		t.Fatalf("texts = %q", got)
	}
	if posts[0].Kind != social.KindMention || posts[1].Kind != social.KindReply {
		t.Fatalf("kinds = %s %s", posts[0].Kind, posts[1].Kind)
	}
}

func TestThreadBlockedAndUnknownNodes(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"thread":{"$type":"app.bsky.feed.defs#threadViewPost",
		  "post":{"uri":"`+kasiaPost.RemoteID+`","cid":"bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq",
		    "author":{"did":"`+kasiaDID+`","handle":"kasia.bsky.social"},
		    "record":{"$type":"app.bsky.feed.post","text":"anchor","createdAt":"2026-11-21T11:02:47.120Z"},"indexedAt":"2026-11-21T11:02:47.702Z"},
		  "parent":{"$type":"app.bsky.feed.defs#blockedPost","uri":"at://did:plc:blocked/app.bsky.feed.post/3n2qxf3ohm22b","blocked":true,
		    "author":{"did":"did:plc:blocked","viewer":{"blockedBy":true}}},
		  "replies":[
		    {"$type":"app.bsky.feed.defs#notFoundPost","uri":"at://did:plc:x/app.bsky.feed.post/3n2qxf3ohm22c","notFound":true},
		    {"$type":"app.bsky.feed.defs#someFutureView","post":{"uri":"at://did:plc:x/app.bsky.feed.post/3n2qxf3ohm22d"}},
		    "junk",
		    {"$type":"app.bsky.feed.defs#threadViewPost","post":{"uri":"at://`+tomasDID+`/app.bsky.feed.post/3n2tr32g3rc2y",
		      "cid":"bafyreibcgwc34gqebxmtrlg3r5xov3n4xhcfoelx2ruicldutah43cp6uq","author":{"did":"`+tomasDID+`","handle":"tomas.kask.example"},
		      "record":{"$type":"app.bsky.feed.post","text":"reply","createdAt":"2026-11-21T12:00:00Z"},"indexedAt":"2026-11-21T12:00:00Z"}}
		  ]}}`)
	})
	posts, err := newClient(f).Thread(context.Background(), kasiaPost)
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(posts); !reflect.DeepEqual(got, []string{"anchor", "reply"}) {
		t.Fatalf("texts = %q", got)
	}
}

func TestThreadAnchorGone(t *testing.T) {
	tests := []struct {
		name, body string
		code       int
		msg        string
	}{
		{"400 NotFound", string(fixture(t, "error_400_thread_not_found.json")), 400, "Post not found"},
		{"notFoundPost anchor", `{"thread":{"$type":"app.bsky.feed.defs#notFoundPost","uri":"` + kasiaPost.RemoteID + `","notFound":true}}`, 200, "post not found"},
		{"blockedPost anchor", `{"thread":{"$type":"app.bsky.feed.defs#blockedPost","uri":"` + kasiaPost.RemoteID + `","blocked":true}}`, 200, "post blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.code, tt.body)
			})
			_, err := newClient(f).Thread(context.Background(), kasiaPost)
			assertErr(t, err, social.Permanent, 0, time.Time{}, tt.msg)
		})
	}
	f := newFake(t)
	_, err := newClient(f).Thread(context.Background(), social.Post{RemoteID: "12345"})
	assertErr(t, err, social.Permanent, 0, time.Time{}, "not a Bluesky post")
	if len(f.Requests()) != 0 {
		t.Fatal("network call for an invalid URI")
	}
}

// The thread of a post its author deleted: the AppView answers 400
// NotFound (recorded from the reference stack); Thread's error wraps
// social.ErrGone, so the engine marks the post deleted.
func TestThreadOfADeletedPostIsGone(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	f.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 400, "live_error_400_getPostThread-deleted.json")
	})
	_, err := c.Thread(context.Background(), kasia)
	if !social.Gone(err) || social.KindOf(err) != social.Permanent {
		t.Fatalf("thread of a deleted post: %v, want a permanent error wrapping ErrGone", err)
	}
}
