package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/stores"
	"github.com/hark-tui/hark/textsafe"
)

func storeCmd(f *flags) *cobra.Command {
	root := &cobra.Command{Use: "store", Short: "Work on stores: copy between bbolt and PostgreSQL, build the search index"}
	var from, to, password string
	cp := &cobra.Command{
		Use:   "copy --from A --to B",
		Short: "Copy a whole store (a bbolt file or a postgres:// URL) into a new file or an empty database",
		Long: "Copy every conversation, post, contact, draft, cursor, feed status and outbox entry, byte for byte,\n" +
			"from A to B (bbolt → PostgreSQL or back). B must be empty. Stop hark on a bbolt A first.\n" +
			"A PostgreSQL password comes from --password-ref (env:VAR or \"cmd:…\"), PGPASSWORD or ~/.pgpass.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return fmt.Errorf("store copy needs --from and --to (a bbolt file or a postgres:// URL)")
			}
			return copyStores(cmd.Context(), from, to, config.Secret(password), cmd.ErrOrStderr())
		},
	}
	cp.Flags().StringVar(&from, "from", "", "store to copy from")
	cp.Flags().StringVar(&to, "to", "", "store to copy into (new file or empty database)")
	cp.Flags().StringVar(&password, "password-ref", "", "PostgreSQL password reference (env:VAR or \"cmd:…\")")
	var fresh bool
	ri := &cobra.Command{
		Use:   "reindex",
		Short: "Build the full-text search index of the store (resumes a rebuild that stopped; --fresh starts over)",
		Long: "The search index is derived from the store and kept up to date with every change; a store from an\n" +
			"older hark, or one copied, needs it built once. Searches work meanwhile, without it (slowly).\n" +
			"Stop hark on a bbolt store first.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := app.NeedStore(cfg.Store); err != nil {
				return fmt.Errorf("store reindex: %w", err)
			}
			st, err := app.OpenStore(cmd.Context(), cfg, cfg.Store, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			return reindex(cmd.Context(), st, fresh, cmd.ErrOrStderr())
		},
	}
	ri.Flags().BoolVar(&fresh, "fresh", false, "drop the index and build it from nothing")
	root.AddCommand(cp, ri)
	return root
}

func reindex(ctx context.Context, st store.Store, fresh bool, stderr io.Writer) error {
	x, ok := st.(store.Searcher)
	if !ok {
		return fmt.Errorf("the %s store has no search index to build", st.Backend())
	}
	if is, err := x.IndexStatus(ctx); err == nil && is.Complete && !fresh {
		fmt.Fprintf(stderr, "the search index of %s is complete (%d conversations); --fresh rebuilds it\n", textsafe.Line(st.Path()), is.Total)
		return nil
	}
	bar := &progress{w: stderr, label: "indexing", unit: "conversations"}
	start := time.Now()
	err := x.Reindex(ctx, fresh, func(done, total int) {
		bar.total = total
		bar.set(done)
	})
	bar.end()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "indexed %d conversations of %s in %s\n", bar.done, textsafe.Line(st.Path()), time.Since(start).Round(time.Millisecond))
	return nil
}

func copyStores(ctx context.Context, from, to string, pw config.Secret, stderr io.Writer) error {
	o := stores.Options{}
	if pw != "" {
		v, err := pw.Resolve(ctx)
		if err != nil {
			return fmt.Errorf("--password-ref: %w", err)
		}
		o.Password = v
	}
	ro := o
	ro.ReadOnly = true
	src, err := stores.Open(ctx, from, ro)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := stores.Open(ctx, to, o)
	if err != nil {
		return err
	}
	defer dst.Close()
	total := 0
	if c, ok := src.(store.Copier); ok {
		total, _ = c.CountRecords(ctx)
	}
	bar := &progress{w: stderr, total: total, label: textsafe.Line(src.Backend() + " → " + dst.Backend())}
	start := time.Now()
	if err := store.Copy(ctx, src, dst, bar.set); err != nil {
		bar.end()
		return err
	}
	bar.end()
	fmt.Fprintf(stderr, "copied %d records from %s to %s in %s\n", bar.done, textsafe.Line(stores.Describe(from)),
		textsafe.Line(stores.Describe(to)), time.Since(start).Round(time.Millisecond))
	return nil
}

// progress draws a bar on one line of stderr ("\r" redraws it; a file or
// pipe gets one line per tenth).
type progress struct {
	w           io.Writer
	total, done int
	label       string
	unit        string // "records" if empty
	lastTenth   int
	drawn       bool
}

func (p *progress) set(done int) {
	p.done = done
	if isTerminal(p.w) {
		p.draw()
		return
	}
	if p.total > 0 {
		if tenth := done * 10 / p.total; tenth > p.lastTenth {
			p.lastTenth = tenth
			fmt.Fprintf(p.w, "%s: %d/%d %s\n", p.label, done, p.total, p.units())
		}
	}
}

func (p *progress) draw() {
	const width = 30
	frac := 0.0
	if p.total > 0 {
		frac = min(1, float64(p.done)/float64(p.total))
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d %s", p.label, strings.Repeat("█", n), strings.Repeat("·", width-n), frac*100, p.done, p.total, p.units())
	p.drawn = true
}

func (p *progress) units() string {
	if p.unit == "" {
		return "records"
	}
	return p.unit
}

func (p *progress) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
