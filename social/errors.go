package social

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies feed and send failures so the engine can choose
// between backoff, waiting for a rate-limit reset, and giving up.
type ErrorKind int

// Error kinds.
const (
	Transient   ErrorKind = iota // 5xx, timeouts, connection errors, HTML bodies: retry with backoff
	RateLimited                  // 429 and friends: wait until Until
	Auth                         // bad or expired credentials: needs the operator
	Permanent                    // validation, forbidden, not found: do not retry
)

func (k ErrorKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case RateLimited:
		return "rate-limited"
	case Auth:
		return "auth"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a typed feed or send error.
type Error struct {
	Kind   ErrorKind
	Status int       // HTTP status, 0 if none
	Until  time.Time // for RateLimited: when to try again (zero = unknown)
	Msg    string    // the server's message, short and safe to show
	Err    error     // underlying error, may be nil
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: the Kind of a wrapped *Error, or
// Transient for any other error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Transient
}

// RetryAt returns the time a rate-limited error says to wait for.
func RetryAt(err error) (time.Time, bool) {
	var e *Error
	if errors.As(err, &e) && e.Kind == RateLimited && !e.Until.IsZero() {
		return e.Until, true
	}
	return time.Time{}, false
}

// CredentialHint says what to check when a network refused an account's
// credentials, in the network's own words: a Bluesky account signs in
// with an app password, X with four OAuth keys, Mastodon with a token.
func CredentialHint(n Network) string {
	switch n {
	case Bluesky:
		return "check the app password"
	case X:
		return "check the API keys and access tokens"
	case RSS:
		return "check the feed's URL and credentials"
	}
	return "check the access token"
}
