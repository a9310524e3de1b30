package social

import (
	"strings"
	"time"
)

// Actor is the operator who did something: who replied, resolved, snoozed.
// The zero Actor is "nobody recorded" (data from before team mode, or the
// system itself).
type Actor struct {
	Name     string `json:"name,omitempty"`
	Initials string `json:"initials,omitempty"`
}

// IsZero reports whether no actor is recorded.
func (a Actor) IsZero() bool { return a.Name == "" && a.Initials == "" }

// Label is the short form shown in the UI: the initials, else the name.
func (a Actor) Label() string {
	if a.Initials != "" {
		return a.Initials
	}
	return a.Name
}

// Same reports whether a and b are the same operator (initials are unique
// among operators; case does not matter).
func (a Actor) Same(b Actor) bool {
	if a.Initials != "" || b.Initials != "" {
		return strings.EqualFold(a.Initials, b.Initials)
	}
	return a.Name == b.Name
}

// Action names what an operator did to a conversation.
type Action string

// Actions recorded in a conversation's activity trail.
const (
	ActReplied     Action = "replied"      // a reply of theirs was delivered
	ActResolved    Action = "resolved"     // closed (by hand, or by a reply sent with resolve)
	ActSnoozed     Action = "snoozed"      // hidden until a time
	ActPending     Action = "pending"      // marked waiting on the customer
	ActReopened    Action = "reopened"     // back to open (or new) by hand
	ActClaimedOver Action = "claimed-over" // replied although another operator held the claim (confirmed)
	ActSkipped     Action = "follow-up-skipped"
	// ActPostDeleted: the customer deleted the post that waited; with
	// nothing else waiting the conversation left the inbox.
	ActPostDeleted Action = "post-deleted"
	ActUndone      Action = "undone" // the operator's last change taken back (Note: what was undone)
	// ActSentOverNews: a reply queued although its screen had not shown
	// newer posts or another operator's reply; the operator saw them and
	// confirmed (Note: what was new).
	ActSentOverNews Action = "sent-over-news"
	// ActContactEdited: the customer's contact changed from this
	// conversation (Note: "VIP set", "VIP cleared", "note edited", "tags
	// edited").
	ActContactEdited Action = "contact-edited"
)

// OutsideHark is the actor of answers the brand gave outside hark (the
// phone app, the web): seen in a thread, never sent by hark.
var OutsideHark = Actor{Name: "outside hark"}

// MaxActivity bounds a conversation's activity trail: older entries are
// dropped first.
const MaxActivity = 100

// Activity is one entry of a conversation's trail: who did what, when.
type Activity struct {
	At     time.Time `json:"at,omitzero"`
	By     Actor     `json:"by,omitzero"`
	Action Action    `json:"action"`
	// Note is a detail: the holder's initials for claimed-over, the
	// outbox sequence for replied.
	Note string `json:"note,omitempty"`
}

// Record appends an activity entry, keeping at most MaxActivity.
func (c *Conversation) Record(a Activity) {
	c.Activity = append(c.Activity, a)
	if n := len(c.Activity) - MaxActivity; n > 0 {
		c.Activity = append(c.Activity[:0:0], c.Activity[n:]...)
	}
}

// Last returns the latest activity entry of the given action, if any.
func (c *Conversation) Last(act Action) (Activity, bool) {
	for i := len(c.Activity) - 1; i >= 0; i-- {
		if c.Activity[i].Action == act {
			return c.Activity[i], true
		}
	}
	return Activity{}, false
}
