package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// The search overlay: a query (free text and brand:, net:, from:, is:,
// lang:, sentiment:, before:, after: terms) that filters the queue.

// A new search starts empty (typing never adds to the old query); ↑
// brings the search in force back to edit it; enter on an empty line, or
// esc in the queue, clears it.
func (q *queue) openSearch() tea.Cmd {
	hints := []string{
		"words (rebook finds rebooking) · \"a phrase\" · -word excludes",
		"from:part-of-handle · tag:NAME · brand:NAME · net:mastodon · lang:es",
		"is:open|pending|snoozed|resolved|breached|vip|dm|draft · sentiment:neg|pos",
		"after:2026-11-01 before:2026-11-20 (both days included)",
	}
	raw := ""
	if q.search != nil {
		raw = q.search.Raw
		hints = append(hints, "now: /"+textsafe.Line(raw)+"   ↑ edits it · enter on an empty line clears it")
	}
	o := newPrompt(q.Common, q.host, "Search", "/ ", "", append(hints, ""), q.applySearch)
	o.recall = raw
	return o.open()
}

// clearSearch drops the search in force (esc in the queue); false if none.
func (q *queue) clearSearch() (tea.Cmd, bool) {
	if q.search == nil {
		return nil, false
	}
	q.host.flash("Search cleared: /"+q.search.Raw, false)
	return q.applySearch(""), true
}

// applySearch parses and applies a search ("" clears it).
func (q *queue) applySearch(raw string) tea.Cmd {
	if raw == "" && q.search == nil {
		return nil
	}
	if raw == "" {
		was := q.beforeSearch() // where the operator was before searching
		q.rememberView()
		q.search = nil
		q.view = store.ViewActionable
		return q.reloadTo(was, false, false)
	}
	s, err := query.Parse(raw)
	if err != nil {
		q.host.flash(err.Error(), true)
		return nil
	}
	q.rememberView()
	q.search = s
	q.view = s.View(q.view)
	return q.reload(false)
}
