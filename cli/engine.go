package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/textsafe"
)

func engineCmd(f *flags) *cobra.Command {
	return &cobra.Command{
		Use:   "engine",
		Short: "Run the engine alone (poll, deliver, clock), no TUI: for a server box or a systemd unit",
		Long: `hark engine polls the feeds, delivers the outbox and keeps the snooze and SLA
clock, without a TUI, until SIGTERM or SIGINT; it then finishes what it is
doing, gives its leases up and exits 0. It prints a line per stored post,
delivery and feed problem (sanitized), for the journal.

On a PostgreSQL store (store: postgres://…) it is one member of a team with
every other hark, hark serve and hark engine on that database: each feed is
polled by one process at a time, each reply sent once, and the clock runs in
one process. On a bbolt store it is the only process, like hark poll.`,
		Args: cobra.NoArgs,
		RunE: withApp(f, app.Options{Kind: "engine"}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "hark engine: %s store %s, %d feeds\n", a.Store.Backend(), textsafe.Line(a.Store.Path()), len(a.Engine.Feeds()))
			err := follow(cmd.Context(), a, out)
			fmt.Fprintln(out, "hark engine: stopped")
			return err
		}),
	}
}
