package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
	"github.com/hark-tui/hark/tui"
	"github.com/hark-tui/hark/when"
)

// TUIDeps gives the TUI what it needs from this app.
func (a *App) TUIDeps(version string, openURL func(string) error) tui.Deps {
	d := tui.Deps{
		Engine: a.Engine, Canned: a.Canned, Agent: a.Cfg.Agent.Name, Initials: a.Cfg.Agent.Initials,
		Keys: a.Cfg.Keys, Theme: a.Cfg.Theme.Name, Colors: a.Cfg.Theme.Colors, Bell: a.Cfg.Theme.Bell == nil || *a.Cfg.Theme.Bell,
		Now: a.now, Version: version, OpenURL: openURL, Warnings: a.Warnings, Notify: a.Cfg.Theme.Notify,
		Calendar:   a.nextDay,
		Stats:      a.StatsView(nil),
		FetchMedia: a.FetchMedia,
	}
	if u := a.Cfg.Outbox.UndoSend; u != nil {
		d.UndoSend = *u
	}
	for _, b := range a.Cfg.Brands {
		sig := b.Signature
		if br := a.Brands[b.Name]; br != nil {
			sig = br.Cfg.Signature
		}
		d.Brands = append(d.Brands, tui.Brand{Name: b.Name, Signature: sig, Vars: b.Vars})
	}
	return d
}

// StatsView renders the TUI's stats view, of these brands only (an
// operator's brands: under hark serve; nil = all).
func (a *App) StatsView(brands []string) func(ctx context.Context, width int) (string, error) {
	return func(ctx context.Context, width int) (string, error) {
		var sb strings.Builder
		by := ""
		if len(a.Cfg.Operators) > 0 { // a team: the stats view splits by operator too
			by = "operator"
		}
		err := a.WriteStatsBy(ctx, &sb, StatsOptions{Days: 14, Width: width, By: by, Brands: brands})
		return sb.String(), err
	}
}

// CannedVars are the canned-response variables for conversation c, as
// the TUI's picker fills them in (tui's Common.vars): the customer's name
// and handle as written on its network (canned cleans them: they come from
// the network), the brand, the operator, the
// ticket, the brand's own variables and the link to its latest status post
// on the customer's network. A status post has no customer: c holds only
// its brand.
func (a *App) CannedVars(c social.Conversation) canned.Vars {
	v := canned.Vars{
		Name: c.Contact.Name(), Handle: c.Network.At(c.Contact.Handle), Brand: c.Brand,
		Agent: a.Cfg.Agent.Name, Initials: a.Cfg.Agent.Initials, Ticket: c.ID,
		Status: a.Engine.StatusLink(c.Brand, c.Network),
	}
	if b := a.Brands[c.Brand]; b != nil {
		v.Custom = b.Cfg.Vars
	}
	return v
}

// CannedReply is the canned response name (its id or shortcut) that fits
// conversation id, rendered for it with its ask: fields from asked: what
// hark reply --canned sends. A name no response of the conversation's
// brand has, and a promise (ask:) not given, are refused with what to do.
func (a *App) CannedReply(ctx context.Context, id, name string, asked map[string]string) (string, error) {
	c, err := a.Store.Conversation(ctx, id)
	if err != nil {
		return "", err
	}
	r, ok := canned.Find(a.Canned, name, c.Brand, c.Lang)
	if !ok {
		return "", fmt.Errorf("no canned response %q for %s (hark canned list shows them, with their shortcuts)", name, c.Brand)
	}
	var missing []string
	for _, n := range r.Ask {
		if strings.TrimSpace(asked[n]) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("canned response %q promises %s: give what is true now with --ask %s=VALUE", r.ID, strings.Join(missing, " and "), missing[0])
	}
	text, err := canned.Render(r.Body, canned.WithAsked(a.CannedVars(c), asked))
	if err != nil {
		return "", fmt.Errorf("canned response %q: %w", r.ID, err)
	}
	return text, nil
}

// Sign appends the brand's signature to a reply for conversation id.
func (a *App) Sign(ctx context.Context, id, text string) (string, error) {
	c, err := a.Store.Conversation(ctx, id)
	if err != nil {
		return "", err
	}
	return a.sign(c, text)
}

// SignStatus appends a brand's signature to a status post (no customer:
// the signature's customer variables are empty).
func (a *App) SignStatus(brand, text string) (string, error) {
	return a.sign(social.Conversation{Brand: brand}, text)
}

// sign appends the signature of c's brand to text, filled in for c (a
// status post: c holds only its brand), as the TUI's composer signs.
func (a *App) sign(c social.Conversation, text string) (string, error) {
	b := a.Brands[c.Brand]
	if b == nil || strings.TrimSpace(b.Cfg.Signature) == "" {
		return text, nil
	}
	sig, err := canned.Signature(b.Cfg.Signature, a.CannedVars(c))
	if err != nil {
		return "", fmt.Errorf("signature of %s: %w", c.Brand, err)
	}
	return canned.Signed(text, sig), nil
}

// nextDay is brand's "next business day at h:m" (nil for a brand hark
// does not know: the next calendar day).
func (a *App) nextDay(brand string) when.Next {
	if b := a.Brands[brand]; b != nil {
		return b.Cal.Next
	}
	return nil
}

// TimeFor reads a time typed for conversation convID (hark reply --at,
// hark snooze) as the TUI's send later and snooze prompts do: "tomorrow"
// and the presets are the conversation's brand's next business day. An
// unreadable or past time is a *when.Error.
func (a *App) TimeFor(ctx context.Context, convID, val string) (time.Time, error) {
	c, err := a.Store.Conversation(ctx, convID)
	if err != nil {
		return time.Time{}, err
	}
	return when.Parse(val, a.now(), a.nextDay(c.Brand))
}

// SeenNow is what a screen-less reply (hark reply) has seen of a
// conversation: everything it holds now (its posts, the replies in its
// trail and the outbox's open entries). The last check before queueing
// then refuses only what arrives while the command runs; anyway sends
// over it (recorded in the trail).
func (a *App) SeenNow(ctx context.Context, convID string, anyway bool) (store.Seen, error) {
	c, err := a.Store.Conversation(ctx, convID)
	if err != nil {
		return store.Seen{}, err
	}
	open, err := store.OpenOutbox(ctx, a.Store, func(e store.OutboxEntry) bool { return e.Reply.ConvID == convID })
	if err != nil {
		return store.Seen{}, err
	}
	seen := store.SeenOf(c, open)
	seen.Anyway = anyway
	return seen, nil
}

// NewsLines describes a conversation's news for a terminal, one line
// each (customers' text made safe).
func NewsLines(n store.News) []string {
	var out []string
	for _, p := range n.Posts {
		out = append(out, fmt.Sprintf("  new post %s by %s: %s", p.CreatedAt.Local().Format("Jan 2 15:04"),
			Handle(p.Network, p.Author.Handle), textsafe.Truncate(textsafe.Line(p.Text), 100)))
	}
	for _, e := range n.Replies {
		who := e.Reply.By.Label()
		if who == "" {
			who = "another operator"
		}
		out = append(out, fmt.Sprintf("  reply #%d by %s (%s): %s", e.Seq, textsafe.Line(who), e.State, textsafe.Truncate(textsafe.Line(e.Reply.Text), 100)))
	}
	return out
}

// QueueLine is one conversation as a line of text (sanitized).
func QueueLine(c social.Conversation, now time.Time) string {
	sla := ""
	if !c.DueAt.IsZero() && !c.WaitingSince.IsZero() && c.State.Actionable() {
		st, left := triage.SLA(c.WaitingSince, c.DueAt, now)
		sla = "⏱" + triage.Countdown(left)
		if st == triage.Breached {
			sla += "!"
		}
	}
	line := fmt.Sprintf("%-6s %3d %-8s %-16s %-8s %-22s %-8s %s",
		c.ID, c.Priority, c.State, textsafe.Truncate(textsafe.Line(c.Brand), 16), c.Network,
		textsafe.Truncate(Handle(c.Network, c.Contact.Handle), 22), sla,
		textsafe.Truncate(textsafe.Line(c.Preview), 60))
	if len(c.Reasons) > 0 { // why it is where it is; none: no brackets
		line += "  [" + textsafe.Line(strings.Join(c.Reasons, "; ")) + "]"
	}
	return line
}

// Handle is an author's handle as the CLI prints it: as written on its
// network (social.Network.At) and sanitized.
func Handle(n social.Network, h string) string {
	return n.At(textsafe.Handle(h))
}

// Doctor checks every account and prints a report; it returns how many are broken.
func (a *App) Doctor(ctx context.Context, w io.Writer) int {
	broken, limited, failing := a.doctorStore(ctx, w), 0, 0
	a.doctorCanned(w)
	statuses := map[string]string{}
	lastErr := map[string]bool{}
	if sts, err := a.Store.FeedStatuses(ctx); err == nil {
		for _, s := range sts {
			line := "never polled"
			if !s.LastOK.IsZero() {
				line = "last ok " + s.LastOK.Local().Format("2006-01-02 15:04:05")
				if s.Stored == 0 {
					// reachable is not the same as finding something
					line += "; found nothing yet"
				} else {
					line += fmt.Sprintf("; %d post(s) stored", s.Stored)
				}
			}
			if s.LastError != "" {
				line += "; last error: " + s.LastError
				lastErr[s.Feed] = true
			}
			if s.Backlog != "" {
				line += "\n  ! backlog: " + s.Backlog
			}
			statuses[s.Feed] = line
		}
	}
	for _, f := range a.Engine.Feeds() {
		id := f.Source.ID()
		brand := "brand " + f.Brand
		if f.Brand == "" {
			brand = "every brand of its accounts"
		}
		fmt.Fprintf(w, "%s (%s)\n", textsafe.Line(id), textsafe.Line(brand))
		if f.Broken != nil {
			// its secret did not resolve: hark runs without it
			broken++
			fmt.Fprintf(w, "  ✗ not started: %s\n", textsafe.Line(f.Broken.Error()))
			continue
		}
		acct, _ := a.Engine.Account(f.Network, f.Account)
		var v social.Verifier
		if acct != nil {
			v, _ = acct.Sender.(social.Verifier)
		}
		if vv, ok := f.Source.(social.Verifier); ok {
			v = vv
		}
		if v != nil {
			cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			who, err := v.Verify(cctx)
			cancel()
			switch {
			case err != nil && social.KindOf(err) == social.RateLimited:
				// the server is busy, not the credentials wrong
				limited++
				until := ""
				if t, ok := social.RetryAt(err); ok {
					until = " until " + t.Local().Format("15:04:05")
				}
				fmt.Fprintf(w, "  ! rate-limited%s: credentials not checked (%s)\n", until, textsafe.Line(err.Error()))
			case err != nil && social.KindOf(err) == social.Auth:
				broken++
				fmt.Fprintf(w, "  ✗ credentials: %s — %s\n", textsafe.Line(err.Error()), social.CredentialHint(f.Network))
			case err != nil:
				broken++
				fmt.Fprintf(w, "  ✗ credentials: %s\n", textsafe.Line(err.Error()))
			default:
				fmt.Fprintf(w, "  ✓ signed in as %s (%s)\n", Handle(f.Network, who.Handle), textsafe.Line(who.Name()))
			}
		} else {
			// feeds without accounts: a poll is the check
			cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			_, err := f.Source.Poll(cctx, "")
			cancel()
			if err != nil {
				broken++
				fmt.Fprintf(w, "  ✗ fetch: %s\n", textsafe.Line(err.Error()))
			} else {
				fmt.Fprintln(w, "  ✓ reachable")
			}
		}
		if rr, ok := f.Source.(social.RateReporter); ok {
			if r := rr.Rate(); r.Known {
				fmt.Fprintf(w, "  rate limit: %d of %d left, resets %s\n", r.Remaining, r.Limit, r.Reset.Local().Format("15:04:05"))
			} else {
				fmt.Fprintln(w, "  rate limit: not reported yet")
			}
		}
		st := statuses[id]
		if st == "" {
			st = "never polled"
		}
		mark := ""
		if lastErr[id] {
			failing++
			mark = "✗ "
		}
		for i, l := range strings.Split(st, "\n") {
			if i > 0 {
				mark = "" // the backlog line
			}
			fmt.Fprintf(w, "  %s%s\n", mark, textsafe.Line(strings.TrimPrefix(l, "  ")))
		}
	}
	if len(a.Engine.Feeds()) == 0 {
		fmt.Fprintln(w, "no feeds configured: run `hark init` and add an account")
	}
	// "all feeds OK" only when nothing is wrong: a feed whose last poll
	// failed is not OK, even if its credentials check passes now
	switch {
	case broken > 0 && failing > 0:
		fmt.Fprintf(w, "%d feed(s) broken; %d failed at their last poll\n", broken, failing)
	case broken > 0:
		fmt.Fprintf(w, "%d feed(s) broken\n", broken)
	case failing > 0:
		fmt.Fprintf(w, "%d feed(s) failed at their last poll (see the last error above); the checks now pass\n", failing)
	case limited > 0:
		fmt.Fprintf(w, "no feed broken; %d rate-limited (check again later)\n", limited)
	default:
		fmt.Fprintln(w, "all feeds OK")
	}
	return broken
}

// Export writes every conversation as JSON Lines or CSV. Every byte it
// writes is safe on a terminal, whatever the posts hold: in JSON the
// controls, bidi controls and invisible characters are \u escapes (the
// text decodes exactly), and every CSV cell goes through textsafe.Line and
// has a leading =, +, -, @, tab or CR neutralised (spreadsheet formulas).
// A conversation the store cannot decode is skipped and reported in the
// error returned after the others were written. No secrets: the store
// holds none.
func (a *App) Export(ctx context.Context, w io.Writer, format string) error {
	var skipped []error
	bad := func(id string, err error) {
		skipped = append(skipped, fmt.Errorf("conversation %s: %w", id, err))
	}
	var ferr, werr error
	switch format {
	case "jsonl", "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		ferr = a.Store.ForEachConvSkipping(ctx, func(c social.Conversation) bool {
			buf.Reset()
			if werr = enc.Encode(c); werr == nil {
				_, werr = w.Write(textsafe.EscapeJSON(buf.Bytes()))
			}
			return werr == nil
		}, bad)
	case "csv":
		cw := csv.NewWriter(w)
		row := func(cells ...string) {
			for i, c := range cells {
				cells[i] = csvSafe(textsafe.Line(c))
			}
			cw.Write(cells)
		}
		row("id", "brand", "network", "account", "state", "priority", "contact", "created_at", "first_response_at", "resolved_at", "sentiment", "lang", "preview")
		ferr = a.Store.ForEachConvSkipping(ctx, func(c social.Conversation) bool {
			row(c.ID, c.Brand, string(c.Network), c.Account, string(c.State), fmt.Sprint(c.Priority), c.Contact.Handle,
				ts(c.CreatedAt), ts(c.FirstResponseAt), ts(c.ResolvedAt), fmt.Sprint(c.Sentiment), c.Lang, c.Preview)
			return true
		}, bad)
		cw.Flush()
		werr = cw.Error()
	default:
		return fmt.Errorf("export: format %q: use jsonl or csv", format)
	}
	if err := errors.Join(werr, ferr); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(skipped) > 0 {
		return fmt.Errorf("export: %d damaged conversation(s) skipped, every other one written: %w", len(skipped), errors.Join(skipped...))
	}
	return nil
}

// csvSafe defuses spreadsheet formula injection in a cell: one that
// starts with =, +, -, @, tab or CR gets a leading apostrophe. Numbers
// hark wrote itself (a negative sentiment) are left as they are.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] == '-' {
		return s
	}
	return "'" + s
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// NewCanned writes a canned response file.
func NewCanned(w io.Writer, dir, name, body, title, brand, lang, tags, shortcut string) error {
	if title == "" {
		title = name
	}
	var tl []string
	for _, t := range strings.Split(tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tl = append(tl, t)
		}
	}
	if _, err := canned.Render(body, canned.Vars{Name: "n", Handle: "h", Brand: brand, Agent: "a", Initials: "i", Ticket: "1"}); err != nil && !strings.Contains(err.Error(), "map has no entry") {
		return fmt.Errorf("canned %s: %w", name, err)
	}
	path, err := canned.New(dir, canned.Response{ID: name, Title: title, Tags: tl, Brand: brand, Lang: lang, Shortcut: shortcut, Body: body})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", path)
	return nil
}

// doctorCanned prints how many canned answers loaded and, marked "!",
// each that did not or is never offered (they do not stop hark).
func (a *App) doctorCanned(w io.Writer) {
	own := 0
	for _, r := range a.Canned {
		if !r.Builtin {
			own++
		}
	}
	fmt.Fprintf(w, "canned responses\n  %d of yours, %d built-in\n", own, len(a.Canned)-own)
	if a.cannedErr == nil {
		return
	}
	for _, l := range strings.Split(a.cannedErr.Error(), "\n") {
		fmt.Fprintf(w, "  ! %s\n", textsafe.Line(l))
	}
}

// doctorStore prints the store's findings (bbolt: page check and counts;
// PostgreSQL: server, schema, counts recount, session settings) and
// returns how many failed.
func (a *App) doctorStore(ctx context.Context, w io.Writer) int {
	if a.noStore != "" {
		fmt.Fprintf(w, "store (%s)\n  · none yet at %s: hark makes it when it first runs (hark, hark poll)\n", a.Store.Backend(), textsafe.Line(a.noStore))
		return 0
	}
	fmt.Fprintf(w, "store (%s)\n", a.Store.Backend())
	fs, err := a.Store.Doctor(ctx)
	if err != nil {
		fmt.Fprintf(w, "  ✗ %s\n", textsafe.Line(err.Error()))
		return 1
	}
	broken := 0
	for _, f := range fs {
		mark := "✓"
		if !f.OK {
			mark = "✗"
			broken++
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, f.Name, textsafe.Line(f.Detail))
	}
	return broken
}
