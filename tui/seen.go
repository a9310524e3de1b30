package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// The last check before a reply is queued (issue 19): the composer sends
// what this screen had shown of the conversation when the operator started
// writing (store.Seen); when the conversation moved on meanwhile (a newer
// customer post, another operator's reply queued or sent) the store
// refuses the reply in its enqueue transaction, and the composer shows
// what is new over the refreshed conversation pane: y sends anyway (the
// trail records it), n goes back to the text.

// seenOf is what this screen shows of conversation id: the posts of the
// conversation pane when it is open there (else the list's copy of the
// conversation), and the replies it knows from the trail and the outbox
// list. ok is false for a conversation the screen does not hold.
func (m *Model) seenOf(id string) (store.Seen, bool) {
	c, ok := m.queue.convs[id]
	if !ok {
		return store.Seen{}, false
	}
	s := store.SeenOf(c, m.outboxList.outbox)
	if m.conv.openID == id && m.conv.posts != nil {
		s.Posts = s.Posts[:0]
		for _, p := range m.conv.posts {
			s.Posts = append(s.Posts, p.Key())
		}
	}
	return s, true
}

// noteSeen keeps what the screen shows of conversation id as the text for
// it is started; a text already started keeps what it was started on.
func (p *composer) noteSeen(id string, again bool) {
	if p.seenOf == nil || (!again && p.seen != nil && p.seenFor == id) {
		return
	}
	p.seen, p.seenFor = nil, id
	if s, ok := p.seenOf(id); ok {
		p.seen = &s
	}
}

// seenFor is the check a send of conversation id carries (nil: none).
func (p *composer) seenForSend(id string, anyway bool) *store.Seen {
	p.noteSeen(id, false)
	if p.seen == nil {
		return nil
	}
	s := *p.seen
	s.Anyway = anyway
	return &s
}

// newer asks what to do with a reply refused because the conversation
// moved on since the operator started writing (false: not such a
// refusal). y sends it anyway; n returns to the text, which now counts
// the news as seen.
func (p *composer) newer(msg sentMsg) (tea.Cmd, bool) {
	ne, ok := refusal[*store.NewerError](p, msg)
	if !ok {
		return nil, false
	}
	return p.askAnyway(msg, &confirm{
		title:  fmt.Sprintf("#%s moved on while you wrote", ne.Conv),
		body:   append(newsLines(ne.News, max(min(p.w-16, 90), 20)), "", "Send your reply anyway? n goes back to your text."),
		scroll: true,
	}, msg.force, true, func() {
		if p.seen != nil && p.seenFor == msg.conv {
			for _, sp := range ne.News.Posts {
				p.seen.Posts = append(p.seen.Posts, sp.Key())
			}
			for _, e := range ne.News.Replies {
				p.seen.Outbox = max(p.seen.Outbox, e.Seq)
			}
		}
	}), true
}

// newsLines are the news as the overlay shows them: who wrote or
// replied, when, and the text, wrapped to w.
func newsLines(n store.News, w int) []string {
	var out []string
	text := func(s string) {
		for _, l := range strings.Split(lipgloss.Wrap(textsafe.Block(s), w, " "), "\n") {
			out = append(out, "  "+l)
		}
	}
	for _, sp := range n.Posts {
		who := textsafe.Handle(sp.Network.At(sp.Author.Handle))
		if name := textsafe.Line(sp.Author.DisplayName); name != "" {
			who = name + " " + who
		}
		out = append(out, fmt.Sprintf("New post by %s at %s:", who, sp.CreatedAt.Local().Format("15:04")))
		text(sp.Text)
	}
	for _, e := range n.Replies {
		who := textsafe.Line(e.Reply.By.Label())
		if who == "" {
			who = "Another operator"
		}
		what := "queued a reply"
		switch e.State {
		case store.OutSent:
			what = "sent a reply"
		case store.OutScheduled:
			what = "scheduled a reply"
		}
		out = append(out, fmt.Sprintf("%s %s (#%d):", who, what, e.Seq))
		text(e.Reply.Text)
	}
	return out
}
