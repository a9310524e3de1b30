package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/ipc"
	"github.com/hark-tui/hark/store/stores"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/tui"
)

// Reading commands (doctor, queue, search, stats, export, statuses,
// outbox) and the writing ones a script or cron runs beside the TUI
// (reply, resolve, reopen, pending, snooze, post, outbox retry|discard,
// poll --once) work while another hark
// holds the store: bbolt lets no second process open it, so they ask the
// process that holds it over its socket (package ipc), which runs the very
// same command on its open store and engine. On PostgreSQL they open the
// database themselves.

// readCommands are the reading commands a running hark answers for others.
var readCommands = []string{"doctor", "queue", "search", "stats", "export", "statuses", "outbox"}

// writeCommands are the writing ones: a reply or a status post queued in
// the running hark's outbox and delivered by it (one delivery at a time in
// a process: engine.Deliver). (hark outbox retry and discard write too:
// they are asked as "outbox", their path below it in the arguments.) A
// running hark answers hark poll --once (cron while the TUI is open) by
// polling now; hark poll and --backfill it refuses, as it polls already.
var writeCommands = []string{"reply", "post", "poll", "resolve", "reopen", "pending", "snooze"}

// socketPath is the socket of the hark that holds cfg's store.
func socketPath(cfg *config.Config) string {
	_, stateDir := config.Paths()
	name := ""
	if cfg.Throwaway {
		name = "demo" // the demo's store has no fixed path
	}
	return ipc.Path(stateDir, cfg.Store, name)
}

// withRunning makes the body of a command a running hark answers
// (readCommands, writeCommands): inside a running hark (f.served) it runs
// on that hark's app; else it asks a running hark over the socket, and
// opens the store itself when none runs.
func withRunning(f *flags, o app.Options, run func(cmd *cobra.Command, args []string, a *app.App) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if f.served != nil {
			return run(cmd, args, f.served)
		}
		stderr := cmd.ErrOrStderr()
		cfg, err := loadConfig(f, stderr)
		if err != nil {
			return err
		}
		broken := false
		if cmd.Name() == "doctor" {
			// what stops the TUI from starting fails doctor too (checked
			// here, on the file: a running hark has the config it started
			// with); the accounts are checked anyway
			if err := checkTUIConfig(cfg); err != nil {
				name := cfg.Path
				if f.demo && f.config != "" {
					name = f.config + " (keys and theme, on the demo)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "config %s\n  ✗ %s\n", textsafe.Line(name), textsafe.Line(err.Error()))
				broken = true
			}
		}
		exit := func(err error) error {
			if broken {
				fmt.Fprintln(cmd.OutOrStdout(), "the config's keys or theme stop hark from starting (see the top)")
				if err == nil {
					return ExitError{Code: 1}
				}
			}
			return err
		}
		// PostgreSQL lets every process in: a reading command opens the
		// database itself (the hark that writes to it may be on another box)
		if !stores.IsPostgres(cfg.Store) {
			switch err := askRunning(cmd, args, socketPath(cfg)); {
			case err == nil:
				return exit(nil)
			case !errors.Is(err, ipc.ErrNotRunning):
				return exit(err)
			}
		}
		a, err := app.Open(cmd.Context(), cfg, o)
		if err != nil && !slices.Contains(readCommands, cmd.Name()) {
			return err // a write with no store to write to fails
		}
		switch {
		case errors.Is(err, app.ErrNoDemoStore) && !f.demo && cfg.Path == "":
			fmt.Fprintf(stderr, "hark: nothing yet: there is no config (%s) and no store on this machine.\n"+
				"Run `hark` to try the demo, or `hark init` to write a config for your accounts, then `hark`.\n", textsafe.Line(defaultConfig()))
			return nil
		case errors.Is(err, app.ErrNoDemoStore):
			fmt.Fprintln(stderr, "hark:", err)
			return nil
		}
		var none *app.NoStoreError
		if errors.As(err, &none) {
			fmt.Fprintln(stderr, "hark:", textsafe.Line(none.Error()))
			return nil
		}
		if err != nil {
			return err
		}
		defer a.Close()
		return exit(run(cmd, args, a))
	}
}

func defaultConfig() string {
	p, _ := config.Paths()
	return p
}

// askRunning runs cmd in the hark serving socket, if one does, and prints
// its output (sanitized again on a terminal, whatever the command printed).
func askRunning(cmd *cobra.Command, args []string, socket string) error {
	path := strings.Fields(cmd.CommandPath())[1:] // hark outbox retry: outbox, then retry
	req := ipc.Request{Cmd: path[0], Args: append(path[1:], commandFlags(cmd)...)}
	if len(args) > 0 { // the positional arguments (a search's query), after --
		req.Args = append(append(req.Args, "--"), args...)
	}
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var obuf, ebuf bytes.Buffer
	sout, serr := io.Writer(&obuf), io.Writer(&ebuf)
	if !isTerminal(out) {
		sout = out // a file or a pipe gets the exact bytes, streamed
	}
	err := ipc.Do(cmd.Context(), socket, req, sout, serr)
	if errors.Is(err, ipc.ErrNotRunning) {
		return err
	}
	if obuf.Len() > 0 {
		io.WriteString(out, textsafe.Block(obuf.String()))
	}
	if ebuf.Len() > 0 {
		io.WriteString(errw, textsafe.Block(ebuf.String()))
	}
	var re *ipc.RemoteError
	if errors.As(err, &re) {
		if re.Msg == "" {
			return ExitError{Code: re.Code}
		}
		return errors.New(re.Msg)
	}
	if err != nil && slices.Contains(writeCommands, cmd.Name()) {
		return fmt.Errorf("%w: it may have done it before it stopped (hark outbox shows what waits to be sent; the next hark sends it)", err)
	}
	return err
}

// commandFlags are the flags given to cmd, as arguments (the global ones
// pick the store, and so the socket: they are not sent). A repeated flag
// (--image a --image b) is sent a value at a time: its String is "[a,b]".
func commandFlags(cmd *cobra.Command) []string {
	var args []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "config", "db", "demo", "help":
			return
		}
		vals := []string{fl.Value.String()}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
		}
		for _, v := range vals {
			args = append(args, "--"+fl.Name+"="+v)
		}
	})
	return args
}

// serveReads answers reading and writing commands for other processes
// while this one holds the store; the returned func stops it. A socket
// that cannot be made is logged, not fatal: the commands then say the
// store is in use.
func serveReads(ctx context.Context, a *app.App) func() {
	srv, err := ipc.Listen(socketPath(a.Cfg), a.Log)
	if err != nil {
		a.Log.Warn("reading commands cannot be answered while hark runs", "err", err)
		return func() {}
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(sctx, readHandler(a)) }()
	return func() { cancel(); srv.Close(); <-done }
}

// holderRequest asks a running hark what it is (heldBy).
const holderRequest = "holder"

// heldBy adds to err, a store held by another process, which hark holds it
// and what to do instead, when that hark answers on its socket.
func heldBy(ctx context.Context, cfg *config.Config, err error) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var out bytes.Buffer
	if ipc.Do(ctx, socketPath(cfg), ipc.Request{Cmd: holderRequest}, &out, io.Discard) != nil {
		return err // an older hark, or none that answers
	}
	kind, pid, _ := strings.Cut(out.String(), " ")
	kind, pid = textsafe.Line(kind), textsafe.Line(pid)
	switch kind {
	case "tui":
		return fmt.Errorf("%w\nhark is open in another terminal (pid %s): use that one, or quit it first", err, pid)
	case "serve":
		return fmt.Errorf("%w\nhark serve (pid %s) holds it: connect to it with ssh for a TUI of your own, or stop it first", err, pid)
	}
	return fmt.Errorf("%w\nhark %s (pid %s) holds it and polls it: to answer beside it, run hark serve in its place "+
		"(one engine, a TUI for every ssh session), or stop it first", err, kind, pid)
}

// readHandler runs a reading or writing command on a, exactly as the CLI
// runs it, and tells a hark that asks what this one is (heldBy).
func readHandler(a *app.App) ipc.Handler {
	return func(ctx context.Context, req ipc.Request, stdout, stderr io.Writer) error {
		if req.Cmd == holderRequest {
			_, err := fmt.Fprintf(stdout, "%s %d", a.Kind, os.Getpid())
			return err
		}
		if !slices.Contains(readCommands, req.Cmd) && !slices.Contains(writeCommands, req.Cmd) {
			return fmt.Errorf("a running hark answers only %s, not %q", strings.Join(slices.Concat(readCommands, writeCommands), ", "), req.Cmd)
		}
		f := &flags{served: a}
		root := &cobra.Command{Use: "hark", SilenceUsage: true, SilenceErrors: true}
		root.AddCommand(queueCmd(f), searchCmd(f), statsCmd(f), exportCmd(f), doctorCmd(f), statusesCmd(f), replyCmd(f), postCmd(f), outboxCmd(f), pollCmd(f))
		root.AddCommand(convCmds(f)...)
		root.SetOut(stdout)
		root.SetErr(stderr)
		root.SetIn(strings.NewReader(""))
		root.SetArgs(append([]string{req.Cmd}, req.Args...))
		return root.ExecuteContext(ctx)
	}
}

// isTerminal says whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Stat() (os.FileInfo, error) }) // (a file, or main's stdout)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// checkTUIConfig reports what in cfg would stop the TUI from starting (the
// key table, the theme's colours), as the TUI checks it.
func checkTUIConfig(cfg *config.Config) error {
	if err := tui.CheckConfig(cfg.Keys, cfg.Theme.Name, cfg.Theme.Colors); err != nil {
		return fmt.Errorf("keys/theme: %w (hark would not start with it)", err)
	}
	return nil
}
