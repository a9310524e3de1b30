package social

import "time"

// State is where a conversation stands in the operator's workflow.
type State string

// Conversation states.
const (
	StateNew      State = "new"      // nobody answered yet
	StateOpen     State = "open"     // being worked on
	StatePending  State = "pending"  // waiting on the customer
	StateSnoozed  State = "snoozed"  // hidden until SnoozedUntil
	StateResolved State = "resolved" // done
)

// Actionable reports whether the conversation belongs in the default queue.
func (s State) Actionable() bool { return s == StateNew || s == StateOpen }

// FollowUp tracks the public follow-up offered after a DM is resolved.
type FollowUp string

// Follow-up states.
const (
	FollowUpNone    FollowUp = ""
	FollowUpOffered FollowUp = "offered"
	FollowUpSent    FollowUp = "sent"
	FollowUpSkipped FollowUp = "skipped"
)

// Conversation groups the posts of one thread (or one customer's DMs) and
// carries the workflow state.
type Conversation struct {
	ID       string   `json:"id"` // short, stable, user-facing ("42")
	Network  Network  `json:"network"`
	Account  string   `json:"account"`
	Brand    string   `json:"brand"`
	Direct   bool     `json:"direct,omitempty"`
	RootKey  string   `json:"root_key"` // post key of the thread root, or dm:<handle> for DMs
	Contact  Author   `json:"contact"`  // the customer
	Preview  string   `json:"preview"`  // first line of the latest customer post (raw, unsanitized)
	Lang     string   `json:"lang,omitempty"`
	PostKeys []string `json:"post_keys"`
	ReadOnly string   `json:"read_only,omitempty"`

	State        State     `json:"state"`
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	SnoozeNote   string    `json:"snooze_note,omitempty"`

	Priority  int      `json:"priority"` // Base plus SLA pressure; the queue sorts on it
	Base      int      `json:"base"`     // score from the posts alone (urgency, VIP, sentiment)
	Reasons   []string `json:"reasons,omitempty"`
	Sentiment int      `json:"sentiment"` // <0 negative, >0 positive
	VIP       bool     `json:"vip,omitempty"`

	CreatedAt       time.Time `json:"created_at,omitzero"`       // first customer post
	UpdatedAt       time.Time `json:"updated_at,omitzero"`       // last change of any kind
	LastCustomerAt  time.Time `json:"last_customer_at,omitzero"` // latest customer post
	WaitingSince    time.Time `json:"waiting_since,omitzero"`    // start of the current SLA clock (zero = not waiting)
	DueAt           time.Time `json:"due_at,omitzero"`           // SLA deadline for the next response
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	FirstDueAt      time.Time `json:"first_due_at,omitzero"` // the SLA deadline the first response had to meet
	LastResponseAt  time.Time `json:"last_response_at,omitzero"`
	ResolvedAt      time.Time `json:"resolved_at,omitzero"`

	// Origin is the public post a DM conversation started from (post key),
	// so a public follow-up can be offered when the DM is resolved.
	Origin   string   `json:"origin,omitempty"`
	FollowUp FollowUp `json:"follow_up,omitempty"`

	// Status is the brand's status post this conversation answers (a
	// reply or mention under it), by the status id; "" = none.
	Status string `json:"status,omitempty"`

	// Who answered first and who resolved (zero = not recorded: before
	// team mode); Activity is the bounded trail of operators' actions.
	FirstReplyBy Actor      `json:"first_reply_by,omitzero"`
	ResolvedBy   Actor      `json:"resolved_by,omitzero"`
	Activity     []Activity `json:"activity,omitempty"`

	Version uint64 `json:"version"` // bumped on every write; UI caches key on it
}
