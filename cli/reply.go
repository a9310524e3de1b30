package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/when"
)

func replyCmd(f *flags) *cobra.Command {
	var dm, resolve, noSig, anyway bool
	var at, to, cannedName string
	var images, alts, asks []string
	c := &cobra.Command{
		Use:   "reply ID (TEXT | --canned NAME)",
		Short: "Queue a reply to a conversation and deliver it (for scripts)",
		Args:  replyArgs,
		RunE: withRunning(f, app.Options{Kind: "reply", Existing: true}, func(cmd *cobra.Command, args []string, a *app.App) error {
			var text string
			if cannedName == "" {
				text = args[1]
			} else {
				asked := map[string]string{}
				for _, kv := range asks {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || strings.TrimSpace(k) == "" {
						return fmt.Errorf("--ask %q: give NAME=VALUE, e.g. --ask restoration_estimate=18:00", kv)
					}
					asked[strings.TrimSpace(k)] = v
				}
				var err error
				if text, err = a.CannedReply(cmd.Context(), args[0], cannedName, asked); err != nil {
					return err
				}
			}
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
				t, err := typedTime(cmd.Context(), a, args[0], at, "--at: ")
				if err != nil {
					return err
				}
				opts.At = t
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
					ent.Seq, ent.SendAt.Local().Format("Mon 2006-01-02 15:04 MST"), map[bool]string{true: " (--anyway: it goes regardless)"}[anyway])
				return nil
			}
			return deliverNow(cmd, f, a, ent.Seq)
		}),
	}
	c.Flags().StringVar(&cannedName, "canned", "", "send this canned response (its name or shortcut, the one for the conversation's brand and language) instead of TEXT, filled in as the picker fills it")
	c.Flags().StringArrayVar(&asks, "ask", nil, "NAME=VALUE: a field the canned response asks for (its promise, typed as true now); repeat for several")
	c.Flags().BoolVar(&dm, "dm", false, "reply privately")
	c.Flags().BoolVar(&resolve, "resolve", false, "resolve the conversation once sent")
	c.Flags().BoolVar(&noSig, "no-signature", false, "don't append the brand's signature")
	c.Flags().StringVar(&to, "to", "", "answer this post of the conversation (its id on the network); default: the latest post of the customer who waits")
	c.Flags().StringVar(&at, "at", "", "send later, in the words of the TUI's send later: 2h, 3d, tomorrow (the brand's next business day, 09:00), tue 10:00, 15:30, 2026-12-24 09:00")
	c.Flags().BoolVar(&anyway, "anyway", false, "send even if the customer writes again or another operator answers meanwhile (with --at: until it goes; without: while this command runs, recorded in the trail)")
	imageFlags(c, &images, &alts)
	return c
}

// typedTime reads a time typed for conversation id (hark reply --at,
// hark snooze); one it cannot read says, after what, what to type.
func typedTime(ctx context.Context, a *app.App, id, val, what string) (time.Time, error) {
	t, err := a.TimeFor(ctx, id, val)
	var te *when.Error
	if errors.As(err, &te) {
		return t, errors.New(what + when.Problem(err, "2h, 3d, tomorrow, tue 10:00, 15:30 or 2026-12-24 09:00"))
	}
	return t, err
}

// deliverNow delivers what is due, outbox entry seq among it, and says
// what came of seq: sent (its id and link), failed (an error), or queued
// for another try.
func deliverNow(cmd *cobra.Command, f *flags, a *app.App, seq uint64) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
	defer cancel()
	a.Engine.Deliver(ctx)
	ent, err := a.Store.OutboxEntry(cmd.Context(), seq)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	switch ent.State {
	case store.OutSent:
		fmt.Fprintf(out, "sent: %s %s\n", textsafe.Line(ent.Sent.RemoteID), textsafe.Line(ent.Sent.URL))
		return nil
	case store.OutFailed:
		what := "reply"
		if _, _, status := store.ParseStatusRef(ent.Reply.ConvID); status {
			what = "status post"
		}
		return fmt.Errorf("%s failed: %s", what, textsafe.Line(ent.LastError))
	}
	fmt.Fprintf(out, "queued (outbox %d): %s; %s\n", ent.Seq, textsafe.Line(ent.LastError), retrier(f))
	return nil
}

// retrier says who tries a queued entry again: the running hark when
// this command runs in one, else the next hark that runs on the store.
func retrier(f *flags) string {
	if f.served != nil {
		return "the running hark retries it"
	}
	return "it is retried by the next `hark poll --once`, `hark poll` or the TUI"
}

// replyArgs says what `hark reply` needs instead of cobra's "accepts 2
// arg(s), received 0": an id and the text, or with --canned the id alone.
func replyArgs(cmd *cobra.Command, args []string) error {
	if cmd.Flags().Changed("canned") {
		if len(args) == 1 {
			return nil
		}
		return fmt.Errorf("usage: hark reply ID --canned NAME [--ask FIELD=VALUE]: the conversation id alone, the text is the canned response's")
	}
	if len(args) == 2 {
		return nil
	}
	what := "a conversation id and the reply's text"
	switch {
	case len(args) == 1:
		what = "the reply's text after the conversation id (or --canned NAME)"
	case len(args) > 2:
		what = "the reply's text as one argument: put it in quotes"
	}
	return fmt.Errorf("usage: hark reply ID TEXT [--dm] [--resolve]: %s (ID is the first column of `hark queue`), e.g. hark reply 12 \"We're on it\"", what)
}

// convCmds are the commands that change a conversation from a script:
// resolve, reopen, pending, snooze.
func convCmds(f *flags) []*cobra.Command {
	return []*cobra.Command{
		stateCmd(f, social.StateResolved, "Resolve conversations (as e in the TUI)"),
		stateCmd(f, social.StateOpen, "Reopen conversations: back in the inbox, the customer's wait counted from their first unanswered post"),
		stateCmd(f, social.StatePending, "Mark conversations pending: waiting on the customer, no deadline on you"),
		snoozeCmd(f),
	}
}

// stateCmd is `hark resolve ID...`, `hark reopen ID...` and `hark pending
// ID...`: a conversation's state changed from a script (an auto-resolved
// thank-you, a batch closed after an outage), as e and the state keys do
// in the TUI, recorded in its trail as the config's agent. Each id is its
// own change: one that fails is said and the others go on.
func stateCmd(f *flags, s social.State, short string) *cobra.Command {
	verb := map[social.State]string{social.StateResolved: "resolve", social.StateOpen: "reopen", social.StatePending: "pending"}[s]
	return &cobra.Command{
		Use:   verb + " ID...",
		Short: short,
		Args:  usageArgs(1, -1, "hark "+verb+" ID...: one or more conversation ids (the first column of hark queue)"),
		RunE: withRunning(f, app.Options{Kind: verb, Existing: true}, func(cmd *cobra.Command, args []string, a *app.App) error {
			return eachConv(cmd, args, func(id string) (social.Conversation, error) {
				return a.Operator().SetState(cmd.Context(), id, s)
			})
		}),
	}
}

// snoozeCmd is `hark snooze ID WHEN`: a conversation hidden until WHEN,
// read as the TUI's snooze prompt reads it (tomorrow: the brand's next
// business day); it comes back then, or when the customer writes.
func snoozeCmd(f *flags) *cobra.Command {
	var note string
	c := &cobra.Command{
		Use:   "snooze ID WHEN",
		Short: "Snooze a conversation until WHEN (2h, 3d, tomorrow, tue 10:00, 15:30, 2026-12-24 09:00); it comes back then, or when the customer writes",
		Args:  usageArgs(2, 2, "hark snooze ID WHEN [--note TEXT]: a conversation id and when it comes back, e.g. hark snooze 12 tomorrow"),
		RunE: withRunning(f, app.Options{Kind: "snooze", Existing: true}, func(cmd *cobra.Command, args []string, a *app.App) error {
			until, err := typedTime(cmd.Context(), a, args[0], args[1], "")
			if err != nil {
				return err
			}
			return eachConv(cmd, args[:1], func(id string) (social.Conversation, error) {
				return a.Operator().Snooze(cmd.Context(), id, until, note)
			})
		}),
	}
	c.Flags().StringVar(&note, "note", "", "why, or what to check when it comes back (shown in the conversation)")
	return c
}

// eachConv changes each conversation of ids and says what it is now; it
// fails if one of them could not be changed.
func eachConv(cmd *cobra.Command, ids []string, change func(id string) (social.Conversation, error)) error {
	out, failed := cmd.OutOrStdout(), 0
	for _, id := range ids {
		c, err := change(id)
		if err != nil {
			failed++
			fmt.Fprintf(cmd.ErrOrStderr(), "#%s: %s\n", textsafe.Line(id), textsafe.Line(err.Error()))
			continue
		}
		state := string(c.State)
		if c.State == social.StateSnoozed {
			state += " until " + c.SnoozedUntil.Local().Format("Mon 2006-01-02 15:04 MST")
		}
		fmt.Fprintf(out, "#%s %s %s: %s\n", textsafe.Line(c.ID), app.Handle(c.Network, c.Contact.Handle), textsafe.Line(c.Brand), state)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d conversations not changed", failed, len(ids))
	}
	return nil
}
