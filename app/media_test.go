package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/termimg"
)

// The interactive demo starts with Northwind's status post, once per
// store; a customer answers under it; the demo's photos can be previewed.
func TestDemoStatusAndPhotos(t *testing.T) {
	clk := testkit.NewClock(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	a, _ := apptest.Demo(t, apptest.Options{Now: clk.Now})
	ctx := context.Background()
	a.Engine.PollOnce(ctx)
	a.SeedDemoStatus(ctx)
	a.SeedDemoStatus(ctx) // a second start on the same store
	sts, err := store.Statuses(context.Background(), a.Store, "", 0)
	if err != nil || len(sts) != 1 || !strings.HasPrefix(sts[0].Text, app.DemoStatusText) || sts[0].Items[0].State != store.OutSent {
		t.Fatalf("statuses %+v %v", sts, err)
	}
	if link := a.Engine.StatusLink(sts[0].Brand, social.Demo); !strings.Contains(link, "demo-status-") {
		t.Fatalf("status link %q", link)
	}
	clk.Advance(10 * time.Second)
	a.Engine.PollOnce(ctx)
	tagged := 0
	a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool {
		if c.Status == sts[0].ID {
			tagged++
		}
		return true
	})
	if tagged != 1 {
		t.Fatalf("%d conversations answer the status post", tagged)
	}
	for _, name := range []string{"elm-street-dark.jpg", "wilted-bouquet.jpg", "delivery-note.jpg"} {
		b, err := a.FetchMedia(ctx, "https://demo.hark.invalid/media/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if img, err := termimg.Decode(b); err != nil || img.Bounds().Dx() != 320 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
