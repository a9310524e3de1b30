package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
)

// The `?` screen: every binding (the main table, F, the composer with its
// editing keys, the picker, the prompts and the snooze presets, the boxes),
// then the legend of the notation on screen. Both are generated: the keys
// from the tables, the legend's examples by the functions that draw them,
// so neither can drift from the screen (the README's tables are checked
// against them by a test).

// editingKeys are the composer's editing keys (the text area's own map).
func editingKeys() []binding {
	km := textarea.DefaultKeyMap()
	row := func(b key.Binding, help string) binding {
		return binding{keys: b.Keys(), help: help, group: "Composer: editing"}
	}
	return []binding{
		row(km.InsertNewline, "new line"),
		row(km.LineStart, "start of line"),
		row(km.LineEnd, "end of line"),
		row(km.WordBackward, "word left"),
		row(km.WordForward, "word right"),
		row(km.InputBegin, "start of the text"),
		row(km.InputEnd, "end of the text"),
		row(km.DeleteWordBackward, "delete word left"),
		row(km.DeleteWordForward, "delete word right"),
		row(km.DeleteBeforeCursor, "delete to start of line"),
		row(km.DeleteAfterCursor, "delete to end of line"),
		row(km.Paste, "paste (the terminal's paste works too)"),
	}
}

// snoozeKeys are the snooze prompt's presets and forms, as its hints say.
func snoozeKeys() []binding {
	var out []binding
	for _, h := range SnoozeHints {
		if h == "" {
			continue
		}
		k, help, ok := strings.Cut(h, "  ")
		if !ok || strings.HasPrefix(h, "or type") {
			out = append(out, binding{keys: []string{"(type)"}, help: strings.TrimPrefix(h, "or type: "), group: "Snooze (z)"})
			continue
		}
		out = append(out, binding{keys: []string{k}, help: strings.TrimSpace(help), group: "Snooze (z)"})
	}
	return out
}

// allHelpLines is every binding, grouped, for `?`.
func (km *Keymap) allHelpLines() []string {
	all := make([]Action, len(km.bindings))
	for i, b := range km.bindings {
		all[i] = b.act
	}
	lines := km.Help(all)
	// F is a root key the follow-up hint names: listed with Answer
	lines = append(lines, "", "Answer (after a resolved DM)")
	for _, b := range rootKeys {
		lines = appendHelp(lines, b.keys, b.help)
	}
	locals := append([][]binding{composerKeys, editingKeys(), pickerKeys, promptKeys, snoozeKeys(), scrollKeys, outboxKeys}, moreHelp...)
	return append(lines, km.Help(nil, append(locals, confirmKeys)...)...)
}

// legendEntry is one piece of notation and what it means.
type legendEntry struct{ sym, means string }

// legend explains what the screen shows, with examples drawn by the
// functions that draw the screen (brands from the config).
func (c *Common) legend() []legendEntry {
	var out []legendEntry
	add := func(sym, means string) { out = append(out, legendEntry{sym, means}) }
	add(plain(c.sty.Urgent.Render("!!")), fmt.Sprintf("urgent (priority %d or more): notified, the bell rings", UrgentScore))
	add(plain(c.sty.High.Render("!")), fmt.Sprintf("flagged, worth answering soon (priority %d or more; * selects them)", FlagScore))
	add("♥", "a positive post (a compliment)")
	for _, b := range c.d.Brands {
		add(brandTag(b.Name), "brand "+textsafe.Line(b.Name))
	}
	if len(c.d.Brands) == 0 {
		add(brandTag("Skylark Air"), "the brand, by its initials (Skylark Air)")
	}
	var nets []string
	for _, n := range []social.Network{social.Mastodon, social.Bluesky, social.X, social.RSS, social.Demo} {
		nets = append(nets, n.Short()+" "+string(n))
	}
	add(social.Demo.Short(), "the network: "+strings.Join(nets, ", "))
	add("★", "VIP contact (v toggles)")
	add("✉", "a direct message")
	add("✎JD", "JD (another operator) is replying: you are asked before answering too")
	add("●", "selected for a bulk action (space, V, *)")
	add("⏱"+triage.Countdown(32*60e9), "first-response SLA: due in 32 minutes")
	add("⏱"+triage.Countdown(-32*60e9), "SLA missed 32 minutes ago")
	add(age(15*60e9), "no SLA running: the customer's last post is 15 minutes old")
	add(draftMark, "a reply begun: its draft is kept until sent or emptied (the row's second line)")
	add("⏾ Mon 12:30", "snoozed until then (· the snooze note)")
	add("⏰", "back from snooze: the note is shown in the conversation")
	add(social.Media{Kind: social.MediaImage, Width: 1200, Height: 900}.Icon()+" photo 1200×900", "an attachment, with its alt text (m selects it: o opens, y copies)")
	add("re status #3", "a reply to the brand's status post #3 (S lists them, P posts one)")
	add("scheduled Tue 10:00", "a message that goes later (L edits, moves or cancels it)")
	add("39/1/0/4", "header on a narrow screen: inbox/pending/snoozed/resolved")
	add("1/18", "position in the list")
	add("^JD", "a signature: the operator's initials, added to every reply of the brand")
	add("/query", "header: the search in force (esc clears it)")
	add("feeds 1 ok", "status line: feeds polling fine, then any failing one, the outbox")
	if c.team.sess != nil {
		add("you: JD", "status line: who this session answers as")
		add("N online", "status line: who is on hark now, and the brand each looks at")
	}
	return out
}

// legendLines renders the legend for `?`.
func (c *Common) legendLines() []string {
	lines := []string{"", "Legend"}
	for _, e := range c.legend() {
		lines = appendHelp(lines, []string{e.sym}, e.means)
	}
	return lines
}
