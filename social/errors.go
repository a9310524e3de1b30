package social

import (
	"errors"
	"fmt"
	"strings"
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

// Redacted replaces a secret wherever Redact finds one.
const Redacted = "[redacted]"

// Redact returns err with every secret (an account's token, password,
// session or signing keys; shorter than 4 bytes is ignored) replaced by
// Redacted in its text, for adapters to apply before an error leaves them:
// a server may echo the token it refused in its error body, and error
// texts are printed, logged and stored. The Msg of every *Error in the
// chain is rewritten; if the text still holds a secret (another wrapped
// error quotes it), the error is wrapped so that Error() says Redacted.
// Unwrapping keeps working (KindOf, RetryAt, errors.Is).
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var olds []string
	for _, s := range secrets {
		if len(s) >= 4 {
			olds = append(olds, s)
		}
	}
	if len(olds) == 0 {
		return err
	}
	clean := func(s string) string {
		for _, o := range olds {
			s = strings.ReplaceAll(s, o, Redacted)
			// a message shortened to one line ("…") may end inside a
			// secret: its start is a secret too
			for k := len(o) - 1; k >= 4; k-- {
				if cut := o[:k] + "…"; strings.Contains(s, cut) {
					s = strings.ReplaceAll(s, cut, Redacted+"…")
				}
			}
		}
		return s
	}
	for e := err; e != nil; {
		if se, ok := e.(*Error); ok {
			if m := clean(se.Msg); m != se.Msg {
				se.Msg = m
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		default:
			e = nil
		}
	}
	if text := err.Error(); clean(text) != text {
		return &redactedError{msg: clean(text), err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }
