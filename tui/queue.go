package tui

import (
	"bytes"
	"context"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// queue is the left pane: the prioritized list of conversations of a view
// (with a brand filter and a search), the cursor, the bulk selection and
// the cache of the conversations on screen. It holds the list as index
// refs (a few dozen bytes each, so 200k fit) and reads only what it shows.
type queue struct {
	*Common
	host host

	view        store.View
	brandFilter string
	brands      []string
	search      *query.Query
	back        []viewState // where the operator was before, newest last
	// landing: the list is being read anew for another view, brand or
	// search (reload); when it lands the cursor goes to land if the list
	// holds it (going back, clearing a search, a jump: reloadTo), else to
	// the top. jump: the operator asked for land (#, the palette), and is
	// told if the list lacks it.
	landing, jump bool
	land          string
	// follow is a conversation an undo brought back: the cursor goes to
	// it as soon as the list holds it (the next key forgets it).
	follow      string
	refs        []store.Ref
	refsGen     int
	refsLoading bool // a view/filter change is being read
	// cancelSearch stops the search being read (the next key does);
	// prevPos is where the cursor was before it started.
	cancelSearch context.CancelFunc
	prevPos      [2]int
	pending      []social.Conversation // changes seen while a reload was in flight
	loaded       bool
	cursor       int
	offset       int
	marked       map[string]bool
	// drafts are the conversations with a saved draft (marked in their
	// row), read with the list and after every change the engine
	// announces; draftsGen drops a read that a newer one overtook
	drafts    map[string]bool
	draftsGen int
	convs     map[string]social.Conversation
	rowCache  map[rowKey]string
	counts    [4]int
}

func newQueue(c *Common, h host) *queue {
	q := &queue{
		Common:   c,
		host:     h,
		marked:   map[string]bool{},
		drafts:   map[string]bool{},
		convs:    map[string]social.Conversation{},
		rowCache: map[rowKey]string{},
	}
	for _, b := range c.d.Brands {
		q.brands = append(q.brands, b.Name)
	}
	return q
}

// viewState is what the queue shows: a view, a brand filter, a search;
// and the conversation selected there when the operator left it.
type viewState struct {
	view   store.View
	brand  string
	search *query.Query
	sel    string
}

// remember keeps the current view to go back to (ActBack).
func (q *queue) rememberView() {
	cur := viewState{q.view, q.brandFilter, q.search, q.selectedID()}
	if n := len(q.back); n > 0 && q.back[n-1].view == cur.view && q.back[n-1].brand == cur.brand && q.back[n-1].search == cur.search {
		q.back[n-1].sel = cur.sel
		return
	}
	if len(q.back) >= 50 {
		q.back = append(q.back[:0:0], q.back[1:]...)
	}
	q.back = append(q.back, cur)
}

// goBack returns to the previous view, brand and search.
func (q *queue) goBack() tea.Cmd {
	n := len(q.back)
	if n == 0 {
		q.host.flash("No previous view", true)
		return nil
	}
	prev := q.back[n-1]
	q.back = q.back[:n-1]
	q.view, q.search = prev.view, prev.search
	clearMarks := q.brandFilter != prev.brand
	q.brandFilter = prev.brand
	return q.reloadTo(prev.sel, false, clearMarks)
}

// beforeSearch is the conversation selected when the search in force
// started: the sel of the newest view left without a search.
func (q *queue) beforeSearch() string {
	for i := len(q.back) - 1; i >= 0; i-- {
		if q.back[i].search == nil {
			return q.back[i].sel
		}
	}
	return ""
}

// refsMsg is a view's index, read in a Cmd.
type refsMsg struct {
	gen     int
	refs    []store.Ref
	counts  [4]int
	err     error
	scanned bool // a search answered without the index (being built)
	drafts  draftsMsg
}

// draftsMsg lists the conversations with a saved draft (ok: the read
// succeeded; a failed one changes nothing, the next read will tell).
type draftsMsg struct {
	gen int
	ids []string
	ok  bool
}

// draftSavedMsg says the composer saved (has) or emptied a conversation's
// draft.
type draftSavedMsg struct {
	id  string
	has bool
}

// loadDrafts reads which conversations have a draft, in a Cmd.
func (q *queue) loadDrafts() tea.Cmd {
	q.draftsGen++
	gen, st, ctx := q.draftsGen, q.st, q.ctx
	return func() tea.Msg { return readDrafts(ctx, st, gen) }
}

// readDrafts is the read of loadDrafts (loadRefs does it with the list).
func readDrafts(ctx context.Context, st store.Reader, gen int) draftsMsg {
	ids, err := st.Drafts(ctx)
	return draftsMsg{gen: gen, ids: ids, ok: err == nil}
}

// matchesSearch says whether c belongs in the search in force (none: yes),
// its is:draft terms answered from the drafts the queue holds.
func (q *queue) matchesSearch(c social.Conversation) bool {
	return q.search == nil || q.search.Match(c, q.now()) && q.search.MatchDrafts(c.ID, q.drafts)
}

// setDrafts takes a read of the drafts unless a newer read or a save
// overtook it.
func (q *queue) setDrafts(msg draftsMsg) {
	if msg.gen != q.draftsGen || !msg.ok {
		return
	}
	clear(q.drafts)
	for _, id := range msg.ids {
		q.drafts[id] = true
	}
}

// Update takes the queue's own messages: the drafts read and saved.
func (q *queue) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case draftsMsg:
		q.setDrafts(msg)
		return nil, true
	case draftSavedMsg:
		q.draftsGen++ // a read begun before the save is stale
		if msg.has {
			q.drafts[msg.id] = true
		} else {
			delete(q.drafts, msg.id)
		}
		return nil, true
	}
	return nil, false
}

// loadRefs reads the current view's index in a Cmd; stale results are dropped.
func (q *queue) loadRefs() tea.Cmd {
	q.refsGen++
	q.refsLoading = true
	gen, st, view, search, now, brand, op := q.refsGen, q.st, q.view, q.search, q.now(), q.brandFilter, q.op
	keep := q.refFilter()
	q.draftsGen++
	draftsGen := q.draftsGen
	q.stopSearch()
	ctx := q.ctx
	if search != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		q.cancelSearch = cancel
	}
	return func() tea.Msg {
		var refs []store.Ref
		var err error
		scanned := false
		if search != nil {
			refs, scanned, err = searchRefs(ctx, st, search, view, keep, now, time.Local)
		} else {
			refs, err = st.QueueRefs(ctx, view, keep)
		}
		counts := countsOf(q.ctx, st, brand, op)
		return refsMsg{gen: gen, refs: refs, counts: counts, err: err, scanned: scanned, drafts: readDrafts(ctx, st, draftsGen)}
	}
}

// searchRefs answers a search (a variable: the memory benchmark compares
// with the path before the index).
var searchRefs = query.Search

// stopSearch cancels the search being read, if any.
func (q *queue) stopSearch() {
	if q.cancelSearch != nil {
		q.cancelSearch()
		q.cancelSearch = nil
	}
}

// abortSearch drops the search being read (a key was pressed while it
// ran): the list, view and cursor stay as they were before it. False if no
// search is being read.
func (q *queue) abortSearch() bool {
	if q.cancelSearch == nil || !q.refsLoading {
		return false
	}
	raw := ""
	if q.search != nil {
		raw = q.search.Raw
	}
	q.stopSearch()
	q.refsGen++ // its result, if it still comes, is stale
	q.refsLoading = false
	if n := len(q.back); n > 0 {
		prev := q.back[n-1]
		q.back = q.back[:n-1]
		q.view, q.search, q.brandFilter = prev.view, prev.search, prev.brand
	}
	q.cursor, q.offset = q.prevPos[0], q.prevPos[1]
	q.landing, q.jump, q.land = false, false, ""
	q.host.flash("Search cancelled: /"+textsafe.Line(raw), false)
	return true
}

// countsOf is the header's count per state (inbox, pending, snoozed,
// resolved): the store's totals, or, with a brand filter or for an
// operator limited to some brands, those brands' (a scan of the index, in
// a Cmd).
func countsOf(ctx context.Context, st store.Reader, brand string, op *engine.Operator) [4]int {
	if brand == "" && len(op.Brands()) == 0 {
		n, _ := st.Counts(ctx)
		return n
	}
	var n [4]int
	_ = st.Queue(ctx, store.ViewAll, func(r store.Ref) bool {
		if (brand == "" || r.Brand == brand) && op.Allows(r.Brand) && len(r.Sort) > 0 && r.Sort[0] < 4 {
			n[r.Sort[0]]++
		}
		return true
	})
	return n
}

func (q *queue) refFilter() func(store.Ref) bool {
	brand, search, op := q.brandFilter, q.search, q.op
	return func(r store.Ref) bool {
		if !op.Allows(r.Brand) || brand != "" && r.Brand != brand { // an operator's brands: only
			return false
		}
		if search != nil && !search.MatchRef(r) {
			return false
		}
		return true
	}
}

// setRefs takes a freshly read index (the newest load only: false for a
// stale one), keeping the cursor on the selected conversation.
func (q *queue) setRefs(msg refsMsg) bool {
	if msg.gen != q.refsGen {
		return false
	}
	q.stopSearch()
	if msg.err != nil {
		q.host.flash("reading queue: "+q.host.failText(msg.err), true)
	} else if msg.scanned {
		q.host.flash("Searched without the index (hark store reindex builds it)", false)
	}
	sel := q.selectedID()
	if q.landing {
		sel = q.land
		if q.jump && !slices.ContainsFunc(msg.refs, func(r store.Ref) bool { return r.ID == sel }) {
			q.host.flash("#"+sel+" is not in this view", true)
		}
		q.landing, q.jump, q.land = false, false, ""
	}
	q.refs, q.counts, q.loaded = msg.refs, msg.counts, true
	q.setDrafts(msg.drafts)
	q.refsLoading = false
	if pending := q.pending; len(pending) > 0 {
		q.pending = nil
		for _, c := range pending {
			delete(q.convs, c.ID) // let the newest version win below
		}
		q.applyConvs(latest(pending))
	}
	if len(q.marked) > 0 { // a selection never spans views
		in := make(map[string]bool, len(q.marked))
		for _, r := range q.refs {
			if q.marked[r.ID] {
				in[r.ID] = true
			}
		}
		q.marked = in
	}
	q.restoreSelection(sel)
	q.ensureVisible()
	return true
}

// applyConvs moves changed conversations to their place in the cached
// queue (binary search; no reload of the index).
func (q *queue) applyConvs(cs []social.Conversation) {
	sel := q.selectedID()
	keep := q.refFilter()
	if q.refsLoading {
		// a reload is in flight and its snapshot may predate these
		// changes: apply them again on top of it when it lands
		q.pending = append(q.pending, cs...)
	}
	for _, c := range cs {
		if prev, ok := q.convs[c.ID]; ok && prev.Version > c.Version {
			continue // an older read that arrived late
		}
		old := q.indexOf(c.ID)
		q.convs[c.ID] = c
		r := store.RefOf(c)
		in := store.InView(r, q.view) && keep(r) && q.matchesSearch(c)
		switch {
		case !in && old >= 0:
			q.refs = slices.Delete(q.refs, old, old+1)
		case in && old < 0:
			i := q.position(r)
			q.refs = slices.Insert(q.refs, i, r)
		case in:
			q.move(old, r)
		}
	}
	if i, ok := q.followIn(); ok {
		sel = q.refs[i].ID
	}
	q.restoreSelection(sel)
	q.ensureVisible()
}

// followIn is the row of the conversation to follow (q.follow) if the
// list holds it now, which then is forgotten.
func (q *queue) followIn() (int, bool) {
	if q.follow == "" {
		return -1, false
	}
	i := q.indexOf(q.follow)
	if i < 0 {
		return -1, false
	}
	q.follow = ""
	return i, true
}

// remember caches a conversation read elsewhere unless a newer one is known.
func (q *queue) remember(c social.Conversation) {
	if prev, ok := q.convs[c.ID]; !ok || prev.Version <= c.Version {
		q.convs[c.ID] = c
	}
}

// position is where r belongs in the sorted list.
func (q *queue) position(r store.Ref) int {
	i, _ := slices.BinarySearchFunc(q.refs, r, func(a, b store.Ref) int { return bytes.Compare(a.Sort, b.Sort) })
	return i
}

// indexOf finds a conversation in the list: by binary search on its cached
// sort key when the previous version is known, else by a scan.
func (q *queue) indexOf(id string) int {
	if prev, ok := q.convs[id]; ok {
		r := store.RefOf(prev)
		if i := q.position(r); i < len(q.refs) && q.refs[i].ID == id {
			return i
		}
	}
	for i := range q.refs {
		if q.refs[i].ID == id {
			return i
		}
	}
	return -1
}

// move puts the ref at index old in its new place, shifting only the refs
// between the two positions (not the whole tail, twice).
func (q *queue) move(old int, r store.Ref) {
	j := q.position(r)
	switch {
	case j > old: // moves down: j counts the old entry itself
		j--
		copy(q.refs[old:j], q.refs[old+1:j+1])
	case j < old:
		copy(q.refs[j+1:old+1], q.refs[j:old])
	}
	q.refs[j] = r
}

func (q *queue) selectedID() string {
	if q.cursor >= 0 && q.cursor < len(q.refs) {
		return q.refs[q.cursor].ID
	}
	return ""
}

// restoreSelection keeps the cursor on the same conversation when the list
// changes under it; if it left the view, the cursor stays at its row.
func (q *queue) restoreSelection(id string) {
	if id != "" {
		for i := range q.refs {
			if q.refs[i].ID == id {
				q.cursor = i
				q.clampOffset()
				return
			}
		}
	}
	q.cursor = min(q.cursor, max(len(q.refs)-1, 0))
	q.clampOffset()
}

// ensureVisible loads the conversations of the rows on screen into the
// cache: at most a screenful of short bbolt reads (microseconds each).
func (q *queue) ensureVisible() {
	rows := q.queueRows()
	var missing []string
	for i := q.offset; i < min(q.offset+rows, len(q.refs)); i++ {
		if _, ok := q.convs[q.refs[i].ID]; !ok {
			missing = append(missing, q.refs[i].ID)
		}
	}
	if len(missing) == 0 {
		return
	}
	if len(q.convs) > 4096 { // bounded cache
		q.convs = map[string]social.Conversation{}
		missing = missing[:0] // every row on screen, each once
		for i := q.offset; i < min(q.offset+rows, len(q.refs)); i++ {
			missing = append(missing, q.refs[i].ID)
		}
	}
	cs, _ := q.st.Conversations(q.ctx, missing)
	for _, c := range cs {
		q.convs[c.ID] = c
	}
}

func (q *queue) clampOffset() {
	rows := q.queueRows()
	if q.cursor < q.offset {
		q.offset = q.cursor
	}
	if q.cursor >= q.offset+rows {
		q.offset = q.cursor - rows + 1
	}
	q.offset = max(0, min(q.offset, max(len(q.refs)-rows, 0)))
}

func (q *queue) moveCursor(d int) tea.Cmd {
	if len(q.refs) == 0 {
		return nil
	}
	q.cursor = max(0, min(len(q.refs)-1, q.cursor+d))
	q.clampOffset()
	q.ensureVisible()
	return q.host.open(q.refs[q.cursor].ID, false)
}

// selected are the marked conversations in list order.
func (q *queue) selected() []string {
	var ids []string
	for _, r := range q.refs {
		if q.marked[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// reload starts over at the top of a changed view, brand or search.
func (q *queue) reload(clearMarks bool) tea.Cmd {
	if !q.refsLoading {
		q.prevPos = [2]int{q.cursor, q.offset}
	}
	q.cursor, q.offset = 0, 0
	q.landing, q.jump, q.land = true, false, ""
	if clearMarks {
		q.marked = map[string]bool{}
	}
	return q.loadRefs()
}

// reloadTo is reload landing on conversation id (jump: the operator
// asked for it).
func (q *queue) reloadTo(id string, jump, clearMarks bool) tea.Cmd {
	cmd := q.reload(clearMarks)
	q.land, q.jump = id, jump
	return cmd
}

// flaggedSort reads the priority band from the index key (priority is
// stored inverted in bytes 1..9) for rows whose conversation is not cached.
func flaggedSort(r store.Ref) bool {
	if len(r.Sort) < 9 || r.Sort[0] != 0 {
		return false
	}
	var inv uint64
	for _, b := range r.Sort[1:9] {
		inv = inv<<8 | uint64(b)
	}
	return ^inv >= FlagScore
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
