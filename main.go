// Command hark is a terminal inbox for social customer care: it polls the
// brand's mentions on Mastodon, Bluesky, X and RSS/Atom into a local store,
// triages them, and lets one operator answer the urgent ones first.
//
// It imports cli, which holds the commands, and textsafe for its last error
// line.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	_ "time/tzdata" // business hours need zone data on machines without zoneinfo

	"github.com/hark-tui/hark/cli"
	"github.com/hark-tui/hark/textsafe"
)

func main() {
	// hark owns SIGINT, SIGTERM and SIGHUP (its terminal or SSH session
	// went away) here, and only here: the first ends ctx,
	// and every command (the TUI too) quits through it, restoring the
	// terminal and releasing the store. A second signal while it does so
	// gets the default action.
	ctx, stop := signal.NotifyContext(context.Background(), quitSignals()...)
	go func() { <-ctx.Done(); stop() }()
	// A reader that goes away (hark queue | head) ends the command as a
	// signal does, through ctx, so that it still releases the store and
	// removes a throw-away demo store; SIGPIPE would kill hark on the spot.
	// Caught, not ignored: an ignored signal stays ignored in the commands
	// hark runs (a secret's cmd:, the link opener); the writes fail with
	// EPIPE instead, which stdout notes. (The channel is never read: a
	// broken pipe elsewhere, a socket, is already an error where it is.)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, gone := context.WithCancel(ctx)
	out := &stdout{File: os.Stdout, gone: gone}
	root := cli.Root()
	root.SetOut(out)
	err := root.ExecuteContext(ctx)
	stop()
	if out.broken.Load() {
		os.Exit(141) // as a shell reports a command ended by SIGPIPE
	}
	if err != nil {
		var ex cli.ExitError
		if errors.As(err, &ex) {
			os.Exit(ex.Code)
		}
		// errors can quote servers' messages: never raw to the terminal
		fmt.Fprintln(os.Stderr, "hark:", textsafe.Block(err.Error()))
		os.Exit(1)
	}
}

// quitSignals are the signals that end hark: SIGTERM, and SIGINT and
// SIGHUP unless hark was started with them ignored. `nohup hark engine &`
// (or a script's background job, which ignores SIGINT) asked for them to
// be ignored: catching them would end the engine at logout. (Go's Notify
// would otherwise install a handler and stop ignoring them.)
func quitSignals() []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM}
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// stdout is standard output, which notes a write to a pipe whose reader
// has gone (EPIPE) and ends the command's context. It is still the file
// (Fd, Stat): commands tell a terminal from a pipe by it.
type stdout struct {
	*os.File
	gone   context.CancelFunc
	broken atomic.Bool
}

func (s *stdout) Write(p []byte) (int, error) {
	n, err := s.File.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		s.broken.Store(true)
		s.gone()
	}
	return n, err
}
