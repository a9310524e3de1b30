package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// Status posts: P writes a brand's top-level post (the brand filtered, else
// the open conversation's, else the first) on the accounts ticked
// (alt+1…9; all that can post by default), signed like a reply and sent
// through the outbox; S lists the brand's status posts with their links
// (o opens, y copies, e resolves one with a follow-up threaded under it).

// statusBrand is the brand P and S work on.
func (m *Model) statusBrand() string {
	if m.queue.brandFilter != "" {
		return m.queue.brandFilter
	}
	if c, ok := m.current(); ok {
		return c.Brand
	}
	for _, b := range m.d.Brands {
		if m.op.Allows(b.Name) {
			return b.Name
		}
	}
	return ""
}

// statusCompose is the P overlay.
type statusCompose struct {
	*Common
	host    host
	brand   string
	accts   []engine.Account
	on      []bool
	ta      textarea.Model
	sending bool
	// follow: the follow-up of this status (a resolve) instead of a new post
	follow *store.StatusPost
	atts   []social.Attachment // images (attach.go)
}

func newStatusCompose(c *Common, h host, brand string, follow *store.StatusPost) *statusCompose {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000
	ta.Prompt = ""
	ta.Placeholder = "We know about … and we're on it. Updates here."
	if follow != nil {
		ta.Placeholder = "Fixed: … Thank you for your patience."
	}
	ta.SetWidth(max(min(c.w-12, 76), 20))
	ta.SetHeight(4)
	s := &statusCompose{Common: c, host: h, brand: brand, ta: ta, follow: follow}
	if follow == nil {
		for _, a := range c.eng.Accounts() {
			if a.Brand == brand && a.Sender != nil && a.Broken == nil {
				s.accts = append(s.accts, a)
				s.on = append(s.on, true)
			}
		}
	}
	return s
}

func (s *statusCompose) open() tea.Cmd {
	s.host.push(s)
	return s.ta.Focus()
}

func (s *statusCompose) SetWidth(w int) { s.ta.SetWidth(max(min(w-12, 76), 20)) }

func (s *statusCompose) text() (string, error) {
	return s.sign(social.Conversation{Brand: s.brand}, strings.TrimSpace(s.ta.Value()))
}

func (s *statusCompose) Key(k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	switch s.km.Local(statusComposeKeys, ks) {
	case ActClose:
		s.host.pop()
		return nil
	case ActSend:
		return s.send()
	case ActAttach:
		if s.follow != nil {
			s.host.flash("A follow-up goes without images", true)
			return nil
		}
		return openAttach(s.Common, s.host, true, len(s.atts), func() { s.atts = nil })
	}
	if strings.HasPrefix(ks, "alt+") && len(ks) == 5 && ks[4] >= '1' && ks[4] <= '9' {
		if i := int(ks[4] - '1'); i < len(s.on) {
			s.on[i] = !s.on[i]
		}
		return nil
	}
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(k)
	return cmd
}

func (s *statusCompose) send() tea.Cmd {
	if s.sending {
		return nil
	}
	if strings.TrimSpace(s.ta.Value()) == "" {
		s.host.flash("Nothing to post", true)
		return nil
	}
	text, err := s.text()
	if err != nil {
		s.host.flash(err.Error(), true)
		return nil
	}
	ctx, op := s.ctx, s.op
	if s.follow != nil {
		id := s.follow.ID
		s.sending = true
		s.host.pop()
		return func() tea.Msg {
			st, err := op.ResolveStatus(ctx, id, text)
			if err != nil {
				return doneMsg{err: fmt.Errorf("follow-up not queued: %w", err)}
			}
			return doneMsg{flash: fmt.Sprintf("Status %s resolved: follow-up queued under %d copies", st.ID, countFollow(st))}
		}
	}
	var targets []engine.StatusTarget
	for i, a := range s.accts {
		if s.on[i] {
			targets = append(targets, engine.StatusTarget{Network: a.Network, Account: a.Name})
		}
	}
	if len(targets) == 0 {
		s.host.flash("Tick at least one account (alt+1…9)", true)
		return nil
	}
	for i, a := range s.accts {
		if s.on[i] && a.Limit != nil {
			if n, limit := a.Limit.Count(text, false); limit > 0 && n > limit {
				s.host.flash(fmt.Sprintf("Too long for %s/%s: %d of %d characters", a.Network, a.Name, n, limit), true)
				return nil
			}
		}
	}
	brand, atts := s.brand, s.atts
	s.sending = true
	s.host.pop()
	return func() tea.Msg {
		st, err := op.PostStatus(ctx, brand, text, engine.StatusOptions{Targets: targets, Attachments: atts})
		if err != nil {
			return doneMsg{err: fmt.Errorf("status post not queued: %w", err)}
		}
		return doneMsg{flash: fmt.Sprintf("Status post %s queued on %d account(s) (S: status posts)", st.ID, len(st.Items))}
	}
}

func countFollow(st store.StatusPost) int {
	n := 0
	for _, it := range st.Items {
		if it.Follow != 0 {
			n++
		}
	}
	return n
}

func (s *statusCompose) View(w, h int) (string, []string) {
	title := "Status post · " + textsafe.Line(s.brand)
	var out []string
	if s.follow != nil {
		title = "Resolve status " + s.follow.ID + " · " + textsafe.Line(s.brand)
		out = append(out, "Under: "+textsafe.Line(s.follow.Text), "")
	} else {
		for i, a := range s.accts {
			box := "[ ]"
			if s.on[i] {
				box = "[x]"
			}
			out = append(out, fmt.Sprintf("alt+%d %s %s/%s", i+1, box, a.Network, textsafe.Line(a.Name)))
		}
		if len(s.accts) == 0 {
			out = append(out, "This brand has no account that can post.")
		}
		out = append(out, "")
	}
	out = append(out, strings.Split(s.ta.View(), "\n")...)
	text, err := s.text()
	counter := ""
	switch {
	case err != nil:
		counter = err.Error()
	case s.follow == nil:
		var parts []string
		for i, a := range s.accts {
			if s.on[i] && a.Limit != nil {
				n, limit := a.Limit.Count(text, false)
				parts = append(parts, fmt.Sprintf("%s %d/%d", a.Network, n, limit))
			}
		}
		counter = strings.Join(parts, " · ")
	}
	if line := attachedLine(s.atts); line != "" {
		counter += " · " + line
	}
	out = append(out, s.sty.Dim.Render(counter), "", "ctrl+s post · ctrl+o attach an image · esc cancel")
	return title, out
}

// statusListMsg is a brand's status posts, read in a Cmd.
type statusListMsg struct {
	brand string
	list  []store.StatusPost
	err   error
}

// statusList is the S overlay.
type statusList struct {
	*Common
	host  host
	brand string
	list  []store.StatusPost
	idx   int
	err   error
}

func (m *Model) openStatusList() tea.Cmd {
	brand := m.statusBrand()
	l := &statusList{Common: m.Common, host: m, brand: brand}
	m.push(l)
	return l.load()
}

func (l *statusList) load() tea.Cmd {
	st, brand := l.st, l.brand
	return func() tea.Msg {
		list, err := store.Statuses(l.ctx, st, brand, 50)
		return statusListMsg{brand: brand, list: list, err: err}
	}
}

func (l *statusList) set(msg statusListMsg) {
	if msg.brand != l.brand {
		return
	}
	l.list, l.err = msg.list, msg.err
	l.idx = min(l.idx, max(len(l.list)-1, 0))
}

func (l *statusList) SetWidth(int) {}

// link is the selected status's first link.
func (l *statusList) link() string {
	if l.idx >= len(l.list) {
		return ""
	}
	for _, it := range l.list[l.idx].Items {
		if it.URL != "" {
			return it.URL
		}
	}
	return ""
}

func (l *statusList) Key(k tea.KeyPressMsg) tea.Cmd {
	switch act := l.km.Local(statusListKeys, k.String()); act {
	case ActClose:
		l.host.pop()
	case ActScrollDown, ActScrollUp:
		l.idx = stepped(l.idx, len(l.list), act)
	case ActStatusNew:
		l.host.pop()
		return newStatusCompose(l.Common, l.host, l.brand, nil).open()
	case ActResolve:
		if l.idx >= len(l.list) {
			return nil
		}
		st := l.list[l.idx]
		if st.Resolved {
			l.host.flash("Status "+st.ID+" is already resolved", true)
			return nil
		}
		l.host.pop()
		return newStatusCompose(l.Common, l.host, l.brand, &st).open()
	case ActCopyLink:
		if u := l.link(); u != "" {
			l.host.flash("Link copied: "+textsafe.Line(u), false)
			return tea.SetClipboard(u)
		}
	case ActOpenLink:
		if u := l.link(); u != "" && l.d.OpenURL != nil && WebLink(u) {
			open := l.d.OpenURL
			return func() tea.Msg {
				if err := open(u); err != nil {
					return doneMsg{err: err}
				}
				return doneMsg{flash: "Opened " + textsafe.Line(u)}
			}
		} else if u != "" {
			l.host.flash("Link: "+textsafe.Line(u), false)
		}
	}
	return nil
}

func (l *statusList) View(w, h int) (string, []string) {
	title := "Status posts · " + textsafe.Line(l.brand)
	if l.err != nil {
		return title, []string{"status posts: " + textsafe.Line(l.err.Error())}
	}
	if len(l.list) == 0 {
		return title, []string{"No status posts yet. n (or P from the queue) writes one."}
	}
	out := []string{"n new · e resolve with a follow-up · o open · y copy link · esc close", ""}
	for i, st := range l.list {
		state := "open"
		if st.Resolved {
			state = "resolved"
		}
		line := fmt.Sprintf("%s #%s %-8s %s", st.CreatedAt.Local().Format("Jan 2 15:04"), st.ID, state, textsafe.Line(st.Text))
		if i == l.idx {
			line = l.sty.Selected.Render(plain(line))
		}
		out = append(out, line)
		for _, it := range st.Items {
			where := it.URL
			if where == "" {
				where = string(it.State)
				if it.Error != "" {
					where += ": " + it.Error
				}
			}
			out = append(out, fmt.Sprintf("    %s/%s  %s", it.Network, textsafe.Line(it.Account), textsafe.Line(where)))
		}
	}
	return title, out
}

// deliveredLabel is what the status line says when an entry is sent.
func deliveredLabel(e store.OutboxEntry) string {
	if id, follow, ok := store.ParseStatusRef(e.Reply.ConvID); ok {
		what := "Status post " + id
		if follow {
			what = "Follow-up of status " + id
		}
		return fmt.Sprintf("%s sent on %s/%s", what, e.Reply.Network, textsafe.Line(e.Reply.Account))
	}
	return fmt.Sprintf("Reply sent to %s", textsafe.Handle(e.Reply.Network.At(e.Reply.To.Author.Handle)))
}

// paste inserts pasted text into the status post.
func (s *statusCompose) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(msg)
	return cmd
}

// Update handles the status post's message: an image checked for it.
func (s *statusCompose) Update(msg tea.Msg) (tea.Cmd, bool) {
	a, ok := msg.(attachFileMsg)
	if !ok || !a.status {
		return nil, false
	}
	if a.err != nil {
		s.host.flash("Not attached: "+a.err.Error(), true)
		return nil, true
	}
	return askAlt(s.Common, s.host, a.att, func(at social.Attachment) { s.atts = append(s.atts, at) }), true
}

// Update handles the list's message: the brand's status posts, read.
func (l *statusList) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(statusListMsg); ok {
		l.set(msg)
		return nil, true
	}
	return nil, false
}
