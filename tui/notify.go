package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
)

// Desktop notifications, for a new urgent post and for an SLA about to be
// missed: an OSC 9 ("\e]9;text\a": iTerm2, kitty, WezTerm, foot, ghostty,
// Windows Terminal) or OSC 777 ("\e]777;notify;title;text\a": urxvt,
// foot, ghostty, VTE) escape written to the terminal, wrapped in tmux's
// DCS passthrough when the terminal is tmux (tmux needs
// `set -g allow-passthrough on`). It goes wherever the output goes, so it
// works over SSH (hark serve) too. The bell rings as well when it is on:
// a terminal that shows no notification still has it. The text comes
// from the internet: it is made a plain line with no escape, no control
// character and no field separator before it is written.

// notifyMode is how a notification is sent.
type notifyMode string

const (
	notifyAuto   notifyMode = "auto" // OSC 9
	notifyOSC9   notifyMode = "osc9"
	notifyOSC777 notifyMode = "osc777"
	notifyBell   notifyMode = "bell"
	notifyOff    notifyMode = "off"
)

// notifySeq is the escape sequence of a notification ("" for bell/off).
func notifySeq(mode notifyMode, tmux bool, title, body string) string {
	title, body = notifyText(title, 60), notifyText(body, 200)
	var seq string
	switch mode {
	case notifyOSC777:
		seq = "\x1b]777;notify;" + title + ";" + body + "\x07"
	case notifyOSC9, notifyAuto, "":
		seq = "\x1b]9;" + title + ": " + body + "\x07"
	default:
		return ""
	}
	if tmux {
		// DCS passthrough: every ESC inside doubled, ended by ST
		seq = "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
	}
	return seq
}

// notifyText makes untrusted text safe inside an OSC string: one line,
// no control character (textsafe), no ';' (OSC 777's separator), at most
// n cells.
func notifyText(s string, n int) string {
	s = textsafe.Truncate(textsafe.Line(s), n)
	s = strings.ReplaceAll(s, ";", ",")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}

// notify sends a notification the configured way, with the bell if on.
func (m *Model) notify(title, body string) tea.Cmd {
	mode := notifyMode(m.d.Notify)
	if mode == notifyOff {
		return nil
	}
	out := notifySeq(mode, m.d.Tmux, title, body)
	if m.d.Bell || mode == notifyBell {
		out += "\a"
	}
	if out == "" {
		return nil
	}
	return tea.Raw(out)
}

// urgentNotice is the notification of new urgent posts.
func urgentNotice(cs []social.Conversation) string {
	if len(cs) == 0 {
		return ""
	}
	c := cs[0] // the most urgent
	for _, x := range cs[1:] {
		if x.Priority > c.Priority {
			c = x
		}
	}
	s := fmt.Sprintf("%s to %s: %s", c.Network.At(c.Contact.Handle), c.Brand, c.Preview)
	if len(cs) > 1 {
		s = fmt.Sprintf("(+%d more) %s", len(cs)-1, s)
	}
	return s
}

// slaHorizon bounds the deadlines read for "about to be missed" (the
// triage's at-risk state decides, by the SLA's window).
const slaHorizon = time.Hour

// slaScanEvery is how often the inbox is checked for SLAs about to go.
const slaScanEvery = 30 * time.Second

// slaMsg is the conversations whose SLA is about to be missed.
type slaMsg struct{ convs []social.Conversation }

// scanSLA finds, in a Cmd, the inbox conversations whose SLA is at risk
// (the index carries the due time: only those due soon are read).
func (m *Model) scanSLA() tea.Cmd {
	if notifyMode(m.d.Notify) == notifyOff {
		return nil
	}
	st, now, op := m.st, m.now(), m.op
	return func() tea.Msg {
		var ids []string
		_ = st.Queue(m.ctx, store.ViewActionable, func(r store.Ref) bool {
			if !r.Due.IsZero() && r.Due.After(now) && r.Due.Sub(now) <= slaHorizon && op.Allows(r.Brand) {
				ids = append(ids, r.ID)
			}
			return true
		})
		if len(ids) == 0 {
			return nil
		}
		convs, _ := st.Conversations(m.ctx, ids)
		var out []social.Conversation
		for _, c := range convs {
			if s, _ := triage.SLA(c.WaitingSince, c.DueAt, now); s == triage.AtRisk {
				out = append(out, c)
			}
		}
		return slaMsg{out}
	}
}

// onSLA notifies once per conversation and deadline.
func (m *Model) onSLA(msg slaMsg) tea.Cmd {
	var fresh []social.Conversation
	for _, c := range msg.convs {
		k := c.ID + "@" + c.DueAt.String()
		if m.slaSeen[k] {
			continue
		}
		m.slaSeen[k] = true
		fresh = append(fresh, c)
	}
	if len(fresh) == 0 {
		return nil
	}
	if len(m.slaSeen) > 4096 {
		clear(m.slaSeen)
	}
	c := fresh[0]
	body := fmt.Sprintf("#%s %s (%s) due in %s", c.ID, c.Network.At(c.Contact.Handle), c.Brand, triage.Countdown(c.DueAt.Sub(m.now())))
	if len(fresh) > 1 {
		body += fmt.Sprintf(" and %d more", len(fresh)-1)
	}
	m.flashAmbient("SLA about to be missed: " + body)
	return m.notify("hark: SLA about to be missed", body)
}
