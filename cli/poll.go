package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

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
		RunE: withRunning(f, app.Options{Kind: "poll"}, func(cmd *cobra.Command, _ []string, a *app.App) error {
			out := cmd.OutOrStdout()
			if f.served != nil {
				// another hark holds the store and polls it already
				if !once || backfill != "" {
					return fmt.Errorf("store %s is in use by another hark, which polls it: quit that hark first (or use --db to open another store)", textsafe.Line(a.Cfg.Store))
				}
				return nudge(out, a)
			}
			if backfill != "" {
				d, _ := parseAge(backfill)
				return runBackfill(cmd.Context(), a, out, time.Now().Add(-d))
			}
			if !once {
				return follow(cmd.Context(), a, out)
			}
			failed := 0
			for _, r := range a.Engine.PollOnce(cmd.Context()) {
				if r.Elsewhere {
					// a team's store: the process that holds the
					// feed's lease polls it, which is no failure
					fmt.Fprintf(out, "%s: polled by another hark process (it holds the feed's lease)\n", r.Feed)
					continue
				}
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

// nudge is hark poll --once asked of a running hark (cron while the TUI
// is open): that hark polls and delivers on its own, so it is asked to
// poll now, and its feeds are reported as they stand; a failing one fails
// the command, as a failing poll does.
func nudge(out io.Writer, a *app.App) error {
	a.Engine.PollNow()
	fmt.Fprintln(out, "a running hark holds this store and polls it: asked it to poll now")
	failed := 0
	for _, st := range a.Engine.FeedStatuses() {
		switch {
		case st.LastError != "":
			failed++
			fmt.Fprintf(out, "%s: error: %s (next try %s)\n", st.Feed, textsafe.Line(st.LastError), st.Until.Local().Format("15:04:05"))
		case st.LastPoll.IsZero():
			fmt.Fprintf(out, "%s: not polled yet\n", st.Feed)
		default:
			fmt.Fprintf(out, "%s: ok (last polled %s)\n", st.Feed, st.LastPoll.Local().Format("15:04:05"))
		}
	}
	if failed > 0 {
		return ExitError{Code: 1}
	}
	return nil
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
