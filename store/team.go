package store

import (
	"context"
	"time"

	"github.com/hark-tui/hark/social"
)

// TeamBoard is what a backend shared by several hark processes adds for
// the team (package team): operators' sessions (presence: who is online,
// on which brand, viewing which conversation) and their claims on
// conversations, kept in the database so every process sees them.
// Liveness is on the database's clock: a session lives while its process
// heartbeats it (TeamBeat) within ttl, and a claim lives while its session
// does and it was touched within idle. Every change is announced in its
// own transaction (a TeamChange in the change notice, see Coordinator.
// Listen) and also returned, so the writer applies it at once. Each
// change carries a revision from one database sequence: a reader applies
// a change to a claim or a session only when it is newer than the last it
// applied to it, so the write's own result and its notice can arrive in
// either order. The PostgreSQL backend implements it; bbolt does not (its
// one process keeps the team in memory).
type TeamBoard interface {
	// TeamJoin registers a session (its ID is assigned) and announces it.
	TeamJoin(ctx context.Context, s TeamSession) (TeamSession, []TeamChange, error)
	// TeamLeave ends a session: its claims end (reason "disconnect") and
	// it leaves (reason "left").
	TeamLeave(ctx context.Context, session int64) ([]TeamChange, error)
	// TeamBeat keeps the process's sessions alive; a session the others
	// already swept (the process was cut off longer than ttl) is
	// registered again and announced as joined (its claims stay gone).
	TeamBeat(ctx context.Context, sessions []TeamSession) ([]TeamChange, error)
	// TeamSweep ends the claims idle longer than idle or whose session is
	// dead, and the sessions not heartbeated within ttl.
	TeamSweep(ctx context.Context, ttl, idle time.Duration) ([]TeamChange, error)
	// TeamClaim claims conv for the session, atomically across processes.
	// A claim that is idle or whose session is dead is replaced; the
	// session's own claim is touched; a claim of another session of the
	// same operator moves to this one; another operator's live claim is
	// returned with ok false unless take (then it is taken over, reason
	// "taken", Prev set). A session that is not live (swept) claims
	// nothing: ErrTeamGone.
	TeamClaim(ctx context.Context, session int64, conv string, take bool, ttl, idle time.Duration) (c TeamClaim, ok bool, ch []TeamChange, err error)
	// TeamTouch records activity on the session's claim; false when the
	// session no longer holds it (expired, taken over, swept).
	TeamTouch(ctx context.Context, session int64, conv string, idle time.Duration) (bool, error)
	// TeamRelease ends the session's claims on convs (every claim of the
	// session when convs is empty); others' claims are untouched.
	TeamRelease(ctx context.Context, session int64, convs []string, reason string) ([]TeamChange, error)
	// TeamPresence records the brand a session looks at and the
	// conversation it has open.
	TeamPresence(ctx context.Context, session int64, brand, viewing string) ([]TeamChange, error)
	// TeamState reads every live session and claim (a reload after a
	// resync), with the newest revision.
	TeamState(ctx context.Context, ttl, idle time.Duration) ([]TeamSession, []TeamClaim, int64, error)
}

// TeamSession is one operator's session as the database keeps it.
type TeamSession struct {
	ID      int64        `json:"id"`
	Process string       `json:"p,omitempty"`
	Actor   social.Actor `json:"a"`
	Brand   string       `json:"b,omitempty"`
	Viewing string       `json:"v,omitempty"`
	Since   time.Time    `json:"t"`
	Rev     int64        `json:"r"`
}

// TeamClaim is a claim as the database keeps it.
type TeamClaim struct {
	Conv    string       `json:"c"`
	Session int64        `json:"s"`
	Holder  social.Actor `json:"h"`
	Since   time.Time    `json:"t"`
	Last    time.Time    `json:"l"`
	Rev     int64        `json:"r"`
}

// TeamChange kinds.
const (
	TeamClaimed  = "claimed"  // Claim (and Prev when taken over)
	TeamReleased = "released" // Claim ended (Reason)
	TeamPresence = "presence" // Session joined, left or changed (Reason)
)

// TeamChange is one committed change of the team.
type TeamChange struct {
	Kind    string       `json:"k"`
	Claim   *TeamClaim   `json:"c,omitempty"`
	Prev    *TeamClaim   `json:"p,omitempty"`
	Session *TeamSession `json:"s,omitempty"`
	Reason  string       `json:"why,omitempty"`
	Rev     int64        `json:"r"`
	At      time.Time    `json:"at"`
}

// ErrTeamGone: the session is not (or no longer) live in the database.
var ErrTeamGone = errTeamGone{}

type errTeamGone struct{}

func (errTeamGone) Error() string {
	return "team session no longer live (its process was cut off longer than the session time): nothing written"
}
