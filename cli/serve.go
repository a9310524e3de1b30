package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/serve"
)

func serveCmd(f *flags) *cobra.Command {
	var o serve.Options
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the inbox over SSH: one engine and store, a TUI for every operator who connects",
		Long: `hark serve runs the engine once and gives every operator who connects over SSH
their own TUI on it, so several people can answer from one box (the store
allows one writer: run serve instead of several hark processes).

Operators are let in by public key. With operators: in the config, the key
an operator connects with picks them: their replies are signed with their
initials, what they do is recorded under their name, and opening a reply
claims the conversation so nobody else answers it at the same time. Without
operators, --authorized-keys names an OpenSSH authorized_keys file, read
again on every connection (add a key, no restart), and every session signs
as agent:. With both, an authorized key that belongs to no operator is
refused with a message saying what to add.
Connect with: ssh -p PORT -t HOST
The host key is created on first start (default in the state directory).
Connections and refusals go to the log file.`,
		Args: cobra.NoArgs,
		RunE: withApp(f, app.Options{Kind: "serve"}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			out, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			o.Version = Version
			o.Started = func(i serve.Info) {
				for _, p := range i.Problems {
					fmt.Fprintln(stderr, "hark: warning:", p)
				}
				if i.Insecure {
					fmt.Fprintf(out, "hark serve: listening on %s (no authentication: --insecure-no-auth)\n", i.Addr)
					return
				}
				if i.Operators > 0 {
					fmt.Fprintf(out, "hark serve: listening on %s (%d operators, %d authorized keys)\n", i.Addr, i.Operators, i.AuthorizedKeys)
					return
				}
				fmt.Fprintf(out, "hark serve: listening on %s (%d authorized keys)\n", i.Addr, i.AuthorizedKeys)
			}
			defer serveReads(cmd.Context(), a)()
			return serve.Run(cmd.Context(), a, o)
		}),
	}
	c.Flags().StringVar(&o.Listen, "listen", serve.DefaultListen, "address to listen on (host:port)")
	c.Flags().StringVar(&o.HostKeyPath, "host-key", "", "SSH host key, created if missing (default <state dir>/"+serve.HostKeyName+")")
	c.Flags().StringVar(&o.AuthorizedKeys, "authorized-keys", "", "authorized_keys file of public keys (required unless the config lists operators:)")
	c.Flags().BoolVar(&o.InsecureNoAuth, "insecure-no-auth", false, "let anyone in without a key (local testing only; loopback addresses only)")
	return c
}
