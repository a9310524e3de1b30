package tui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// A bulk reply: one canned answer for a selection, rendered for each
// conversation (in the customer's language when the answer has a variant),
// confirmed once, then queued as individual replies that resolve their
// conversations when sent.

type bulkJob struct {
	id, text, to string
	seen         *store.Seen // what the screen showed when the bulk reply started (seen.go)
}

// bulkPlanMsg is the rendered bulk reply, ready for confirmation.
type bulkPlanMsg struct {
	jobs     []bulkJob
	problems []string
	langs    map[string]int
	err      error
}

// startBulk puts the chosen answer's template in the composer for the
// selected conversations (rendered per conversation at send).
func (p *composer) startBulk(ids []string, r canned.Response, asked map[string]string) tea.Cmd {
	p.bulkIDs = ids
	p.bulkResp = r
	p.bulkAsked = asked
	p.bulkSeen = map[string]store.Seen{}
	for _, id := range ids {
		if p.seenOf == nil {
			break
		}
		if s, ok := p.seenOf(id); ok {
			p.bulkSeen[id] = s
		}
	}
	p.ta.SetValue(strings.TrimSpace(r.Body))
	p.host.focusOn(fComposer)
	return p.ta.Focus()
}

// confirmBulk renders the answer for every selected conversation in a Cmd
// (the selection can be large: never read it in Update), then asks.
func (p *composer) confirmBulk(tmpl string) tea.Cmd {
	ids, st, chosen, asked, seen := p.bulkIDs, p.st, p.bulkResp, p.bulkAsked, p.bulkSeen
	edited := strings.TrimSpace(chosen.Body) != tmpl
	// vars, signature and variant read only Deps, which never change
	vars, signature, all := p.vars, p.signature, p.d.Canned
	return func() tea.Msg {
		convs, err := st.Conversations(p.ctx, ids)
		if err != nil || len(convs) == 0 {
			return bulkPlanMsg{err: fmt.Errorf("bulk: no conversations (%v)", err)}
		}
		plan := bulkPlanMsg{langs: map[string]int{}}
		for _, c := range convs {
			body := tmpl
			if !edited {
				// unedited: each customer gets the answer in their language
				// when a variant with the same shortcut exists
				var l string
				body, l = variant(all, chosen, c.Lang)
				plan.langs[l]++
			}
			text, err := canned.Render(body, canned.WithAsked(vars(c), asked))
			if err == nil {
				var sig string
				sig, err = signature(c)
				text = canned.Signed(text, sig)
			}
			switch {
			case err != nil:
				plan.problems = append(plan.problems, fmt.Sprintf("#%s: %v", c.ID, err))
			case c.ReadOnly != "":
				plan.problems = append(plan.problems, fmt.Sprintf("#%s is read-only", c.ID))
			default:
				j := bulkJob{id: c.ID, text: text, to: c.Network.At(c.Contact.Handle)}
				if s, ok := seen[c.ID]; ok {
					j.seen = &s
				}
				plan.jobs = append(plan.jobs, j)
			}
		}
		return plan
	}
}

// showBulk asks for confirmation of a rendered bulk reply.
func (p *composer) showBulk(plan bulkPlanMsg) tea.Cmd {
	jobs, problems, langs := plan.jobs, plan.problems, plan.langs
	if plan.err != nil || len(jobs) == 0 {
		msg := "bulk: " + strings.Join(problems, "; ")
		if plan.err != nil {
			msg = plan.err.Error()
		}
		p.host.flash(msg, true)
		return nil
	}
	body := []string{fmt.Sprintf("Send %d individual replies, then resolve them?", len(jobs))}
	if len(langs) > 1 {
		var parts []string
		for _, l := range slices.Sorted(maps.Keys(langs)) {
			parts = append(parts, fmt.Sprintf("%s ×%d", l, langs[l]))
		}
		body = append(body, "Each in the customer's language: "+strings.Join(parts, ", "))
	}
	if len(problems) > 0 {
		body = append(body, fmt.Sprintf("Skipped %d: %s", len(problems), strings.Join(problems, "; ")))
	}
	// every customer's text as it will go out (j/k scroll)
	wrapW := max(min(p.w-14, 90), 20)
	for i, j := range jobs {
		body = append(body, "", fmt.Sprintf("%d/%d  #%s %s", i+1, len(jobs), j.id, textsafe.Handle(j.to)))
		for _, l := range strings.Split(lipgloss.Wrap(textsafe.Block(j.text), wrapW, " "), "\n") {
			body = append(body, "  "+l)
		}
	}
	return p.host.push(&confirm{
		host:   p.host,
		title:  fmt.Sprintf("Bulk reply: %d customers, each text as sent", len(jobs)),
		body:   body,
		scroll: true,
		yes: func() tea.Cmd {
			p.bulkIDs = nil
			p.host.clearSelection()
			p.ta.Reset()
			p.ta.Blur()
			p.host.focusOn(fQueue)
			return p.queueBulk(jobs)
		},
		no: func() tea.Cmd {
			p.host.focusOn(fComposer)
			return p.ta.Focus()
		},
	})
}

// queueBulk hands the confirmed replies to the engine in a Cmd.
func (p *composer) queueBulk(jobs []bulkJob) tea.Cmd {
	ctx, op, hold := p.ctx, p.op, p.d.UndoSend
	return func() tea.Msg {
		var seqs []uint64
		var errs []string
		for _, j := range jobs {
			ent, err := op.Reply(ctx, j.id, j.text, engine.ReplyOptions{Resolve: true, Hold: hold, Seen: j.seen})
			var ne *store.NewerError
			if errors.As(err, &ne) {
				// the conversation moved on since the selection: not sent,
				// left for a reply of its own
				errs = append(errs, fmt.Sprintf("#%s moved on (%s): not sent, open it to answer", j.id, ne.News.Summary()))
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("#%s: %v", j.id, err))
				continue
			}
			seqs = append(seqs, ent.Seq)
		}
		var u *undo
		if hold > 0 && len(seqs) > 0 {
			u = unsendUndo(ctx, op, fmt.Sprintf("bulk reply (%d replies)", len(seqs)), seqs, nil)
		}
		n := len(seqs)
		if len(errs) > 0 {
			return doneMsg{err: fmt.Errorf("%d queued, %d failed: %s", n, len(errs), strings.Join(errs, "; ")), undo: u}
		}
		msg := fmt.Sprintf("%d replies queued; each conversation resolves when its reply is sent", n)
		if hold > 0 {
			msg = fmt.Sprintf("%d replies queued, sent in %s; each conversation resolves when its reply is sent", n, hold)
		}
		return doneMsg{flash: msg, undo: u}
	}
}

// variant finds the same answer (same shortcut and brand) in the
// customer's language, else in English, else the chosen one.
func variant(all []canned.Response, chosen canned.Response, lang string) (body, usedLang string) {
	if chosen.Shortcut == "" {
		return chosen.Body, chosen.Lang
	}
	find := func(l string) (canned.Response, bool) {
		for _, r := range all {
			if strings.EqualFold(r.Shortcut, chosen.Shortcut) && strings.EqualFold(r.Brand, chosen.Brand) &&
				(strings.EqualFold(r.Lang, l) || l == "en" && r.Lang == "") {
				return r, true
			}
		}
		return canned.Response{}, false
	}
	if lang != "" {
		if r, ok := find(lang); ok {
			return r.Body, lang
		}
	}
	if r, ok := find("en"); ok {
		return r.Body, "en"
	}
	return chosen.Body, chosen.Lang
}
