package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// The team trail names who edited the contact, as the engine recorded it;
// an edit of the contact does not end the "back from snooze" line.
func TestTrailShowsContactEdits(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 40, 0, 0, time.Local)
	jd := social.Actor{Name: "Jane Doe", Initials: "JD"}
	ak := social.Actor{Name: "Ade Kim", Initials: "AK"}
	c := social.Conversation{State: social.StateOpen, SnoozeNote: "call back"}
	c.Record(social.Activity{At: at, By: ak, Action: social.ActSnoozed})
	c.Record(social.Activity{At: at.Add(time.Minute), By: jd, Action: social.ActContactEdited, Note: "VIP set"})
	c.Record(social.Activity{At: at.Add(2 * time.Minute), By: ak, Action: social.ActContactEdited, Note: "note edited, tags edited"})
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"trail", trailLine(c, 4), "snoozed by AK 10:40 · VIP set by JD 10:41 · note edited, tags edited by AK 10:42"},
		{"snooze note", snoozeNote(c), "⏰ back from snooze (Mon 10:40): call back"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	c.Record(social.Activity{At: at.Add(3 * time.Minute), By: jd, Action: social.ActPending})
	if got := snoozeNote(c); strings.Contains(got, "back from snooze") {
		t.Errorf("after another action on the conversation: %q", got)
	}
}
