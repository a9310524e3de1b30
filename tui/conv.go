package tui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
)

// conv is the conversation pane: the open conversation's posts, why it is
// where it is in the queue, and the contact's history.
type conv struct {
	*Common
	host host

	openID   string
	posts    []store.StoredPost
	contact  store.Contact
	postsGen int
	scroll   int             // lines up from the newest post
	fetched  map[string]bool // threads fetched once
	mediaSel int             // the attachment o/y act on, 1-based in thread order (0: the post); media.go
	pv       preview         // the selected image, drawn (preview.go)
	// picked is the key of the customer post the next reply answers
	// ([ and ]); "" = the engine's choice (the customer who waits).
	picked string
	// emptyWhy says why no conversation is open ("no match" of a search;
	// "" : nothing to say), from the root.
	emptyWhy func() string
	// scheduled are the scheduled messages of a conversation, from the
	// root's outbox list (schedule.go).
	scheduled func(id string) []store.OutboxEntry
}

func newConv(c *Common, h host) *conv {
	return &conv{Common: c, host: h, fetched: map[string]bool{}}
}

// postsMsg is a conversation's posts, contact and draft, read in a Cmd.
type postsMsg struct {
	gen     int
	id      string
	conv    *social.Conversation
	posts   []store.StoredPost
	contact store.Contact
	draft   string
	err     error
}

// threadMsg is the end of a thread fetch from the network.
type threadMsg struct {
	id  string
	n   int
	err error
}

// show makes id the open conversation (its posts load in a Cmd).
func (v *conv) show(id string) tea.Cmd {
	if id != v.openID {
		v.picked = ""
	}
	v.openID = id
	v.posts = nil
	v.contact = store.Contact{}
	v.scroll = 0
	v.mediaSel = 0
	return v.loadPosts(id)
}

// close leaves the pane without a conversation (a load in flight is
// dropped).
func (v *conv) close() {
	v.openID, v.posts, v.contact, v.scroll = "", nil, store.Contact{}, 0
	v.postsGen++
}

func (v *conv) loadPosts(id string) tea.Cmd {
	v.postsGen++
	gen, st := v.postsGen, v.st
	return func() tea.Msg {
		posts, err := st.Posts(v.ctx, id)
		msg := postsMsg{gen: gen, id: id, posts: posts, err: err}
		if c, err := st.Conversation(v.ctx, id); err == nil {
			msg.conv = &c
			msg.contact, _ = st.Contact(v.ctx, c.Network, c.Contact.Handle)
		}
		msg.draft, _ = st.Draft(v.ctx, id)
		return msg
	}
}

// setPosts takes the posts of the open conversation (false: stale).
func (v *conv) setPosts(msg postsMsg) bool {
	if msg.gen != v.postsGen || msg.id != v.openID {
		return false
	}
	v.posts, v.contact = msg.posts, msg.contact
	return true
}

// fetchThread asks the network for the whole thread, once per session.
func (v *conv) fetchThread(id string) tea.Cmd {
	if v.fetched[id] {
		return nil
	}
	v.fetched[id] = true
	eng := v.eng
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(v.ctx, 30*time.Second)
		defer cancel()
		n, err := eng.FetchThread(ctx, id)
		return threadMsg{id: id, n: n, err: err}
	}
}

// Help: in the conversation pane j/k scroll the thread, [ and ] pick the
// post to answer.
func (v *conv) Help() []Action { return []Action{ActDown, ActUp, ActPrevPost, ActNextPost} }

// pickPost moves the picked post d customer posts back (-1) or on (+1);
// past the last it goes back to the engine's choice.
func (v *conv) pickPost(d int) {
	var keys []string
	for _, p := range v.posts {
		if p.Kind != social.KindOwn && p.DeletedAt.IsZero() {
			keys = append(keys, p.Key())
		}
	}
	if len(keys) == 0 {
		v.picked = ""
		return
	}
	i := len(keys) // "": after the last
	for j, k := range keys {
		if k == v.picked {
			i = j
		}
	}
	i += d
	switch {
	case i < 0:
		i = 0
	case i >= len(keys):
		v.picked = ""
		return
	}
	v.picked = keys[i]
}

// pickedPost is the post the next reply answers, if one is picked.
func (v *conv) pickedPost() (store.StoredPost, bool) {
	for _, p := range v.posts {
		if v.picked != "" && p.Key() == v.picked {
			return p, true
		}
	}
	return store.StoredPost{}, false
}

// Key scrolls the thread; every other key goes on to the queue and the
// root ([ and ], which pick the post to answer, from any pane).
func (v *conv) Key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	switch v.km.Action(k.String()) {
	case ActDown:
		v.scrollBy(-1)
	case ActUp:
		v.scrollBy(1)
	default:
		return nil, false
	}
	return nil, true
}

func (v *conv) scrollBy(d int) { v.scroll = max(v.scroll+d, 0) }

// View renders the open conversation: title, meta, reasons, contact, then
// as many of the newest posts as fit (scrolled up by scroll lines).
func (v *conv) View(w, h int) string {
	c, ok := v.host.current()
	if !ok {
		if v.openID == "" && v.emptyWhy != nil {
			if why := v.emptyWhy(); why != "" {
				return v.sty.Dim.Render(lipgloss.Wrap(why, w, " "))
			}
		}
		return v.sty.Dim.Render("Select a conversation (j/k, enter).")
	}
	lines := v.header(c, w)
	head := len(lines)
	var body []string
	for _, p := range v.posts {
		body = append(body, v.renderPost(p, w)...)
		body = append(body, "")
	}
	if len(v.posts) == 0 {
		body = append(body, v.sty.Dim.Render("loading…"))
	}
	// scroll: show the newest posts by default (bottom), scroll lines up
	room := h - head - v.previewRows()
	if room < 1 {
		return strings.Join(lines[:min(len(lines), h)], "\n")
	}
	end := len(body)
	for end > 0 && body[end-1] == "" {
		end--
	}
	start := max(0, end-room-v.scroll)
	v.scroll = min(v.scroll, max(end-room, 0))
	stop := min(end, start+room)
	lines = append(lines, body[start:stop]...)
	return strings.Join(lines, "\n")
}

func (v *conv) header(c social.Conversation, w int) []string {
	var lines []string
	name := textsafe.Handle(c.Contact.Name())
	handle := textsafe.Handle(c.Network.At(c.Contact.Handle))
	// the name takes at most half the line, the handle the rest
	shown := textsafe.Truncate(name, w/2)
	title := v.sty.Title.Render(shown)
	if name != handle {
		title += " " + v.sty.Dim.Render(textsafe.Truncate(handle, w-lipgloss.Width(shown)-1))
	}
	lines = append(lines, title)
	meta := fmt.Sprintf("#%s · %s · %s · %s", c.ID, textsafe.Line(c.Brand), c.Network, c.State)
	if c.Direct {
		meta += " · DM"
	}
	if c.Status != "" {
		meta += " · re status #" + c.Status
	}
	if c.State == social.StateSnoozed {
		meta += " until " + c.SnoozedUntil.Local().Format("Mon 15:04")
	}
	if c.Contact.Followers > 0 {
		meta += fmt.Sprintf(" · %s followers", compact(c.Contact.Followers))
	}
	lines = append(lines, v.sty.Dim.Render(textsafe.Truncate(meta, w)))
	// why it is where it is
	var why []string
	if sla, _ := v.slaTag(c); sla != "" {
		state, left := triage.SLA(c.WaitingSince, c.DueAt, v.now())
		switch state {
		case triage.Breached:
			why = append(why, "SLA breached "+triage.Countdown(-left)+" ago")
		default:
			why = append(why, "SLA due in "+triage.Countdown(left))
		}
	}
	why = append(why, c.Reasons...)
	if len(why) > 0 {
		line := fmt.Sprintf("priority %d: %s", c.Priority, strings.Join(why, " · "))
		lines = append(lines, v.sty.Reason.Render(textsafe.Truncate(textsafe.Line(line), w)))
	}
	if c.ReadOnly != "" {
		lines = append(lines, v.sty.AtRisk.Render(textsafe.Truncate("read-only: "+textsafe.Line(c.ReadOnly), w)))
	}
	if cl, ok := v.team.other(c.ID); ok {
		lines = append(lines, v.sty.AtRisk.Render(textsafe.Truncate(claimLine(cl), w)))
	}
	if v.team.sess != nil && len(c.Activity) > 0 {
		lines = append(lines, v.sty.Dim.Render(textsafe.Truncate(trailLine(c, 4), w)))
	}
	if note := snoozeNote(c); note != "" {
		lines = append(lines, v.sty.Flash.Render(textsafe.Truncate(note, w)))
	}
	lines = append(lines, v.scheduledLines(c.ID, w)...)
	if c.FollowUp == social.FollowUpOffered {
		lines = append(lines, v.sty.Flash.Render(textsafe.Truncate("Resolved DM: press f to post a public follow-up, or F to skip", w)))
	}
	if info := v.contactLine(c); len(info) > 0 {
		lines = append(lines, v.sty.Dim.Render(textsafe.Truncate(textsafe.Line(strings.Join(info, " · ")), w)))
	}
	return append(lines, v.sty.Dim.Render(strings.Repeat("─", w)))
}

// snoozeNote is the note of a snooze: while snoozed, and once it woke
// until something else was done to the conversation ("" if none).
func snoozeNote(c social.Conversation) string {
	if c.SnoozeNote == "" {
		return ""
	}
	if c.State == social.StateSnoozed {
		return "⏾ snooze note: " + textsafe.Line(c.SnoozeNote)
	}
	// (an edit of the contact is not done to the conversation)
	for i := len(c.Activity) - 1; i >= 0 && c.State.Actionable(); i-- {
		if a := c.Activity[i]; a.Action == social.ActSnoozed {
			return fmt.Sprintf("⏰ back from snooze (%s): %s", a.At.Local().Format("Mon 15:04"), textsafe.Line(c.SnoozeNote))
		} else if a.Action != social.ActContactEdited {
			break
		}
	}
	return ""
}

// contactLine is what hark knows of the customer beyond this conversation.
func (v *conv) contactLine(c social.Conversation) []string {
	ct := v.contact
	if ct.Handle == "" {
		return nil
	}
	var info []string
	if ct.VIP {
		info = append(info, "★ VIP")
	}
	if n := len(ct.ConvIDs); n > 1 {
		var past []string
		for i := n - 1; i >= 0 && len(past) < 5; i-- {
			if ct.ConvIDs[i] != c.ID {
				past = append(past, "#"+ct.ConvIDs[i])
			}
		}
		info = append(info, fmt.Sprintf("%d conversations (%s)", n, strings.Join(past, " ")))
	}
	if len(ct.Brands) > 1 {
		info = append(info, "wrote to "+strings.Join(ct.Brands, ", "))
	}
	if len(ct.Tags) > 0 {
		info = append(info, "tags: "+strings.Join(ct.Tags, ", "))
	}
	if ct.Notes != "" {
		info = append(info, "note: "+firstLineOf(ct.Notes))
	}
	return info
}

func (v *conv) renderPost(p store.StoredPost, w int) []string {
	who := textsafe.Handle(p.Author.Name())
	st := v.sty.Author
	if p.Kind == social.KindOwn {
		st = v.sty.Own
		who = "↳ " + who
	}
	when := p.CreatedAt.Local().Format("Jan 2 15:04")
	tag := ""
	if p.Direct {
		tag = " · DM"
	}
	if !p.EditedAt.IsZero() {
		tag += " · edited " + p.EditedAt.Local().Format("Jan 2 15:04")
	}
	if !p.DeletedAt.IsZero() {
		tag += " · DELETED by its author"
	}
	if v.picked != "" && p.Key() == v.picked {
		who = "▶ " + who
		tag += " · r answers this post"
	}
	head := st.Render(textsafe.Truncate(who, w/2)) + v.sty.Dim.Render(" · "+when+tag)
	out := []string{head}
	text := textsafe.Block(p.Text)
	for _, l := range strings.Split(text, "\n") {
		wrapped := lipgloss.Wrap(l, max(w-2, 10), " ")
		for _, wl := range strings.Split(wrapped, "\n") {
			out = append(out, "  "+wl)
		}
	}
	out = append(out, v.mediaLines(p, w)...)
	if p.URL != "" {
		out = append(out, v.sty.Dim.Render("  "+textsafe.Truncate(textsafe.Line(p.URL), w-2)))
	}
	return out
}

// link is the newest customer post's URL (else the newest post's).
func (v *conv) link() string {
	if len(v.posts) == 0 {
		return ""
	}
	if m, ok := v.selectedMedia(); ok {
		return textsafe.Line(m.URL)
	}
	for i := len(v.posts) - 1; i >= 0; i-- {
		if v.posts[i].Kind != social.KindOwn && v.posts[i].URL != "" {
			return textsafe.Line(v.posts[i].URL)
		}
	}
	return textsafe.Line(v.posts[len(v.posts)-1].URL)
}

func (v *conv) openLink() tea.Cmd {
	u := v.link()
	if u == "" {
		return nil
	}
	if !WebLink(u) {
		// file:, smb:, vscode:… would go straight to the system opener:
		// only web links open; the rest is shown (and y copies it)
		v.host.flash("Link: "+u+" (not a web link, not opened; y copies it)", false)
		return nil
	}
	if v.d.OpenURL == nil {
		v.host.flash("Link: "+u+" (y copies it)", false)
		return nil
	}
	open := v.d.OpenURL
	return func() tea.Msg {
		if err := open(u); err != nil {
			return doneMsg{flash: "Link: " + u + " (no browser here; y copies it)"}
		}
		return doneMsg{flash: "Opened " + u}
	}
}

// WebLink reports whether u is an http or https URL with a host: the only
// links hark hands to the system's opener.
func WebLink(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.Opaque != "" {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return true
	}
	return false
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

func compact(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	}
	return fmt.Sprint(n)
}

// Update handles the pane's messages: the open conversation's posts, a
// thread fetch that failed, its contact saved.
func (v *conv) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case postsMsg:
		if !v.setPosts(msg) {
			return nil, true // stale
		}
		if c := msg.conv; c != nil {
			v.host.remember(*c)
		}
		if msg.err != nil {
			v.host.flash(v.host.failText(msg.err), true)
		}
		v.host.restoreDraft(msg.id, msg.draft)
		return nil, true
	case threadMsg:
		switch {
		case social.Gone(msg.err):
			// the reason first and whole (it is short): the status line
			// would cut a wrapped network error before its "404"
			v.host.flash(msg.err.Error(), false)
		case msg.err != nil:
			v.host.flash("thread: "+msg.err.Error(), true)
		}
		return nil, true
	case contactSavedMsg:
		v.host.pushUndo(msg.undo)
		flash := "Contact saved"
		if msg.flash != "" {
			flash = msg.flash
		}
		if msg.undo != nil {
			flash += " — " + v.km.Keys(ActUndo) + " undoes"
		}
		v.host.flash(flash, false)
		if msg.id == v.openID {
			return v.loadPosts(msg.id), true
		}
		return nil, true
	}
	return nil, false
}
