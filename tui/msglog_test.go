package tui

import (
	"testing"
	"time"
)

// Background news (a new urgent post, an SLA warning) never hides the
// answer to the operator's own key while it is fresh; it is in the log
// all the same, and takes the line once the answer has had its moment.
func TestAmbientNewsWaitsForTheAnswer(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 21, 54, 39, 0, time.UTC)
	cases := []struct {
		name  string
		steps func(l *msgLog)
		at    time.Duration // when the line is read, after t0
		want  string
	}{
		{"answer, then news at once", func(l *msgLog) {
			l.add(t0, "Snoozed until Mon 00:54 (#9)", false)
			l.addAmbient(t0.Add(time.Second), "New urgent post in the queue")
		}, 2 * time.Second, "Snoozed until Mon 00:54 (#9)"},
		{"answer, then news later", func(l *msgLog) {
			l.add(t0, "Snoozed until Mon 00:54 (#9)", false)
			l.addAmbient(t0.Add(answerFor), "New urgent post in the queue")
		}, answerFor + time.Second, "New urgent post in the queue"},
		{"news, then news", func(l *msgLog) {
			l.addAmbient(t0, "New urgent post in the queue")
			l.addAmbient(t0.Add(time.Second), "SLA about to be missed: #11")
		}, 2 * time.Second, "SLA about to be missed: #11"},
		{"news, then an answer", func(l *msgLog) {
			l.addAmbient(t0, "New urgent post in the queue")
			l.add(t0.Add(time.Second), "Resolved #9", false)
		}, 2 * time.Second, "Resolved #9"},
		{"an error stays over news", func(l *msgLog) {
			l.add(t0, "send failed: 422", true)
			l.addAmbient(t0.Add(5*time.Second), "New urgent post in the queue")
		}, 6 * time.Second, "send failed: 422"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l msgLog
			tc.steps(&l)
			got := l.current(t0.Add(tc.at))
			if got == nil || got.text != tc.want {
				t.Fatalf("line shows %+v, want %q", got, tc.want)
			}
			if len(l.log) != 2 {
				t.Fatalf("the log has %d messages, want both", len(l.log))
			}
		})
	}
}
