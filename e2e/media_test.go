package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Media end to end against the fakes: a customer's photo arrives with its
// alt text; a reply with an image goes out on Mastodon (POST
// /api/v2/media, media_ids[]), Bluesky (uploadBlob, an images embed) and X
// (media upload, alt text metadata, media.media_ids); a status post with
// an image goes to every account of the brand.
func TestMediaAllNetworks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, clk := w.openPolled(t, ctx)
	defer a.Close()

	// a mention with a photo
	const photoAlt = "A cardboard box with a crushed corner"
	sid := w.nets.Mastodon.AddPhotoMention("@acme my parcel arrived crushed", photoAlt, 1200, 900)
	pm := polledMedia(t, ctx, a, clk, time.Minute, social.PostKey(social.Mastodon, fakenet.MastodonAccount, sid))
	if len(pm) != 1 || pm[0].Kind != social.MediaImage || pm[0].Alt != photoAlt || pm[0].Label() != "photo 1200×900" ||
		!strings.HasPrefix(pm[0].URL, w.nets.Mastodon.URL) {
		t.Fatalf("the photo: %+v", pm)
	}

	// and on Bluesky: a blob in the record's images embed, shown through the CDN
	const bsAlt = "A boarding pass, the gate number circled"
	uri := w.nets.Bluesky.AddPhotoMention("@acmecoffee.bsky.social the gate changed twice", bsAlt, 3, 4)
	bm := polledMedia(t, ctx, a, clk, time.Minute, social.PostKey(social.Bluesky, fakenet.BlueskyAccount, uri))
	if len(bm) != 1 || bm[0].Alt != bsAlt || bm[0].Width != 3 || !strings.HasPrefix(bm[0].URL, "https://cdn.bsky.app/img/feed_fullsize/plain/did:") {
		t.Fatalf("the bluesky photo: %+v", bm)
	}

	// and on X: attachments.media_keys with includes.media
	const xAlt = "A coffee grinder with a cracked hopper"
	xid := w.nets.X.AddPhotoMention("@acmecoffee my grinder arrived cracked", xAlt, 1024, 768)
	// 10 minutes: past X's minimum poll interval
	xm := polledMedia(t, ctx, a, clk, 10*time.Minute, social.PostKey(social.X, fakenet.XAccount, xid))
	if len(xm) != 1 || xm[0].Alt != xAlt || xm[0].Label() != "photo 1024×768" || !strings.HasPrefix(xm[0].URL, "https://pbs.twimg.com/") {
		t.Fatalf("the x photo: %+v", xm)
	}

	// a reply with an image on each network
	file := testkit.PNG(t, "claim-form.png", 8, 6)
	const formAlt = "The claim form, filled in"
	img, err := attach.Check(file, formAlt, 0)
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[social.Network]uint64{}
	for _, n := range []social.Network{social.Mastodon, social.Bluesky, social.X} {
		target := publicConv(t, a, n, "")
		ent, err := a.Engine.Reply(t.Context(), target.ID, "Here is the form for your claim.", engine.ReplyOptions{Attachments: []social.Attachment{img}})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		seqs[n] = ent.Seq
	}
	a.Engine.Deliver(ctx)
	for n, seq := range seqs {
		e, _ := a.Store.OutboxEntry(context.Background(), seq)
		if e.State != store.OutSent || e.Reply.Attachments[0].Ref == "" {
			t.Errorf("%s: %+v", n, e)
		}
	}
	up := w.nets.Mastodon.Uploads()
	if len(up) != 1 || up[0].Description != formAlt || up[0].MIME != "image/png" {
		t.Fatalf("mastodon uploads %+v", up)
	}
	ms := w.nets.Mastodon.Created()
	if last := ms[len(ms)-1]; len(last.MediaIDs) != 1 || last.MediaIDs[0] != up[0].ID || !strings.Contains(string(last.JSON), formAlt) {
		t.Fatalf("mastodon status %+v", last)
	}
	blobs := w.nets.Bluesky.Blobs()
	if len(blobs) != 1 || blobs[0].MIME != "image/png" {
		t.Fatalf("bluesky blobs %+v", blobs)
	}
	recs := w.nets.Bluesky.Records()
	var rec struct {
		Embed struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt         string
				AspectRatio struct{ Width, Height int }
			}
		}
	}
	json.Unmarshal(recs[len(recs)-1].Record, &rec)
	if rec.Embed.Type != "app.bsky.embed.images" || len(rec.Embed.Images) != 1 || rec.Embed.Images[0].Alt != formAlt || rec.Embed.Images[0].AspectRatio.Width != 8 {
		t.Fatalf("bluesky record %s", recs[len(recs)-1].Record)
	}
	xup := w.nets.X.Media()
	if len(xup) != 1 || xup[0].Alt != formAlt {
		t.Fatalf("x media %+v", xup)
	}
	xs := w.nets.X.Created()
	if last := xs[len(xs)-1]; len(last.MediaIDs) != 1 || last.MediaIDs[0] != xup[0].ID {
		t.Fatalf("x post %+v", last)
	}

	// a status post with the image on every account of the brand
	st, err := a.Engine.PostStatus(t.Context(), fakenet.Brand, "Claims are open again: the form is below.", engine.StatusOptions{Attachments: []social.Attachment{img}})
	if err != nil {
		t.Fatal(err)
	}
	a.Engine.Deliver(ctx)
	st, _ = store.Status(context.Background(), a.Store, st.ID)
	if len(st.Items) != 3 {
		t.Fatalf("status copies %+v", st.Items)
	}
	for _, it := range st.Items {
		if it.State != store.OutSent || it.URL == "" {
			t.Errorf("status copy %+v", it)
		}
	}
	if len(w.nets.Mastodon.Uploads()) != 2 || len(w.nets.X.Media()) != 2 {
		t.Errorf("uploads: mastodon %d, x %d, want 2 each", len(w.nets.Mastodon.Uploads()), len(w.nets.X.Media()))
	}
	if ms := w.nets.Mastodon.Created(); ms[len(ms)-1].InReplyToID != "" {
		t.Errorf("the status post went out as a reply")
	}
	if v := w.nets.Violations(); len(v) > 0 {
		t.Fatalf("protocol violations: %v", v)
	}
}

// polledMedia advances clk by d, polls every feed once and returns the
// media of the stored post key.
func polledMedia(t *testing.T, ctx context.Context, a *app.App, clk *testkit.Clock, d time.Duration, key string) []social.Media {
	t.Helper()
	clk.Advance(d)
	a.Engine.PollOnce(ctx)
	p, err := a.Store.Post(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return p.Media
}

// Mastodon refuses a status while it still processes its image (422):
// that is retried, with the image uploaded once.
func TestImageStillProcessing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, clk := w.openPolled(t, ctx)
	defer a.Close()
	file := testkit.PNG(t, "label.png", 5, 5)
	img, err := attach.Check(file, "The return label", 0)
	if err != nil {
		t.Fatal(err)
	}
	target := publicConv(t, a, social.Mastodon, "")
	w.nets.Mastodon.StillProcessing(1)
	ent, err := a.Engine.Reply(t.Context(), target.ID, "Here is your return label.", engine.ReplyOptions{Attachments: []social.Attachment{img}})
	if err != nil {
		t.Fatal(err)
	}
	a.Engine.Deliver(ctx)
	got, _ := a.Store.OutboxEntry(context.Background(), ent.Seq)
	if got.State != store.OutQueued || got.Reply.Attachments[0].Ref == "" {
		t.Fatalf("after the 422: %+v", got)
	}
	clk.Advance(time.Hour)
	a.Engine.Deliver(ctx)
	got, _ = a.Store.OutboxEntry(context.Background(), ent.Seq)
	if got.State != store.OutSent || len(w.nets.Mastodon.Uploads()) != 1 || mastodonMade(w.nets, "Here is your return label.") != 1 {
		t.Fatalf("after the retry: %+v, %d uploads", got, len(w.nets.Mastodon.Uploads()))
	}
}
