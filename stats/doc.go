// Package stats computes the operator's report from conversations: first
// response and resolution times (median, p90) per brand and per day, volume
// per day and network, SLA hit rate, sentiment mix and busiest hours, and
// renders it as bar charts and sparklines, JSON or CSV. Callers feed it
// conversations (Add), or running totals (totals.go: Cell, OpCell, what a
// conversation contributes, which the store keeps in the transactions
// that change conversations) plus the open conversations the clock judges
// (AddCell, AddOpCell, AddUnsettled). It depends on social only.
package stats
