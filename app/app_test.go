package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/when"
)

// hark reply --at reads a send time as the TUI's send later does: the
// presets and "tomorrow" are the conversation's brand's next business
// day, in the brand's time zone (before, the CLI took the next calendar
// day in the machine's zone: Saturday for a brand closed at weekends).
func TestSendAtFollowsTheBrandsCalendar(t *testing.T) {
	friday := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	a, _ := apptest.Demo(t, apptest.Options{Now: func() time.Time { return friday }})
	ctx := context.Background()
	for _, r := range a.Engine.PollOnce(ctx) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Feed, r.Err)
		}
	}
	conv := map[string]string{} // brand → a conversation of it
	if err := a.Store.ForEachConv(ctx, func(c social.Conversation) bool {
		conv[c.Brand] = c.ID
		return true
	}); err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct {
		brand, at string
		want      time.Time
	}{
		{"Northwind Energy", "tomorrow", time.Date(2026, 12, 7, 9, 0, 0, 0, london)}, // weekdays only: Monday
		{"Northwind Energy", "3", time.Date(2026, 12, 7, 9, 0, 0, 0, london)},
		{"Petal & Stem", "tomorrow", time.Date(2026, 12, 5, 9, 0, 0, 0, paris)},   // open on Saturday mornings
		{"Skylark Air", "tomorrow", time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}, // always open
		{"Skylark Air", "2h", friday.Add(2 * time.Hour)},
	} {
		id := conv[tc.brand]
		if id == "" {
			t.Fatalf("the demo has no conversation of %s", tc.brand)
		}
		got, err := a.TimeFor(ctx, id, tc.at)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s --at %s: %v %v, want %v", tc.brand, tc.at, got, err, tc.want)
		}
	}
	var te *when.Error
	if _, err := a.TimeFor(ctx, conv["Skylark Air"], "banana"); !errors.As(err, &te) {
		t.Errorf("--at banana: %v, want a *when.Error", err)
	}
	if _, err := a.TimeFor(ctx, "no-such-conversation", "2h"); err == nil || errors.As(err, &te) {
		t.Errorf("an unknown conversation: %v, want the store's error", err)
	}
}
