// Package stats computes the operator's report from conversations: first
// response and resolution times (median, p90) per brand and per day, volume
// per day and network, SLA hit rate, sentiment mix and busiest hours, and
// renders it as bar charts and sparklines, JSON or CSV. It depends on
// social only; callers feed it conversations.
package stats
