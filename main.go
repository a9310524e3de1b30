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
	"syscall"
	_ "time/tzdata" // business hours need zone data on machines without zoneinfo

	"github.com/hark-tui/hark/cli"
	"github.com/hark-tui/hark/textsafe"
)

func main() {
	// hark owns SIGINT and SIGTERM here, and only here: the first ends ctx,
	// and every command (the TUI too) quits through it, restoring the
	// terminal and releasing the store. A second signal while it does so
	// gets the default action.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	err := cli.Root().ExecuteContext(ctx)
	stop()
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
