package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// Brand is what the TUI needs to know of a brand.
type Brand struct {
	Name      string
	Signature string            // template, e.g. "^{{.Initials}}"
	Vars      map[string]string // custom canned variables
}

// Deps are the Model's collaborators.
type Deps struct {
	Engine   *engine.Engine
	Canned   []canned.Response
	Brands   []Brand
	Agent    string
	Initials string
	Keys     map[string]string
	Mono     bool              // NO_COLOR or theme mono
	Theme    string            // dark | light | mono
	Colors   map[string]string // role -> colour overrides: accent, urgent, high, positive, dim, own, warn
	Bell     bool
	Now      func() time.Time
	Version  string
	// OpenURL opens a link in a browser (nil: only show/copy it).
	OpenURL func(string) error
	// Calendar returns a brand's "next business day at h:m" (snooze presets).
	Calendar func(brand string) func(t time.Time, h, m int) time.Time
	// Warnings are shown in the status line at start (broken canned files).
	Warnings []string
	// Stats renders the stats view for a width.
	Stats func(ctx context.Context, width int) (string, error)
}

type focus int

const (
	fQueue focus = iota
	fConv
	fComposer
	fPicker
)

type overlay int

const (
	ovNone overlay = iota
	ovHelp
	ovSnooze
	ovSearch
	ovNote
	ovTags
	ovConfirm
	ovStats
	ovOutbox
)

// Model is the root Bubble Tea model.
type Model struct {
	d   Deps
	eng *engine.Engine
	st  *store.Store
	km  *Keymap
	sty Styles
	now func() time.Time

	w, h    int
	focus   focus
	overlay overlay

	// queue
	view        store.View
	brandFilter string
	brands      []string
	search      *query.Query
	refs        []store.Ref
	refsGen     int
	refsLoading bool                  // a view/filter change is being read
	typeahead   []tea.KeyPressMsg     // keys typed meanwhile, replayed in order
	pending     []social.Conversation // changes seen while a reload was in flight
	loaded      bool
	cursor      int
	offset      int
	marked      map[string]bool
	convs       map[string]social.Conversation
	rowCache    map[rowKey]string
	padCache    map[padKey]string
	frameCache  map[frameKey]string
	counts      [4]int

	// conversation
	openID     string
	posts      []store.StoredPost
	contact    store.Contact
	postsGen   int
	convScroll int
	fetched    map[string]bool

	// composer
	ta         textarea.Model
	composeFor string
	direct     bool
	followUp   bool
	draftDirty bool
	draftGen   int
	sending    bool // a reply from the composer is being queued
	bulkIDs    []string
	bulkResp   canned.Response
	pick       textinput.Model
	matches    []canned.Match
	pickIdx    int
	pickErr    string
	input      textinput.Model
	confirm    *confirmation

	flash      string
	flashErr   bool
	flashUntil time.Time
	events     <-chan engine.Event
	unsub      func()
	feeds      []store.FeedStatus
	outQueued  int
	outFailed  int
	outSending int
	stats      string
	helpOff    int // scroll offset of the help overlay
	outbox     []store.OutboxEntry
	outboxIdx  int
}

type confirmation struct {
	title string
	body  []string
	yes   func(m *Model) tea.Cmd
}

// New builds the model. It subscribes to the engine's events.
func New(d Deps) (*Model, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Calendar == nil {
		d.Calendar = func(string) func(time.Time, int, int) time.Time { return nil }
	}
	km, err := NewKeymap(d.Keys)
	if err != nil {
		return nil, err
	}
	theme := darkTheme()
	if d.Theme == "light" {
		theme = lightTheme()
	}
	if err := theme.apply(d.Colors); err != nil {
		return nil, err
	}
	m := &Model{
		d: d, eng: d.Engine, st: d.Engine.Store(), km: km,
		sty:        NewStyles(theme, d.Mono || d.Theme == "mono"),
		now:        d.Now,
		w:          120,
		h:          40,
		marked:     map[string]bool{},
		convs:      map[string]social.Conversation{},
		rowCache:   map[rowKey]string{},
		padCache:   map[padKey]string{},
		frameCache: map[frameKey]string{},
		fetched:    map[string]bool{},
	}
	for _, b := range d.Brands {
		m.brands = append(m.brands, b.Name)
	}
	m.ta = textarea.New()
	m.ta.ShowLineNumbers = false
	m.ta.CharLimit = 10000
	m.ta.Placeholder = "Write a reply…"
	m.ta.Prompt = ""
	m.pick = textinput.New()
	m.pick.Prompt = "canned › "
	m.pick.Placeholder = "type to filter"
	m.input = textinput.New()
	m.events, m.unsub = d.Engine.Subscribe()
	m.feeds = d.Engine.FeedStatuses()
	if len(d.Warnings) > 0 {
		m.setFlash("warning: "+strings.Join(d.Warnings, "; "), true)
		m.flashUntil = m.now().Add(30 * time.Second)
	}
	return m, nil
}

// Close saves a draft not yet saved and unsubscribes from the engine. Run
// calls it; so does hark serve when a session ends, however it ended.
func (m *Model) Close() {
	if m.draftDirty && !m.sending && m.composeFor != "" && len(m.bulkIDs) == 0 {
		_ = m.eng.SaveDraft(m.composeFor, m.ta.Value())
		m.draftDirty = false
	}
	if m.unsub != nil {
		m.unsub()
		m.unsub = nil
	}
}

// ---- messages ----

type eventMsg struct{ ev engine.Event }
type eventsClosedMsg struct{}
type refsMsg struct {
	gen    int
	refs   []store.Ref
	counts [4]int
	err    error
}
type convsMsg struct {
	convs  []social.Conversation
	counts [4]int
	newIDs []string
	urgent bool
}
type postsMsg struct {
	gen     int
	id      string
	conv    *social.Conversation
	posts   []store.StoredPost
	contact store.Contact
	draft   string
	err     error
}
type threadMsg struct {
	id  string
	n   int
	err error
}
type doneMsg struct {
	flash string
	err   error
}
type outboxMsg struct {
	queued, sending, failed int
	entries                 []store.OutboxEntry
}
type tickMsg time.Time
type statsMsg struct{ text string }

func (m *Model) waitEvent() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev}
	}
}

func tick() tea.Cmd {
	return tea.Tick(5*time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Init loads the queue and starts listening to the engine.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadRefs(), m.waitEvent(), m.loadOutbox(), tick(), tea.RequestWindowSize, tea.RequestBackgroundColor)
}

// loadRefs reads the current view's index in a Cmd; stale results are dropped.
func (m *Model) loadRefs() tea.Cmd {
	m.refsGen++
	m.refsLoading = true
	gen, st, view, q, now := m.refsGen, m.st, m.view, m.search, m.now()
	keep := m.refFilter()
	return func() tea.Msg {
		refs, err := st.QueueRefs(view, keep)
		if err == nil && q != nil && q.NeedsConv() {
			refs, err = filterConvs(st, refs, q, now)
		}
		counts, _ := st.Counts()
		return refsMsg{gen: gen, refs: refs, counts: counts, err: err}
	}
}

func (m *Model) refFilter() func(store.Ref) bool {
	brand, q := m.brandFilter, m.search
	return func(r store.Ref) bool {
		if brand != "" && r.Brand != brand {
			return false
		}
		if q != nil && !q.MatchRef(r) {
			return false
		}
		return true
	}
}

func (m *Model) loadOutbox() tea.Cmd {
	st := m.st
	return func() tea.Msg {
		var o outboxMsg
		entries, _ := st.Outbox(func(e store.OutboxEntry) bool {
			return e.State != store.OutSent && e.State != store.OutDropped
		})
		for _, e := range entries {
			switch e.State {
			case store.OutQueued:
				o.queued++
			case store.OutSending:
				o.sending++
			case store.OutFailed:
				o.failed++
			}
		}
		o.entries = entries
		return o
	}
}

func (m *Model) loadConvs(ids []string, newPosts []social.Post) tea.Cmd {
	st := m.st
	return func() tea.Msg {
		convs, _ := st.Conversations(ids)
		counts, _ := st.Counts()
		msg := convsMsg{convs: convs, counts: counts}
		if len(newPosts) > 0 {
			for _, c := range convs {
				msg.newIDs = append(msg.newIDs, c.ID)
				if c.State.Actionable() && c.Priority >= UrgentScore {
					msg.urgent = true
				}
			}
		}
		return msg
	}
}

// UrgentScore is the priority from which a conversation counts as urgent
// (bell, red marker).
const UrgentScore = 60

// FlagScore is the priority from which a conversation is flagged "!" (worth
// answering soon); `*` selects every flagged conversation in view.
const FlagScore = 35

func (m *Model) loadPosts(id string) tea.Cmd {
	m.postsGen++
	gen, st := m.postsGen, m.st
	return func() tea.Msg {
		posts, err := st.Posts(id)
		msg := postsMsg{gen: gen, id: id, posts: posts, err: err}
		if c, err := st.Conversation(id); err == nil {
			msg.conv = &c
			msg.contact, _ = st.Contact(c.Network, c.Contact.Handle)
		}
		msg.draft, _ = st.Draft(id)
		return msg
	}
}

func (m *Model) fetchThread(id string) tea.Cmd {
	if m.fetched[id] {
		return nil
	}
	m.fetched[id] = true
	eng := m.eng
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		n, err := eng.FetchThread(ctx, id)
		return threadMsg{id: id, n: n, err: err}
	}
}

func (m *Model) setFlash(s string, isErr bool) {
	m.flash, m.flashErr = s, isErr
	m.flashUntil = m.now().Add(6 * time.Second)
}

// ---- update ----

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = max(msg.Width, 40), max(msg.Height, 12)
		m.rowCache = map[rowKey]string{}
		m.layout()
		m.ensureVisible()
		return m, nil
	case draftSaveMsg:
		if msg.gen == m.draftGen && m.draftDirty && m.composeFor != "" {
			return m, m.saveDraft()
		}
		return m, nil
	case tea.BackgroundColorMsg:
		// no theme chosen: follow the terminal (asked of the terminal
		// itself, so it is right over SSH too)
		if m.d.Theme == "" && !m.sty.mono && !msg.IsDark() {
			t := lightTheme()
			_ = t.apply(m.d.Colors) // validated in New
			m.sty = NewStyles(t, false)
			clear(m.rowCache)
			clear(m.padCache)
			clear(m.frameCache)
		}
		return m, nil
	case tickMsg:
		var cmds []tea.Cmd
		cmds = append(cmds, tick())
		if m.draftDirty && m.composeFor != "" {
			cmds = append(cmds, m.saveDraft())
		}
		return m, tea.Batch(cmds...)
	case eventMsg:
		return m, tea.Batch(m.onEvent(msg.ev), m.waitEvent())
	case eventsClosedMsg:
		return m, nil
	case refsMsg:
		if msg.gen != m.refsGen {
			return m, nil // stale
		}
		if msg.err != nil {
			m.setFlash("reading queue: "+msg.err.Error(), true)
		}
		sel := m.selectedID()
		m.refs, m.counts, m.loaded = msg.refs, msg.counts, true
		m.refsLoading = false
		if pending := m.pending; len(pending) > 0 {
			m.pending = nil
			for _, c := range pending {
				delete(m.convs, c.ID) // let the newest version win below
			}
			m.applyConvs(latest(pending))
		}
		if len(m.marked) > 0 { // a selection never spans views
			in := make(map[string]bool, len(m.marked))
			for _, r := range m.refs {
				if m.marked[r.ID] {
					in[r.ID] = true
				}
			}
			m.marked = in
		}
		m.restoreSelection(sel)
		m.ensureVisible()
		var cmds []tea.Cmd
		// a reply or a prompt (note, tags, snooze) in progress keeps its
		// conversation: it must land where the operator started it
		composing := m.focus == fComposer || m.focus == fPicker || m.overlay != ovNone
		if len(m.refs) > 0 && (m.openID == "" || sel != m.refs[m.cursor].ID && !composing) {
			// the view changed under the open conversation: follow the
			// cursor — but never pull the conversation out from under a
			// reply being written
			cmds = append(cmds, m.open(m.refs[m.cursor].ID, false))
		}
		// replay what was typed while the view loaded, in order
		queued := m.typeahead
		m.typeahead = nil
		for i, k := range queued {
			cmds = append(cmds, m.onKey(k))
			if m.refsLoading { // a replayed key started another load
				m.typeahead = append(m.typeahead, queued[i+1:]...)
				break
			}
		}
		return m, tea.Batch(cmds...)
	case convsMsg:
		m.counts = msg.counts
		wasSelected := m.openID != "" && m.selectedID() == m.openID
		m.applyConvs(msg.convs)
		var cmds []tea.Cmd
		if wasSelected && len(m.refs) > 0 && m.selectedID() != m.openID && m.focus != fComposer && m.focus != fPicker && m.overlay == ovNone {
			// the open conversation left the view (resolved, snoozed,
			// answered): go on with the one now under the cursor, with the
			// queue focused so j/k move on
			m.focus = fQueue
			cmds = append(cmds, m.open(m.refs[m.cursor].ID, false))
		} else if slices.Contains(idsOf(msg.convs), m.openID) {
			cmds = append(cmds, m.loadPosts(m.openID))
		}
		if msg.urgent {
			m.setFlash("New urgent post in the queue", false)
			if m.d.Bell {
				cmds = append(cmds, tea.Raw("\a"))
			}
		}
		if m.openID == "" && len(m.refs) > 0 {
			cmds = append(cmds, m.open(m.refs[m.cursor].ID, false))
		}
		return m, tea.Batch(cmds...)
	case postsMsg:
		if msg.gen != m.postsGen || msg.id != m.openID {
			return m, nil
		}
		m.posts, m.contact = msg.posts, msg.contact
		if c := msg.conv; c != nil {
			if prev, ok := m.convs[c.ID]; !ok || prev.Version <= c.Version {
				m.convs[c.ID] = *c
			}
		}
		if msg.err != nil {
			m.setFlash(msg.err.Error(), true)
		}
		if m.composeFor != msg.id && msg.draft != "" && m.focus != fComposer {
			m.ta.SetValue(msg.draft)
			m.composeFor = msg.id
		}
		return m, nil
	case threadMsg:
		if msg.err != nil {
			m.setFlash("thread: "+msg.err.Error(), true)
		}
		return m, nil
	case doneMsg:
		if msg.err != nil {
			m.setFlash(msg.err.Error(), true)
		} else if msg.flash != "" {
			m.setFlash(msg.flash, false)
		}
		return m, m.loadOutbox()
	case outboxMsg:
		m.outQueued, m.outSending, m.outFailed = msg.queued, msg.sending, msg.failed
		// keep the selection on the same entry, not the same row: entries
		// come and go as they are delivered
		var selSeq uint64
		if m.outboxIdx < len(m.outbox) {
			selSeq = m.outbox[m.outboxIdx].Seq
		}
		m.outbox = msg.entries
		m.outboxIdx = min(m.outboxIdx, max(len(m.outbox)-1, 0))
		for i, e := range m.outbox {
			if e.Seq == selSeq {
				m.outboxIdx = i
				break
			}
		}
		return m, nil
	case sentMsg:
		m.sending = false
		if msg.conv != m.composeFor {
			// the operator moved on meanwhile: leave the new composer alone
			if msg.err != nil {
				m.setFlash(msg.err.Error(), true)
			}
			return m, m.loadOutbox()
		}
		if msg.err != nil {
			m.draftDirty = true // the text is still to be kept
			m.setFlash(msg.err.Error()+" — the text is still in the composer", true)
			return m, nil
		}
		m.ta.Reset()
		m.ta.Blur()
		m.followUp = false
		m.draftDirty = false
		if m.focus == fComposer {
			m.focus = fConv
		}
		m.layout()
		m.setFlash("Reply queued", false)
		return m, m.loadOutbox()
	case bulkPlanMsg:
		return m, m.showBulk(msg)
	case contactSavedMsg:
		m.setFlash("Contact saved", false)
		if msg.id == m.openID {
			return m, m.loadPosts(msg.id)
		}
		return m, nil
	case editMsg:
		load := m.open(msg.conv, false) // (nothing to load if already open)
		m.composeFor = msg.conv
		m.ta.SetValue(msg.text)
		m.direct = msg.direct
		m.focus = fComposer
		m.layout()
		return m, tea.Batch(load, m.ta.Focus(), m.draftChanged())
	case statsMsg:
		m.stats = msg.text
		return m, nil
	case tea.PasteMsg:
		if m.focus == fComposer {
			var cmd tea.Cmd
			m.ta, cmd = m.ta.Update(msg)
			m.draftDirty = true
			return m, cmd
		}
		return m, nil
	case tea.MouseWheelMsg:
		return m, m.onWheel(msg)
	case tea.MouseClickMsg:
		return m, m.onClick(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	return m, nil
}

func idsOf(cs []social.Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func (m *Model) onEvent(ev engine.Event) tea.Cmd {
	switch ev.Kind {
	case engine.EvResync:
		return tea.Batch(m.loadRefs(), m.loadOutbox())
	case engine.EvFeedStatus:
		m.feeds = m.eng.FeedStatuses()
		return nil
	case engine.EvDelivery:
		var cmds []tea.Cmd
		cmds = append(cmds, m.loadOutbox())
		if ev.Outbox != nil {
			switch ev.Outbox.State {
			case store.OutSent:
				m.setFlash(fmt.Sprintf("Reply sent to %s", textsafe.Handle(displayHandle(ev.Outbox.Reply.To.Author.Handle))), false)
			case store.OutFailed:
				m.setFlash("Reply failed: "+ev.Outbox.LastError+" (O: outbox to edit/retry)", true)
			}
		}
		if len(ev.ConvIDs) > 0 {
			cmds = append(cmds, m.loadConvs(ev.ConvIDs, nil))
		}
		return tea.Batch(cmds...)
	case engine.EvNewPosts, engine.EvConvChanged:
		if len(ev.ConvIDs) == 0 {
			return nil
		}
		return m.loadConvs(ev.ConvIDs, ev.Posts)
	}
	return nil
}

// applyConvs moves changed conversations to their place in the cached
// queue (binary search; no reload of the index).
func (m *Model) applyConvs(cs []social.Conversation) {
	sel := m.selectedID()
	keep := m.refFilter()
	if m.refsLoading {
		// a reload is in flight and its snapshot may predate these
		// changes: apply them again on top of it when it lands
		m.pending = append(m.pending, cs...)
	}
	for _, c := range cs {
		if prev, ok := m.convs[c.ID]; ok && prev.Version > c.Version {
			continue // an older read that arrived late
		}
		old := m.indexOf(c.ID)
		m.convs[c.ID] = c
		r := store.RefOf(c)
		in := store.InView(r, m.view) && keep(r) && (m.search == nil || m.search.Match(c, m.now()))
		switch {
		case !in && old >= 0:
			m.refs = slices.Delete(m.refs, old, old+1)
		case in && old < 0:
			i := m.position(r)
			m.refs = slices.Insert(m.refs, i, r)
		case in:
			m.move(old, r)
		}
	}
	m.restoreSelection(sel)
	m.ensureVisible()
}

// position is where r belongs in the sorted list.
func (m *Model) position(r store.Ref) int {
	i, _ := slices.BinarySearchFunc(m.refs, r, func(a, b store.Ref) int { return bytes.Compare(a.Sort, b.Sort) })
	return i
}

// indexOf finds a conversation in the list: by binary search on its cached
// sort key when the previous version is known, else by a scan.
func (m *Model) indexOf(id string) int {
	if prev, ok := m.convs[id]; ok {
		r := store.RefOf(prev)
		if i := m.position(r); i < len(m.refs) && m.refs[i].ID == id {
			return i
		}
	}
	for i := range m.refs {
		if m.refs[i].ID == id {
			return i
		}
	}
	return -1
}

// move puts the ref at index old in its new place, shifting only the refs
// between the two positions (not the whole tail, twice).
func (m *Model) move(old int, r store.Ref) {
	j := m.position(r)
	switch {
	case j > old: // moves down: j counts the old entry itself
		j--
		copy(m.refs[old:j], m.refs[old+1:j+1])
	case j < old:
		copy(m.refs[j+1:old+1], m.refs[j:old])
	}
	m.refs[j] = r
}

func (m *Model) selectedID() string {
	if m.cursor >= 0 && m.cursor < len(m.refs) {
		return m.refs[m.cursor].ID
	}
	return ""
}

// restoreSelection keeps the cursor on the same conversation when the list
// changes under it; if it left the view, the cursor stays at its row.
func (m *Model) restoreSelection(id string) {
	if id != "" {
		for i := range m.refs {
			if m.refs[i].ID == id {
				m.cursor = i
				m.clampOffset()
				return
			}
		}
	}
	m.cursor = min(m.cursor, max(len(m.refs)-1, 0))
	m.clampOffset()
}

// ensureVisible loads the conversations of the rows on screen into the
// cache: at most a screenful of short bbolt reads (microseconds each).
func (m *Model) ensureVisible() {
	rows := m.queueRows()
	var missing []string
	for i := m.offset; i < min(m.offset+rows, len(m.refs)); i++ {
		if _, ok := m.convs[m.refs[i].ID]; !ok {
			missing = append(missing, m.refs[i].ID)
		}
	}
	if len(missing) == 0 {
		return
	}
	if len(m.convs) > 4096 { // bounded cache
		m.convs = map[string]social.Conversation{}
		for i := m.offset; i < min(m.offset+rows, len(m.refs)); i++ {
			missing = append(missing, m.refs[i].ID)
		}
	}
	cs, _ := m.st.Conversations(missing)
	for _, c := range cs {
		m.convs[c.ID] = c
	}
}

func (m *Model) clampOffset() {
	rows := m.queueRows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, max(len(m.refs)-rows, 0)))
}

func (m *Model) moveCursor(d int) tea.Cmd {
	if len(m.refs) == 0 {
		return nil
	}
	m.cursor = max(0, min(len(m.refs)-1, m.cursor+d))
	m.clampOffset()
	m.ensureVisible()
	return m.open(m.refs[m.cursor].ID, false)
}

// open shows a conversation in the right pane (and fetches its thread once
// when asked to, i.e. on enter).
func (m *Model) open(id string, fetch bool) tea.Cmd {
	var cmds []tea.Cmd
	if id != m.openID {
		if m.draftDirty && m.composeFor != "" {
			cmds = append(cmds, m.saveDraft())
		}
		m.openID = id
		m.posts = nil
		m.contact = store.Contact{}
		m.convScroll = 0
		if m.focus == fComposer || m.focus == fPicker {
			m.focus = fQueue
		}
		if m.ta.Value() != "" { // Reset allocates a fresh buffer: skip it when empty
			m.ta.Reset()
		}
		m.composeFor = ""
		m.direct = false
		m.followUp = false
		cmds = append(cmds, m.loadPosts(id))
	}
	if fetch {
		cmds = append(cmds, m.fetchThread(id))
	}
	return tea.Batch(cmds...)
}

func (m *Model) saveDraft() tea.Cmd {
	id, text, eng := m.composeFor, m.ta.Value(), m.eng
	if m.sending {
		return nil // the text is on its way out, not a draft
	}
	m.draftDirty = false
	if id == "" || len(m.bulkIDs) > 0 {
		return nil
	}
	return func() tea.Msg {
		if err := eng.SaveDraft(id, text); err != nil {
			return doneMsg{err: fmt.Errorf("saving draft: %w", err)}
		}
		return nil
	}
}

func (m *Model) current() (social.Conversation, bool) {
	if m.openID == "" {
		return social.Conversation{}, false
	}
	// cache only: View calls this, and View does no I/O (loadPosts brings
	// the conversation of a row that was not on screen)
	c, ok := m.convs[m.openID]
	return c, ok
}

func (m *Model) brandOf(name string) Brand {
	for _, b := range m.d.Brands {
		if b.Name == name {
			return b
		}
	}
	return Brand{Name: name}
}

func (m *Model) vars(c social.Conversation) canned.Vars {
	b := m.brandOf(c.Brand)
	return canned.Vars{
		Name: c.Contact.Name(), Handle: displayHandle(c.Contact.Handle), Brand: c.Brand,
		Agent: m.d.Agent, Initials: m.d.Initials, Ticket: c.ID, Custom: b.Vars,
	}
}

// signature renders the brand's signature for a conversation.
func (m *Model) signature(c social.Conversation) (string, error) {
	b := m.brandOf(c.Brand)
	if strings.TrimSpace(b.Signature) == "" {
		return "", nil
	}
	return canned.Signature(b.Signature, m.vars(c))
}

// Signed appends a signature the way operators write them: "^JD" on the
// same line, anything longer on its own line.
func Signed(text, sig string) string {
	text = strings.TrimRight(text, " \n")
	if sig == "" || strings.HasSuffix(text, sig) {
		return text
	}
	if strings.HasPrefix(sig, "^") && !strings.Contains(sig, " ") {
		return text + " " + sig
	}
	return text + "\n" + sig
}

func displayHandle(h string) string {
	if h == "" || strings.HasPrefix(h, "@") {
		return h
	}
	return "@" + h
}

// Run starts the program on the terminal and returns when the user quits.
func Run(ctx context.Context, m *Model, opts ...tea.ProgramOption) error {
	defer m.Close()
	opts = append([]tea.ProgramOption{tea.WithContext(ctx)}, opts...)
	if os.Getenv("NO_COLOR") != "" {
		m.sty = NewStyles(darkTheme(), true)
	}
	p := tea.NewProgram(m, opts...)
	_, err := p.Run()
	// a signal (SIGINT, SIGTERM: the context ends) is a normal way to quit
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// filterConvs applies the conversation-level terms of a search, reading the
// conversations in batches (in a Cmd, never in Update).
func filterConvs(st *store.Store, refs []store.Ref, q *query.Query, now time.Time) ([]store.Ref, error) {
	out := refs[:0:0]
	const batch = 512
	for i := 0; i < len(refs); i += batch {
		part := refs[i:min(i+batch, len(refs))]
		ids := make([]string, len(part))
		for j, r := range part {
			ids[j] = r.ID
		}
		convs, err := st.Conversations(ids)
		if err != nil {
			return nil, err
		}
		ok := make(map[string]bool, len(convs))
		for _, c := range convs {
			ok[c.ID] = q.Match(c, now)
		}
		for _, r := range part {
			if ok[r.ID] {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// applySearch parses and applies a search ("" clears it).
func (m *Model) applySearch(raw string) tea.Cmd {
	if raw == "" {
		m.search = nil
		m.view = store.ViewActionable
		m.cursor, m.offset = 0, 0
		return m.loadRefs()
	}
	q, err := query.Parse(raw)
	if err != nil {
		m.setFlash(err.Error(), true)
		return nil
	}
	m.search = q
	m.view = q.View(m.view)
	m.cursor, m.offset = 0, 0
	return m.loadRefs()
}

// latest keeps the newest version of each conversation, in first-seen order.
func latest(cs []social.Conversation) []social.Conversation {
	at := map[string]int{}
	var out []social.Conversation
	for _, c := range cs {
		if i, ok := at[c.ID]; ok {
			if c.Version > out[i].Version {
				out[i] = c
			}
			continue
		}
		at[c.ID] = len(out)
		out = append(out, c)
	}
	return out
}
