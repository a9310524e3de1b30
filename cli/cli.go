package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
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
	root.AddCommand(pollCmd(f), queueCmd(f), searchCmd(f), replyCmd(f), postCmd(f), outboxCmd(f), statusesCmd(f), initCmd(f), doctorCmd(f), statsCmd(f), exportCmd(f), cannedCmd(f), serveCmd(f))
	root.AddCommand(storeCmd(f), engineCmd(f))
	root.AddCommand(convCmds(f)...)
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
	a, err := app.Open(ctx, cfg, o)
	if errors.Is(err, store.ErrLocked) {
		err = heldBy(ctx, cfg, err)
	}
	return a, err
}

func queueCmd(f *flags) *cobra.Command {
	c := &cobra.Command{
		Use:   "queue",
		Short: "Print the top of the queue, one conversation a line with its id",
	}
	n, view := numberFlag(c, "how many conversations"), viewFlag(c, "inbox")
	asJSON := c.Flags().Bool("json", false, "print JSON, as hark search --json: the view's total and its conversations (terminal-safe)")
	c.RunE = withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
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
		if *asJSON {
			counts, err := a.Store.Counts(cmd.Context()) // inbox, pending, snoozed, resolved
			if err != nil {
				return err
			}
			total := counts[0] + counts[1] + counts[2] + counts[3]
			if int(v) < len(counts) {
				total = counts[v]
			}
			return printConvs(out, convs, total, now, true)
		}
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
		RunE: withRunning(f, app.Options{Reports: true, Probe: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
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
		RunE: withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
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
		RunE: withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
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
		Short: "List canned responses (yours and the built-in ones): name, brand, language, shortcut, file, title",
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
				rows = append(rows, []string{r.ID, r.Brand, r.Lang, r.Shortcut, src, r.Title})
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
			if err := app.CannedBrand(brand, cfg.Brands); err != nil {
				return fmt.Errorf("--brand: %w", err)
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
