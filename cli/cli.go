package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/tui"
)

// Version is set at build time (-ldflags "-X github.com/hark-tui/hark/cli.Version=…").
var Version = "0.1.0-dev"

// ExitError carries an exit code (doctor: 1 when an account is broken).
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode is the status (a running hark passes it on to the command it
// answered for).
func (e ExitError) ExitCode() int { return e.Code }

type flags struct {
	config string
	db     string
	demo   bool
	// served is the app of the running hark that answers a reading
	// command for another process (see reads.go); nil otherwise.
	served *app.App
}

// Root builds the command tree.
func Root() *cobra.Command {
	f := &flags{}
	root := &cobra.Command{
		Use:           "hark",
		Short:         "A terminal inbox for social customer care",
		Long:          "hark polls your brands' mentions on Mastodon, Bluesky, X and RSS/Atom, puts the urgent ones first,\nand lets you answer them from the keyboard. With no config it runs on an embedded demo feed.",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, _ []string) error { return runTUI(cmd.Context(), f, cmd.ErrOrStderr()) },
	}
	root.PersistentFlags().StringVar(&f.config, "config", "", "config file (default $XDG_CONFIG_HOME/hark/config.yaml)")
	root.PersistentFlags().StringVar(&f.db, "db", "", "store file (default $XDG_STATE_HOME/hark/<profile>.db)")
	root.PersistentFlags().StringVar(&f.db, "store", "", "store: a bbolt file or a postgres:// URL (same as --db)")
	root.PersistentFlags().BoolVar(&f.demo, "demo", false, "run on the embedded demo feed (no account, no network, a throw-away store); with --config, the config's operators, team settings, keys and theme apply")
	root.AddCommand(pollCmd(f), queueCmd(f), searchCmd(f), replyCmd(f), postCmd(f), statusesCmd(f), initCmd(f), doctorCmd(f), statsCmd(f), exportCmd(f), cannedCmd(f), serveCmd(f))
	root.AddCommand(storeCmd(f), engineCmd(f))
	return root
}

// loadConfig loads and validates the config with the flags applied.
func loadConfig(f *flags, stderr io.Writer) (*config.Config, error) {
	var cfg *config.Config
	if f.demo {
		cfg = config.Demo()
		if f.config != "" {
			// the demo with a team, or with your keys and colours: an
			// explicit config lends its operators, team settings, key table
			// and theme (nothing else: no accounts, no store) to the demo
			own, err := config.Load(f.config)
			if err != nil {
				return nil, err
			}
			cfg.Operators, cfg.Team = own.Operators, own.Team
			cfg.Keys, cfg.Theme = own.Keys, own.Theme
		}
	} else {
		var err error
		cfg, err = config.Load(f.config)
		if err != nil {
			return nil, err
		}
	}
	if f.db != "" {
		cfg.Store = f.db
		cfg.Throwaway = false // the demo on a store the operator named
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Path != "" {
		// before any cmd: secret runs (app.Open resolves them)
		if err := config.CheckWritable(cfg.Path); err != nil {
			return nil, err
		}
		for _, w := range config.CheckPermissions(cfg.Path) {
			fmt.Fprintln(stderr, "hark: warning:", w)
		}
	}
	return cfg, nil
}

// withApp makes a command body that runs with the app open (and closed
// after it).
func withApp(f *flags, o app.Options, run func(cmd *cobra.Command, args []string, a *app.App) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := openApp(cmd.Context(), f, cmd.ErrOrStderr(), o)
		if err != nil {
			return err
		}
		defer a.Close()
		return run(cmd, args, a)
	}
}

func openApp(ctx context.Context, f *flags, stderr io.Writer, o app.Options) (*app.App, error) {
	cfg, err := loadConfig(f, stderr)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, o)
}

func runTUI(ctx context.Context, f *flags, stderr io.Writer) error {
	a, err := openApp(ctx, f, stderr, app.Options{Kind: "tui"})
	if err != nil {
		return err
	}
	defer a.Close()
	a.SeedDemoStatus(ctx) // the demo's outage story starts with a status post
	defer serveReads(ctx, a)()
	d := a.TUIDeps(Version, openURL)
	// on a store shared by several processes (PostgreSQL), hark on a
	// laptop is a member of the team: its claims and presence are seen by
	// every hark serve on the database, and it sees theirs
	if reg := team.New(a.Engine, team.Options{Idle: a.Cfg.Team.ClaimIdle, Log: a.Log}); reg.Shared() {
		tctx, tcancel := context.WithCancel(ctx)
		tdone := make(chan struct{})
		go func() { defer close(tdone); reg.Run(tctx) }()
		defer func() { tcancel(); <-tdone }()
		ts := reg.Join(ctx, a.Cfg.Agent.Actor(), nil)
		defer ts.Close()
		d.Team = ts
	}
	d.Tmux = os.Getenv("TMUX") != "" || strings.HasPrefix(os.Getenv("TERM"), "tmux")
	d.Images, d.ProbeSixel, _ = a.ImageProtocol(false)
	// the engine runs while the TUI does, and stops before a.Close
	// releases the store, also when the TUI cannot start (app.Run)
	return a.Run(ctx, func(ctx context.Context) error {
		m, err := tui.New(d)
		if err != nil {
			return err
		}
		if err := needTerminal(); err != nil {
			m.Close()
			return err
		}
		if err := tui.Run(ctx, m); !errors.Is(err, tui.ErrHangup) {
			return err
		}
		a.Log.Info("the terminal hung up: hark quit (drafts kept)")
		return nil
	})
}

// needTerminal says why the inbox cannot be drawn here, if it cannot:
// standard output must be a terminal (nothing is drawn into a pipe or a
// file), and keys come from standard input or, when that is redirected,
// from the controlling terminal, as Bubble Tea reads them.
func needTerminal() error {
	const others = "for scripts: hark queue, hark search, hark reply, hark poll --once; for a server: hark engine or hark serve"
	if !term.IsTerminal(os.Stdout.Fd()) {
		return fmt.Errorf("the inbox needs a terminal, and standard output is not one (%s)", others)
	}
	if !term.IsTerminal(os.Stdin.Fd()) && runtime.GOOS != "windows" {
		tty, err := os.Open("/dev/tty")
		if err != nil {
			return fmt.Errorf("the inbox needs a terminal to read keys from: standard input is not one and there is no controlling terminal (%s)", others)
		}
		tty.Close()
	}
	return nil
}

// openURL opens a link with the desktop's opener; over SSH (no display)
// it fails and the TUI shows the link instead.
func openURL(u string) error {
	if !tui.WebLink(u) { // the TUI checks too: only web links reach the opener
		return fmt.Errorf("not a web link")
	}
	if os.Getenv("SSH_CONNECTION") != "" {
		return fmt.Errorf("remote session")
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return fmt.Errorf("no display")
		}
		cmd = exec.Command("xdg-open", u)
	}
	return cmd.Start()
}

func pollCmd(f *flags) *cobra.Command {
	var once bool
	var backfill string
	c := &cobra.Command{
		Use:   "poll",
		Short: "Poll every feed without the TUI (--once: one round, then print what was stored; --backfill 7d: read older posts)",
		PreRunE: func(*cobra.Command, []string) error {
			if backfill != "" {
				if _, err := parseAge(backfill); err != nil {
					return err
				}
			}
			return nil
		},
		RunE: withApp(f, app.Options{Kind: "poll"}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			out := cmd.OutOrStdout()
			if backfill != "" {
				d, _ := parseAge(backfill)
				return runBackfill(cmd.Context(), a, out, time.Now().Add(-d))
			}
			if !once {
				return follow(cmd.Context(), a, out)
			}
			failed := 0
			for _, r := range a.Engine.PollOnce(cmd.Context()) {
				if r.Err != nil {
					failed++
					fmt.Fprintf(out, "%s: error: %s\n", r.Feed, textsafe.Line(r.Err.Error()))
					continue
				}
				fmt.Fprintf(out, "%s: %d new\n", r.Feed, len(r.New))
				for _, p := range r.New {
					fmt.Fprintf(out, "  %s  %s  %s\n", textsafe.Line(p.Key()), app.Handle(p.Network, p.Author.Handle), textsafe.Truncate(textsafe.Line(p.Text), 80))
				}
				if b := r.Status.Backlog; b != "" && r.First {
					fmt.Fprintf(out, "  ! %s\n", textsafe.Line(b))
				}
			}
			// What no notification tells (answers given outside hark,
			// follow-ups without the @mention, edits, deletions) shows
			// in the threads of the conversations that wait.
			reportThreads(out, a.Engine.RefreshThreads(cmd.Context(), 20))
			// Cron runs `poll --once`: the replies waiting in the outbox
			// (queued by `hark reply` or the TUI while a network was
			// down) go out here too.
			if deliverOnce(cmd.Context(), a, out) > 0 {
				failed++
			}
			if failed > 0 {
				return ExitError{Code: 1}
			}
			return nil
		}),
	}
	c.Flags().BoolVar(&once, "once", false, "poll each feed once, deliver the replies that are due, and exit")
	c.Flags().StringVar(&backfill, "backfill", "", "read the posts of the last DURATION (7d, 48h, 2w) older than what the polls read, within the rate limits, and exit")
	return c
}

// parseAge reads a backfill duration: Go durations plus days (7d) and
// weeks (2w).
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("--backfill %q: give a duration like 7d, 48h or 2w", s)
	if s == "" {
		return 0, bad
	}
	unit := time.Duration(0)
	switch s[len(s)-1] {
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	}
	if unit != 0 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 366 {
			return 0, bad
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// runBackfill runs Engine.Backfill with progress: a bar redrawn in place
// on a terminal, a line per page otherwise.
func runBackfill(ctx context.Context, a *app.App, out io.Writer, since time.Time) error {
	tty := isTerminal(out)
	now := time.Now()
	line := func(p engine.BackfillProgress) string {
		frac := 0.0
		if !p.Oldest.IsZero() && now.After(since) {
			frac = min(max(float64(now.Sub(p.Oldest))/float64(now.Sub(since)), 0), 1)
		}
		if p.Done {
			frac = 1
		}
		const width = 24
		filled := int(frac * width)
		bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
		s := fmt.Sprintf("%s %s %3.0f%%  %d pages, %d posts (%d new)", textsafe.Line(p.Feed), bar, frac*100, p.Pages, p.Read, p.New)
		if !p.Oldest.IsZero() {
			s += ", back to " + p.Oldest.Local().Format("Jan 2 15:04")
		}
		if !p.Waiting.IsZero() {
			s += ", waiting for the rate limit until " + p.Waiting.Local().Format("15:04:05")
		}
		return s
	}
	last := ""
	res := a.Engine.Backfill(ctx, since, func(p engine.BackfillProgress) {
		l := line(p)
		if l == last {
			return
		}
		last = l
		if tty {
			fmt.Fprintf(out, "\r\x1b[2K%s", l)
		} else {
			fmt.Fprintln(out, "backfill: "+l)
		}
	})
	if tty && last != "" {
		fmt.Fprintln(out)
	}
	failed := 0
	for _, p := range res {
		switch {
		case p.Err != nil:
			failed++
			fmt.Fprintf(out, "%s: backfill stopped: %s\n", textsafe.Line(p.Feed), textsafe.Line(p.Err.Error()))
		case p.Done:
			fmt.Fprintf(out, "%s: backfill done: %d posts read back to %s, %d new\n", textsafe.Line(p.Feed), p.Read, since.Local().Format("Jan 2 15:04"), p.New)
		default:
			fmt.Fprintf(out, "%s: backfill stopped after %d pages (the bound): %d posts read, %d new\n", textsafe.Line(p.Feed), p.Pages, p.Read, p.New)
		}
	}
	if len(res) == 0 {
		fmt.Fprintln(out, "no feed can read back in time (Mastodon and Bluesky accounts can)")
	}
	if failed > 0 {
		return ExitError{Code: 1}
	}
	return nil
}

// reportThreads prints what a thread refresh found, a line for each kind
// of finding (nothing when it found nothing).
func reportThreads(out io.Writer, r engine.ThreadsResult) {
	ids := func(xs []string) string { return "#" + strings.Join(xs, ", #") }
	if len(r.AnsweredOutside) > 0 {
		fmt.Fprintf(out, "threads: answered outside hark: %s (now pending)\n", ids(r.AnsweredOutside))
	}
	if len(r.Reopened) > 0 {
		fmt.Fprintf(out, "threads: a follow-up without @mention reopened %s\n", ids(r.Reopened))
	}
	if len(r.Deleted) > 0 {
		fmt.Fprintf(out, "threads: the customer deleted the post of %s\n", ids(r.Deleted))
	}
	if r.Edited > 0 {
		fmt.Fprintf(out, "threads: %d edited post(s) updated\n", r.Edited)
	}
	for _, err := range r.Errors {
		fmt.Fprintf(out, "threads: error: %s\n", textsafe.Line(err.Error()))
	}
}

// deliverOnce sends the outbox entries that are due and prints one line
// for each entry that was waiting: sent, failed, or still queued with its
// next try. It returns how many failed for good in this round.
func deliverOnce(ctx context.Context, a *app.App, out io.Writer) int {
	now := time.Now()
	waiting, err := a.Store.Outbox(ctx, func(x store.OutboxEntry) bool {
		return x.State == store.OutQueued || x.State == store.OutSending || (x.State == store.OutScheduled && !x.SendAt.After(now))
	})
	if err != nil {
		fmt.Fprintf(out, "outbox: error: %s\n", textsafe.Line(err.Error()))
		return 1
	}
	if len(waiting) == 0 {
		return 0
	}
	dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	a.Engine.Deliver(dctx)
	failed := 0
	for _, w := range waiting {
		ent, err := a.Store.OutboxEntry(ctx, w.Seq)
		if err != nil {
			continue
		}
		switch ent.State {
		case store.OutSent:
			fmt.Fprintf(out, "outbox: %s sent: %s\n", outboxWhat(ent), textsafe.Line(ent.Sent.RemoteID))
		case store.OutFailed:
			failed++
			fmt.Fprintf(out, "outbox: %s failed: %s\n", outboxWhat(ent), textsafe.Line(ent.LastError))
		case store.OutCancelled:
			fmt.Fprintf(out, "outbox: scheduled %s cancelled: %s\n", outboxWhat(ent), textsafe.Line(ent.LastError))
		default:
			fmt.Fprintf(out, "outbox: %s still queued, next try at %s (next `hark poll --once` or a running hark): %s\n",
				outboxWhat(ent), ent.NextAttempt.Local().Format("15:04:05"), textsafe.Line(ent.LastError))
		}
	}
	return failed
}

// outboxWhat names an outbox entry: "reply 7 to #12", or for a status
// post's copy "status post 3 (outbox 7) on bluesky/acme" (its follow-up:
// "follow-up of status post 3 …").
func outboxWhat(e store.OutboxEntry) string {
	if id, follow, ok := store.ParseStatusRef(e.Reply.ConvID); ok {
		what := "status post"
		if follow {
			what = "follow-up of status post"
		}
		return fmt.Sprintf("%s %s (outbox %d) on %s/%s", what, textsafe.Line(id), e.Seq, e.Reply.Network, textsafe.Line(e.Reply.Account))
	}
	return fmt.Sprintf("reply %d to #%s", e.Seq, textsafe.Line(e.Reply.ConvID))
}

// follow runs the engine headless and prints what happens, a line each:
// new posts, deliveries, feed problems (all sanitized).
func follow(ctx context.Context, a *app.App, out io.Writer) error {
	events, stop := a.Engine.Subscribe()
	defer stop()
	defer serveReads(ctx, a)()
	done := make(chan error, 1)
	go func() { done <- a.Engine.Run(ctx) }()
	fmt.Fprintln(out, "polling every feed; ctrl+c stops")
	for {
		select {
		case err := <-done:
			return err
		case ev := <-events:
			switch ev.Kind {
			case engine.EvNewPosts:
				for _, p := range ev.Posts {
					fmt.Fprintf(out, "new   %s  %s  %s\n", textsafe.Line(p.Key()), app.Handle(p.Network, p.Author.Handle), textsafe.Truncate(textsafe.Line(p.Text), 70))
				}
			case engine.EvDelivery:
				if e := ev.Outbox; e != nil && (e.State == store.OutSent || e.State == store.OutFailed || e.State == store.OutCancelled) {
					fmt.Fprintf(out, "%-5s %s %s\n", e.State, outboxWhat(*e), textsafe.Line(e.LastError))
				}
			case engine.EvFeedStatus:
				if st := ev.Feed; st != nil && st.LastError != "" {
					fmt.Fprintf(out, "error %s: %s (next try %s)\n", textsafe.Line(st.Feed), textsafe.Line(st.LastError), st.Until.Local().Format("15:04:05"))
				}
			}
		}
	}
}

func queueCmd(f *flags) *cobra.Command {
	c := &cobra.Command{
		Use:   "queue",
		Short: "Print the top of the queue, one conversation a line with its id",
	}
	n, view := numberFlag(c, "how many conversations"), viewFlag(c, "inbox")
	c.RunE = withReader(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
		v, _ := store.ParseView(*view)
		var convs []social.Conversation
		var err error
		if *n == 0 { // all: the view's order, then the conversations
			var refs []store.Ref
			if refs, err = a.Store.QueueRefs(cmd.Context(), v, nil); err == nil {
				convs, err = a.Store.Conversations(cmd.Context(), store.RefIDs(refs))
			}
		} else {
			convs, err = a.Store.Top(cmd.Context(), v, *n, nil)
		}
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		now := time.Now()
		for _, c := range convs {
			fmt.Fprintln(out, app.QueueLine(c, now))
		}
		if len(convs) == 0 {
			fmt.Fprintln(out, "(empty)")
		}
		return nil
	})
	return c
}

func replyCmd(f *flags) *cobra.Command {
	var dm, resolve, noSig, anyway bool
	var at, to string
	var images, alts []string
	c := &cobra.Command{
		Use:   "reply ID TEXT",
		Short: "Queue a reply to a conversation and deliver it (for scripts)",
		Args:  replyArgs,
		RunE: withApp(f, app.Options{Kind: "reply"}, func(cmd *cobra.Command, args []string, a *app.App) error {
			text := args[1]
			if !noSig {
				var err error
				if text, err = a.Sign(cmd.Context(), args[0], text); err != nil {
					return err
				}
			}
			atts, err := attachments(images, alts)
			if err != nil {
				return err
			}
			opts := engine.ReplyOptions{Direct: dm, Resolve: resolve, SendAnyway: anyway, Attachments: atts, To: to}
			if at != "" {
				when, err := tui.ParseSnooze(at, time.Now(), nil)
				if err != nil {
					return fmt.Errorf("--at: %s", tui.TimeProblem(err, "3d, tue 10:00, 2026-12-24 09:00, 15:30 or 2h"))
				}
				opts.At = when
			}
			if opts.At.IsZero() {
				// the last check: against what the conversation held when
				// this command started (--anyway: over whatever came since)
				seen, err := a.SeenNow(cmd.Context(), args[0], anyway)
				if err != nil {
					return err
				}
				opts.Seen = &seen
			}
			a.Engine.LoadLimits(cmd.Context(), args[0]) // the instance's limit, not a default
			ent, err := a.Operator().Reply(cmd.Context(), args[0], text, opts)
			var ne *store.NewerError
			if errors.As(err, &ne) {
				return fmt.Errorf("%w\n%s\nread it (hark search, or the TUI) and send again, or add --anyway", err, strings.Join(app.NewsLines(ne.News), "\n"))
			}
			if err != nil {
				return err
			}
			if ent.State == store.OutScheduled {
				fmt.Fprintf(cmd.OutOrStdout(), "scheduled (outbox %d) for %s: hark sends it then, unless the customer writes again or the conversation is answered first%s\n",
					ent.Seq, ent.SendAt.Local().Format("Mon 2006-01-02 15:04"), map[bool]string{true: " (--anyway: it goes regardless)"}[anyway])
				return nil
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			a.Engine.Deliver(ctx)
			ent, err = a.Store.OutboxEntry(cmd.Context(), ent.Seq)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch ent.State {
			case store.OutSent:
				fmt.Fprintf(out, "sent: %s %s\n", textsafe.Line(ent.Sent.RemoteID), textsafe.Line(ent.Sent.URL))
				return nil
			case store.OutFailed:
				return fmt.Errorf("reply failed: %s", textsafe.Line(ent.LastError))
			}
			fmt.Fprintf(out, "queued (outbox %d): %s; it is retried by the next `hark poll --once`, `hark poll` or the TUI\n", ent.Seq, textsafe.Line(ent.LastError))
			return nil
		}),
	}
	c.Flags().BoolVar(&dm, "dm", false, "reply privately")
	c.Flags().BoolVar(&resolve, "resolve", false, "resolve the conversation once sent")
	c.Flags().BoolVar(&noSig, "no-signature", false, "don't append the brand's signature")
	c.Flags().StringVar(&to, "to", "", "answer this post of the conversation (its id on the network); default: the latest post of the customer who waits")
	c.Flags().StringVar(&at, "at", "", "send later: 3d, tue 10:00, 2026-12-24 09:00, 15:30 (the snooze syntax)")
	c.Flags().BoolVar(&anyway, "anyway", false, "send even if the customer writes again or another operator answers meanwhile (with --at: until it goes; without: while this command runs, recorded in the trail)")
	imageFlags(c, &images, &alts)
	return c
}

// replyArgs says what `hark reply` needs instead of cobra's "accepts 2
// arg(s), received 0".
func replyArgs(_ *cobra.Command, args []string) error {
	if len(args) == 2 {
		return nil
	}
	what := "a conversation id and the reply's text"
	switch {
	case len(args) == 1:
		what = "the reply's text after the conversation id"
	case len(args) > 2:
		what = "the reply's text as one argument: put it in quotes"
	}
	return fmt.Errorf("usage: hark reply ID TEXT [--dm] [--resolve]: %s (ID is the first column of `hark queue`), e.g. hark reply 12 \"We're on it\"", what)
}

func initCmd(f *flags) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Write a commented example config (to --config or the XDG path)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := config.Init(f.config, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s — edit it, then run hark\n", path)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return c
}

func doctorCmd(f *flags) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check every account: token, identity, rate-limit budget, last poll and error",
		RunE: withReader(f, app.Options{Reports: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			if a.Cfg.Path == "" && !f.demo {
				// (no config found: hark runs the demo, and so checks it)
				fmt.Fprintf(cmd.OutOrStdout(), "no config at %s: this checks the demo (hark init writes a config for your accounts)\n\n", textsafe.Line(defaultConfig()))
			}
			broken := a.Doctor(cmd.Context(), cmd.OutOrStdout())
			if broken > 0 {
				return ExitError{Code: 1}
			}
			return nil
		}),
	}
}

func statsCmd(f *flags) *cobra.Command {
	var asJSON, asCSV bool
	var days int
	var by string
	c := &cobra.Command{
		Use:   "stats",
		Short: "Response times, volumes, SLA hit rate and sentiment (text, --json or --csv; --by operator)",
		RunE: withReader(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			return a.WriteStatsBy(cmd.Context(), cmd.OutOrStdout(), app.StatsOptions{Days: days, JSON: asJSON, CSV: asCSV, Width: 100, By: by})
		}),
	}
	c.Flags().StringVar(&by, "by", "brand", "split by brand, or by operator too (first responses, replies, resolutions per operator)")
	c.Flags().BoolVar(&asJSON, "json", false, "JSON")
	c.Flags().BoolVar(&asCSV, "csv", false, "CSV")
	c.Flags().IntVar(&days, "days", 14, "days to cover")
	checkBefore(c, func() error {
		if days < 1 {
			return fmt.Errorf("--days %d: use 1 or more", days)
		}
		return nil
	})
	return c
}

func exportCmd(f *flags) *cobra.Command {
	var format string
	var asCSV, asJSONL bool
	c := &cobra.Command{
		Use:   "export",
		Short: "Write every conversation as JSON Lines (default) or CSV (--csv or --format csv)",
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			// --csv and --jsonl as well as --format, like `hark stats --csv`
			short := ""
			switch {
			case asCSV && asJSONL:
				return fmt.Errorf("export: --csv and --jsonl: choose one")
			case asCSV:
				short = "csv"
			case asJSONL:
				short = "jsonl"
			}
			if short != "" {
				if cmd.Flags().Changed("format") && format != short {
					return fmt.Errorf("export: --%s and --format %s: choose one", short, format)
				}
				format = short
			}
			return nil
		},
		RunE: withReader(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			// Export's every byte is terminal-safe (JSON escapes, CSV
			// cells sanitized), to a terminal, a pipe or a file alike.
			return a.Export(cmd.Context(), cmd.OutOrStdout(), format)
		}),
	}
	c.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	c.Flags().BoolVar(&asCSV, "csv", false, "CSV (the same as --format csv)")
	c.Flags().BoolVar(&asJSONL, "jsonl", false, "JSON Lines (the same as --format jsonl, the default)")
	return c
}

func cannedCmd(f *flags) *cobra.Command {
	root := &cobra.Command{Use: "canned", Short: "List or create canned responses"}
	root.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List canned responses (yours and the built-in ones)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// no store needed: this works while hark runs
			cfg, err := loadConfig(f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			all, err := app.LoadCanned(cfg.CannedDir)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "hark: warning:", textsafe.Block(err.Error()))
			}
			var rows [][]string
			for _, r := range all {
				src := filepath.Base(r.Path)
				if r.Builtin {
					src = "built-in"
				}
				rows = append(rows, []string{r.ID, r.Brand, r.Lang, src, r.Title})
			}
			return writeColumns(cmd.OutOrStdout(), rows)
		},
	})
	var title, brand, lang, tags, shortcut string
	newCmd := &cobra.Command{
		Use:   "new NAME BODY",
		Short: "Write a new canned response file into the canned folder",
		Args:  usageArgs(2, 2, `hark canned new NAME BODY [--title T] [--brand B] [--lang L] [--tags a,b] [--shortcut S]: the file's name and the answer's text, in quotes, e.g. hark canned new late-parcel "Hi {{.Name}}, your parcel is on its way"`),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return app.NewCanned(cmd.OutOrStdout(), cfg.CannedDir, args[0], args[1], title, brand, lang, tags, shortcut)
		},
	}
	newCmd.Flags().StringVar(&title, "title", "", "title (default: the name)")
	newCmd.Flags().StringVar(&brand, "brand", "", "brand it is for")
	newCmd.Flags().StringVar(&lang, "lang", "", "language code")
	newCmd.Flags().StringVar(&tags, "tags", "", "comma-separated tags")
	newCmd.Flags().StringVar(&shortcut, "shortcut", "", "shortcut typed in the picker")
	root.AddCommand(newCmd)
	return root
}

// viewFlag adds --view to c, defaulting to def, and checks before c runs
// that the view is one hark knows.
func viewFlag(c *cobra.Command, def string) *string {
	view := c.Flags().String("view", def, "inbox, pending, snoozed, resolved or all")
	checkBefore(c, func() error {
		if _, ok := store.ParseView(*view); !ok {
			return fmt.Errorf("--view %q: use inbox, pending, snoozed, resolved or all", *view)
		}
		return nil
	})
	return view
}

// checkBefore adds check to what c checks before it runs (its flags).
func checkBefore(c *cobra.Command, check func() error) {
	prev := c.PreRunE
	c.PreRunE = func(cmd *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(cmd, args); err != nil {
				return err
			}
		}
		return check()
	}
}

// usageArgs checks a command's arguments: at least min, at most max (-1:
// any number), else the command's usage and an example, rather than
// cobra's "requires at least 1 arg(s), only received 0".
func usageArgs(min, max int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < min || max >= 0 && len(args) > max {
			return fmt.Errorf("usage: %s", usage)
		}
		return nil
	}
}

// numberFlag adds -n/--number to c: how many to list, 20 by default, 0
// for all; a negative number is refused before c runs.
func numberFlag(c *cobra.Command, usage string) *int {
	n := c.Flags().IntP("number", "n", 20, usage+" (0: all)")
	checkBefore(c, func() error {
		if *n < 0 {
			return fmt.Errorf("-n %d: use 0 (all) or more", *n)
		}
		return nil
	})
	return n
}

// writeColumns writes rows of cells made safe for a terminal, each column
// but the last padded to its widest cell (in terminal cells, so wide and
// combining characters line up too), two spaces between.
func writeColumns(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			r[i] = textsafe.Line(c)
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], textsafe.Width(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-textsafe.Width(c)+2))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
