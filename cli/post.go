package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// postCmd is `hark post`: a brand's status post, on one or several of its
// accounts, through the outbox (sent once, retried, never lost); with
// --resolve ID, the follow-up threaded under a status post.
func postCmd(f *flags) *cobra.Command {
	var brand, resolve string
	var accounts []string
	var noSig bool
	var images, alts []string
	c := &cobra.Command{
		Use:   "post --brand B [--account A]... TEXT",
		Short: "Post a brand's status update (not a reply) on its accounts, or resolve one with a follow-up (--resolve ID)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("usage: hark post --brand B [--account A]... TEXT, or hark post --resolve ID TEXT: the text as one argument, in quotes")
			}
			return nil
		},
		RunE: withRunning(f, app.Options{Kind: "post"}, func(cmd *cobra.Command, args []string, a *app.App) error {
			text := args[0]
			var st store.StatusPost
			var err error
			if resolve != "" {
				if st, err = a.Engine.Status(cmd.Context(), resolve); err != nil {
					return err
				}
				if !noSig {
					if text, err = a.SignStatus(st.Brand, text); err != nil {
						return err
					}
				}
				if st, err = a.Engine.ResolveStatus(cmd.Context(), resolve, text, social.Actor{}); err != nil {
					return err
				}
			} else {
				if brand == "" {
					return fmt.Errorf("--brand is required (the brand whose accounts post it)")
				}
				var targets []engine.StatusTarget
				for _, name := range accounts {
					t, err := findAccount(a, brand, name)
					if err != nil {
						return err
					}
					targets = append(targets, t)
				}
				if !noSig {
					if text, err = a.SignStatus(brand, text); err != nil {
						return err
					}
				}
				atts, err := attachments(images, alts)
				if err != nil {
					return err
				}
				if st, err = a.Engine.PostStatus(cmd.Context(), brand, text, engine.StatusOptions{Targets: targets, Attachments: atts}); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			a.Engine.Deliver(ctx)
			if st, err = a.Engine.Status(cmd.Context(), st.ID); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			failed := 0
			for _, it := range st.Items {
				seq := it.Seq
				if resolve != "" {
					seq = it.Follow
					if seq == 0 {
						continue
					}
				}
				e, err := a.Store.OutboxEntry(cmd.Context(), seq)
				if err != nil {
					return err
				}
				switch e.State {
				case store.OutSent:
					fmt.Fprintf(out, "sent on %s/%s: %s\n", it.Network, it.Account, textsafe.Line(firstNonEmpty(e.Sent.URL, e.Sent.RemoteID)))
				case store.OutFailed:
					failed++
					fmt.Fprintf(out, "FAILED on %s/%s: %s\n", it.Network, it.Account, textsafe.Line(e.LastError))
				default:
					fmt.Fprintf(out, "queued on %s/%s (outbox %d): %s; %s\n", it.Network, it.Account, e.Seq, textsafe.Line(e.LastError), retrier(f))
				}
			}
			fmt.Fprintf(out, "status %s of %s\n", st.ID, textsafe.Line(st.Brand))
			if failed > 0 {
				return fmt.Errorf("%d of %d copies failed (O in hark: the outbox, to retry or edit)", failed, len(st.Items))
			}
			return nil
		}),
	}
	c.Flags().StringVar(&brand, "brand", "", "the brand posting (as in the config)")
	c.Flags().StringArrayVar(&accounts, "account", nil, "an account of the brand (name, or network/name); repeat for several; default: all that can post")
	c.Flags().StringVar(&resolve, "resolve", "", "resolve status ID: post TEXT as a follow-up threaded under each of its copies")
	c.Flags().BoolVar(&noSig, "no-signature", false, "don't append the brand's signature")
	imageFlags(c, &images, &alts)
	return c
}

// imageFlags adds --image and --alt (repeatable, in pairs).
func imageFlags(c *cobra.Command, images, alts *[]string) {
	c.Flags().Var(&pathsValue{images}, "image", "attach an image file (JPEG, PNG, GIF, WebP); repeat for several, each with its --alt")
	c.Flags().StringArrayVar(alts, "alt", nil, "alt text of the --image at the same position (required: describe the image)")
}

// pathsValue is a repeatable flag of file names, each made absolute as it
// is read: a command a running hark answers runs in that hark's folder.
type pathsValue struct{ paths *[]string }

func (v *pathsValue) Set(s string) error {
	abs, err := filepath.Abs(s)
	if err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	*v.paths = append(*v.paths, abs)
	return nil
}

func (v *pathsValue) String() string        { return strings.Join(*v.paths, ",") }
func (v *pathsValue) Type() string          { return "file" }
func (v *pathsValue) GetSlice() []string    { return *v.paths }
func (v *pathsValue) Append(s string) error { return v.Set(s) }
func (v *pathsValue) Replace(s []string) error {
	*v.paths = nil
	for _, p := range s {
		if err := v.Set(p); err != nil {
			return err
		}
	}
	return nil
}

// attachments pairs --image with --alt and checks each file.
func attachments(images, alts []string) ([]social.Attachment, error) {
	if len(images) != len(alts) {
		return nil, fmt.Errorf("%d --image and %d --alt: every image needs its alt text (--image FILE --alt \"what it shows\")", len(images), len(alts))
	}
	var out []social.Attachment
	for i, p := range images {
		a, err := attach.Check(p, alts[i], 0)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// statusesCmd is `hark statuses`: a brand's status posts with their links.
func statusesCmd(f *flags) *cobra.Command {
	c := &cobra.Command{
		Use:   "statuses",
		Short: "List status posts (newest first) with the link of each copy",
		Args:  cobra.NoArgs,
	}
	brand, n := c.Flags().String("brand", "", "only this brand"), numberFlag(c, "how many")
	// a list: read-only, answered by a running hark like hark queue
	c.RunE = withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
		sts, err := a.Engine.Statuses(cmd.Context(), *brand, *n)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if len(sts) == 0 {
			fmt.Fprintln(out, "(no status posts)")
		}
		for _, st := range sts {
			state := "open"
			if st.Resolved {
				state = "resolved"
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", st.ID, st.CreatedAt.Local().Format("2006-01-02 15:04"), textsafe.Line(st.Brand), state, textsafe.Line(st.Text))
			for _, it := range st.Items {
				fmt.Fprintf(out, "\t%s/%s\t%s\t%s\n", it.Network, it.Account, it.State, textsafe.Line(firstNonEmpty(it.URL, it.RemoteID, it.Error)))
			}
		}
		return nil
	})
	return c
}

func findAccount(a *app.App, brand, name string) (engine.StatusTarget, error) {
	var names []string
	for _, f := range a.Engine.Accounts() {
		if f.Brand != brand {
			continue
		}
		names = append(names, string(f.Network)+"/"+f.Name)
		if name == f.Name || name == string(f.Network)+"/"+f.Name {
			return engine.StatusTarget{Network: f.Network, Account: f.Name}, nil
		}
	}
	return engine.StatusTarget{}, fmt.Errorf("--account %q: not an account of %s (its accounts: %s)", name, brand, strings.Join(names, ", "))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// outboxCmd is `hark outbox`: what waits in the outbox (queued, being
// sent, failed, scheduled), an entry a line, and with --sent N the last N
// delivered; `hark outbox retry SEQ` and `hark outbox discard SEQ` act on
// one, as O does in the TUI. For a script or cron, which otherwise sees a
// failed reply only in the TUI. A running hark answers all three.
func outboxCmd(f *flags) *cobra.Command {
	c := &cobra.Command{
		Use:   "outbox",
		Short: "What waits in the outbox (queued, failed, scheduled), an entry a line; retry or discard one",
		Args:  cobra.NoArgs,
	}
	sent := c.Flags().Int("sent", 0, "also the last N delivered, newest first")
	asJSON := c.Flags().Bool("json", false, "print JSON (an object an entry, terminal-safe)")
	c.RunE = withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, _ []string, a *app.App) error {
		open, err := store.OpenOutbox(cmd.Context(), a.Store, nil)
		if err != nil {
			return err
		}
		var done []store.OutboxEntry
		if *sent > 0 {
			if done, err = store.SentLog(cmd.Context(), a.Store, 0, *sent); err != nil {
				return err
			}
		}
		out := cmd.OutOrStdout()
		if *asJSON { // {"waiting": [...], "sent": [...]}
			return printJSON(out, struct {
				Waiting []outboxLine `json:"waiting"`
				Sent    []outboxLine `json:"sent"`
			}{outboxLines(open), outboxLines(done)})
		}
		if len(open) == 0 {
			fmt.Fprintln(out, "(nothing waits: every reply and status post was delivered)")
		} else if err := writeColumns(out, outboxRows(open)); err != nil {
			return err
		}
		if len(done) > 0 {
			fmt.Fprintln(out, "\nsent, newest first:")
			return writeColumns(out, outboxRows(done))
		}
		return nil
	})
	c.AddCommand(outboxActCmd(f, "retry", "Send a failed (or cancelled scheduled) entry again, now: checked first when it may have reached the network"),
		outboxActCmd(f, "discard", "Give up on a failed, queued or scheduled entry: it is never sent"))
	return c
}

// outboxActCmd is `hark outbox retry|discard SEQ`.
func outboxActCmd(f *flags, act, short string) *cobra.Command {
	return &cobra.Command{
		Use:   act + " SEQ",
		Short: short,
		Args:  usageArgs(1, 1, "hark outbox "+act+" SEQ: the entry's number, the first column of hark outbox"),
		RunE: withRunning(f, app.Options{Kind: "outbox", Existing: true}, func(cmd *cobra.Command, args []string, a *app.App) error {
			seq, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || seq == 0 {
				return fmt.Errorf("%q is not an outbox entry's number (the first column of hark outbox)", args[0])
			}
			if act == "discard" {
				if _, err := a.Operator().Discard(cmd.Context(), seq); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "discarded (outbox %d): it is never sent\n", seq)
				return nil
			}
			if _, err := a.Operator().Retry(cmd.Context(), seq, ""); err != nil {
				return err
			}
			return deliverNow(cmd, f, a, seq)
		}),
	}
}

// outboxRows are entries as columns: number, state (or when a scheduled
// one goes), where it goes, attempts, text, last error.
func outboxRows(es []store.OutboxEntry) [][]string {
	var rows [][]string
	for _, e := range es {
		state := string(e.State)
		switch {
		case e.State == store.OutScheduled:
			state = "for " + e.SendAt.Local().Format("Mon 2006-01-02 15:04")
		case e.State == store.OutSent:
			state = "sent " + e.SentAt.Local().Format("2006-01-02 15:04")
		case e.State == store.OutQueued && e.NextAttempt.After(time.Now()):
			state = "queued, next try " + e.NextAttempt.Local().Format("15:04:05")
		}
		if e.Uncertain && e.State != store.OutSent {
			state += " (may have gone: checked before a retry)"
		}
		where := outboxTarget(e)
		if e.Reply.Direct {
			where += " (DM)"
		}
		tries := strconv.Itoa(e.Attempts) + " tries"
		if e.Attempts == 1 {
			tries = "1 try"
		}
		row := []string{strconv.FormatUint(e.Seq, 10), state, where, tries, textsafe.Truncate(textsafe.Line(e.Reply.Text), 60)}
		if e.LastError != "" && e.State != store.OutSent {
			row = append(row, "["+textsafe.Truncate(textsafe.Line(e.LastError), 120)+"]")
		}
		rows = append(rows, row)
	}
	return rows
}

// outboxTarget says where an entry goes: "#12 → @ann on mastodon/acme", or
// for a copy of a status post "status outage on mastodon/acme" (its
// follow-up: "status outage follow-up on …").
func outboxTarget(e store.OutboxEntry) string {
	on := " on " + string(e.Reply.Network) + "/" + textsafe.Truncate(textsafe.Line(e.Reply.Account), 30)
	if id, follow, ok := store.ParseStatusRef(e.Reply.ConvID); ok {
		if follow {
			return "status " + id + " follow-up" + on
		}
		return "status " + id + on
	}
	return "#" + e.Reply.ConvID + " → " + textsafe.Truncate(app.Handle(e.Reply.Network, e.Reply.To.Author.Handle), 40) + on
}

// outboxLine is an entry as --json prints it.
type outboxLine struct {
	Seq         uint64    `json:"seq"`
	State       string    `json:"state"`
	Where       string    `json:"where"`
	Conv        string    `json:"conversation,omitempty"`
	Network     string    `json:"network"`
	Account     string    `json:"account"`
	Direct      bool      `json:"dm,omitempty"`
	Text        string    `json:"text"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	SendAt      time.Time `json:"send_at,omitzero"`
	Uncertain   bool      `json:"uncertain,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	URL         string    `json:"url,omitempty"`
}

// outboxLines are entries as --json prints them.
func outboxLines(es []store.OutboxEntry) []outboxLine {
	out := []outboxLine{}
	for _, e := range es {
		l := outboxLine{Seq: e.Seq, State: string(e.State), Where: outboxTarget(e), Network: string(e.Reply.Network),
			Account: e.Reply.Account, Direct: e.Reply.Direct, Text: e.Reply.Text, Attempts: e.Attempts,
			NextAttempt: e.NextAttempt, SendAt: e.SendAt, Uncertain: e.Uncertain, LastError: e.LastError,
			SentAt: e.SentAt, URL: e.Sent.URL}
		if _, _, status := store.ParseStatusRef(e.Reply.ConvID); !status {
			l.Conv = e.Reply.ConvID
		}
		out = append(out, l)
	}
	return out
}
