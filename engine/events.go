package engine

import (
	"github.com/hark-tui/hark/fanout"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// EventKind says what happened.
type EventKind int

// Event kinds.
const (
	EvNewPosts    EventKind = iota // a poll stored new posts
	EvConvChanged                  // conversations changed (actions, wake-ups, sends)
	EvDelivery                     // an outbox entry changed state
	EvFeedStatus                   // a feed's health changed
	EvResync                       // the subscriber missed events: reload everything
	EvTeam                         // the team changed in the database (claims, presence: package team)
	// EvListening: the change notices are heard from now on (the listener
	// connected, first or again); what changed before may have been
	// missed, so a copy kept from notices (package team) reads again
	EvListening
)

// Event is sent to every subscriber.
type Event struct {
	Kind     EventKind
	ConvIDs  []string
	Posts    []social.Post
	Reopened []string
	Outbox   *store.OutboxEntry
	Feed     *store.FeedStatus
	Team     []store.TeamChange // EvTeam, in commit order (this process's own included)
}

// Subscribe returns a channel of events and a function to stop. A slow
// subscriber never blocks the engine: when its buffer is full, events are
// dropped and the next one it gets is EvResync.
func (e *Engine) Subscribe() (<-chan Event, func()) { return e.events.Subscribe() }

func (e *Engine) publish(ev Event) { e.events.Publish(ev) }

// newEvents is the engine's fan-out: 256 events a subscriber.
func newEvents() *fanout.Hub[Event] {
	return fanout.New(256, func(Event) Event { return Event{Kind: EvResync} })
}
