package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/textsafe"
)

// The status line and the message log. Every flash goes to the log (M
// opens it, with each message in full). An info flash shows for a few
// seconds; an error stays until it was seen — a key pressed a while after
// it appeared, or the log opened — and a newer info does not hide it. The
// right end always shows "? help" (and in team mode who this session is).

// message is a flash kept in the log.
type message struct {
	at      time.Time
	text    string
	err     bool
	ambient bool // news from the background (a new urgent post), not an answer to a key
}

const (
	logSize   = 200             // messages kept
	flashFor  = 6 * time.Second // how long an info shows
	seenAfter = 2 * time.Second // an error counts as seen at a key pressed this long after it appeared
	answerFor = 3 * time.Second // background news waits (in the log) while the answer to a key is this young
)

// msgLog is the root's messages: the log and what the status line shows.
type msgLog struct {
	log    []message
	info   *message // the latest info, shown until it is old
	unseen *message // the latest error not yet seen
}

func (l *msgLog) add(now time.Time, s string, isErr bool) {
	l.put(message{at: now, text: s, err: isErr})
}

// addAmbient logs background news; it takes the status line only when no
// answer to the operator's own key is still fresh there (a new urgent post
// must not hide "Snoozed until …" a moment after z).
func (l *msgLog) addAmbient(now time.Time, s string) {
	l.put(message{at: now, text: s, ambient: true})
}

func (l *msgLog) put(msg message) {
	now, isErr := msg.at, msg.err
	if len(l.log) >= logSize {
		l.log = append(l.log[:0:0], l.log[len(l.log)-logSize+1:]...)
	}
	l.log = append(l.log, msg)
	if isErr {
		l.unseen = &msg
		return
	}
	if msg.ambient && l.info != nil && !l.info.ambient && now.Sub(l.info.at) < answerFor {
		return // it is in the log (M); the answer to the key stays
	}
	l.info = &msg
}

// keyPressed marks the shown error seen when it was on screen long enough
// to be read.
func (l *msgLog) keyPressed(now time.Time) {
	if l.unseen != nil && now.Sub(l.unseen.at) >= seenAfter {
		l.unseen = nil
	}
}

// current is what the status line shows now (nil: the summary).
func (l *msgLog) current(now time.Time) *message {
	if l.unseen != nil {
		return l.unseen
	}
	if l.info != nil && now.Sub(l.info.at) < flashFor {
		return l.info
	}
	return nil
}

// lines is the log, newest first, each message wrapped to w.
func (l *msgLog) lines(w int, sty Styles) []string {
	if len(l.log) == 0 {
		return []string{"No messages yet."}
	}
	var out []string
	for i := len(l.log) - 1; i >= 0; i-- {
		msg := l.log[i]
		mark := "  "
		if msg.err {
			mark = "✗ "
		}
		head := msg.at.Local().Format("15:04:05") + " " + mark
		body := lipgloss.Wrap(textsafe.Line(msg.text), max(w-len(head)-2, 20), " ")
		for j, part := range strings.Split(body, "\n") {
			if j == 0 {
				part = head + part
			} else {
				part = strings.Repeat(" ", len(head)) + part
			}
			if msg.err {
				part = sty.StatusErr.Render(part)
			}
			out = append(out, part)
		}
	}
	return out
}

// statusRight is the end of the status line that is always there: who
// this session is (team mode) and the help hint.
func (m *Model) statusRight() string {
	parts := []string{}
	if m.team.sess != nil {
		parts = append(parts, "you: "+textsafe.Line(m.team.sess.Actor().Label()))
	}
	hint := m.km.Keys(ActHelp) + " help"
	if m.msgs.unseen != nil {
		hint = m.km.Keys(ActMessages) + " messages · " + hint
	}
	return strings.Join(append(parts, hint), " · ")
}

// renderStatus draws the status line: a message, or the feeds, the
// outbox and who is online; the right end always shows the hint.
func (m *Model) renderStatus() string {
	right := " " + m.statusRight() + " "
	left, st := m.statusLeft()
	room := max(m.w-lipgloss.Width(right), 0)
	return st.Render(fitPad(fit(" "+textsafe.Line(left), room), room) + right)
}

func (m *Model) statusLeft() (string, lipgloss.Style) {
	if msg := m.msgs.current(m.now()); msg != nil {
		if msg.err {
			return "✗ " + msg.text, m.sty.StatusErr
		}
		return msg.text, m.sty.Flash
	}
	var parts []string
	if m.dbDown {
		parts = append(parts, "⚠ database unreachable, reconnecting")
	}
	ok, bad := 0, []string{}
	for _, f := range m.feeds {
		if f.LastError == "" {
			ok++
			continue
		}
		bad = append(bad, feedProblem(f, m.now()))
	}
	parts = append(parts, fmt.Sprintf("feeds %d ok", ok))
	parts = append(parts, bad...)
	out := fmt.Sprintf("outbox %d queued", m.outQueued+m.outSending)
	if m.outFailed > 0 {
		out += fmt.Sprintf(", %d FAILED", m.outFailed)
	}
	if m.outScheduled > 0 {
		out += fmt.Sprintf(", %d scheduled", m.outScheduled)
	}
	parts = append(parts, out)
	if p := m.team.presence(); p != "" {
		parts = append(parts, p)
	}
	st := m.sty.Status
	if len(bad) > 0 || m.outFailed > 0 || m.dbDown {
		st = m.sty.StatusErr
	}
	return strings.Join(parts, " · "), st
}

// openMessages shows the message log.
func (m *Model) openMessages() {
	m.msgs.unseen = nil
	m.push(newScroll(m.Common, m, "Messages (newest first)", m.msgs.lines(max(m.w-8, 20), m.sty)))
}
