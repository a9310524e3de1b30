package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Restore takes a resolve, a snooze or a pending back exactly, and refuses
// when the customer wrote since.
func TestRestoreUndoesAStateChange(t *testing.T) {
	e, _, clk, top := polledDemo(t, 2)
	for _, tt := range []struct {
		name string
		do   func(ctx context.Context, id string) (social.Conversation, error)
	}{
		{"resolve", e.Resolve},
		{"snooze", func(ctx context.Context, id string) (social.Conversation, error) {
			return e.Snooze(ctx, id, clk.Now().Add(3*time.Hour), "later")
		}},
		{"pending", func(ctx context.Context, id string) (social.Conversation, error) {
			return e.SetState(ctx, id, social.StatePending)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := top[0].ID
			prev, _ := e.Store().Conversation(context.Background(), id)
			after, err := tt.do(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Restore(t.Context(), id, prev, after)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != prev.State || !got.WaitingSince.Equal(prev.WaitingSince) || !got.DueAt.Equal(prev.DueAt) || !got.SnoozedUntil.Equal(prev.SnoozedUntil) || got.SnoozeNote != prev.SnoozeNote {
				t.Fatalf("restored %+v\nwas      %+v", got, prev)
			}
			if a := got.Activity[len(got.Activity)-1]; a.Action != social.ActUndone || a.Note != string(after.State) {
				t.Fatalf("trail: %+v", a)
			}
			// the same undo twice: the state is no longer what it undid
			if _, err := e.Restore(t.Context(), id, prev, after); !errors.Is(err, ErrChanged) {
				t.Fatalf("second undo: %v", err)
			}
		})
	}
	// a customer post since the resolve: not undone (it reopened anyway)
	id := top[1].ID
	prev, _ := e.Store().Conversation(context.Background(), id)
	after, _ := e.Resolve(t.Context(), id)
	if _, err := e.st.UpdateConv(context.Background(), id, func(c *social.Conversation) error {
		c.LastCustomerAt = clk.Now().Add(time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Restore(t.Context(), id, prev, after); !errors.Is(err, ErrChanged) {
		t.Fatalf("undo after a customer post: %v", err)
	}
}

// A held reply waits its window, can be taken back meanwhile (never sent),
// and goes out once the window is over; one already sent cannot be.
func TestHeldReplyCanBeTakenBack(t *testing.T) {
	e, _, clk, top := polledDemo(t, 2)
	ctx := context.Background()
	ent, err := e.Reply(t.Context(), top[0].ID, "On it", ReplyOptions{Hold: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if next := e.Deliver(ctx); !next.Equal(clk.Now().Add(5 * time.Second)) {
		t.Fatalf("next attempt %s, want in 5 s", next)
	}
	got, err := e.Unsend(t.Context(), ent.Seq)
	if err != nil || got.State != store.OutDropped || got.Reply.Text != "On it" {
		t.Fatalf("unsend: %+v %v", got, err)
	}
	clk.Advance(10 * time.Second)
	e.Deliver(ctx)
	if x, _ := e.Store().OutboxEntry(context.Background(), ent.Seq); x.State != store.OutDropped || x.Attempts != 0 {
		t.Fatalf("a taken-back reply was sent: %+v", x)
	}
	// the window over: sent, and no longer to be taken back
	ent2, _ := e.Reply(t.Context(), top[1].ID, "Sorted", ReplyOptions{Hold: 5 * time.Second})
	clk.Advance(5 * time.Second)
	e.Deliver(ctx)
	if x, _ := e.Store().OutboxEntry(context.Background(), ent2.Seq); x.State != store.OutSent {
		t.Fatalf("held reply not sent after its window: %+v", x)
	}
	if _, err := e.Unsend(t.Context(), ent2.Seq); err == nil {
		t.Fatal("a sent reply was taken back")
	}
}

// The log says until when a held reply can be taken back (it said
// 0001-01-01: the hold is the entry's next attempt, not a send time).
func TestHeldReplyLogsItsWindow(t *testing.T) {
	e, _, clk, top := polledDemo(t, 1)
	logs, lg := procLog()
	e.log = lg
	if _, err := e.Reply(t.Context(), top[0].ID, "On it", ReplyOptions{Hold: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	want := "undo_until=" + clk.Now().Add(5*time.Second).Format("2006-01-02T15:04:05.000Z07:00")
	if got := logs.String(); !strings.Contains(got, want) {
		t.Fatalf("log lacks %s:\n%s", want, got)
	}
}

// An entry held after Deliver read the list is not sent early.
func TestHoldHonouredUnderTheWriteLock(t *testing.T) {
	e, _, clk, top := polledDemo(t, 1)
	ctx := context.Background()
	ent, _ := e.Reply(t.Context(), top[0].ID, "On it", ReplyOptions{})
	ent, _ = e.hold(t.Context(), ent, clk.Now().Add(5*time.Second))
	ent.NextAttempt = clk.Now() // the list as read before the hold
	if next := e.deliverOne(ctx, ent, ""); !next.Equal(clk.Now().Add(5 * time.Second)) {
		t.Fatalf("deliverOne returned %s", next)
	}
	if x, _ := e.Store().OutboxEntry(context.Background(), ent.Seq); x.State != store.OutQueued || x.Attempts != 0 {
		t.Fatalf("sent inside its hold: %+v", x)
	}
}

// An operator limited to some brands cannot undo (or take back a reply)
// on another brand's conversation.
func TestUndoKeepsToTheOperatorsBrands(t *testing.T) {
	e, _, _, top := polledDemo(t, 1)
	c := top[0]
	prev := c
	after, err := e.Resolve(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	other := e.As(social.Actor{Name: "Ade Kim", Initials: "AK"}).WithBrands([]string{"Not " + c.Brand})
	var be *BrandError
	if _, err := other.Restore(t.Context(), c.ID, prev, after); !errors.As(err, &be) {
		t.Fatalf("restore across brands: %v", err)
	}
	ent, _ := e.Reply(t.Context(), c.ID, "On it", ReplyOptions{Hold: time.Minute})
	if _, err := other.Unsend(t.Context(), ent.Seq); !errors.As(err, &be) {
		t.Fatalf("unsend across brands: %v", err)
	}
}
