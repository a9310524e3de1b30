package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// The command palette (:) runs any action by name, with completion (tab
// takes the first match); the jump (#) opens a conversation by its id,
// switching view, brand and search as needed.

// paletteEntry is an action the palette offers.
type paletteEntry struct {
	act  Action
	keys []string
	help string
}

// paletteEntries are the actions of the main table a name can run (a
// brand by number needs its digit: b cycles instead), and F.
func (km *Keymap) paletteEntries() []paletteEntry {
	var out []paletteEntry
	for _, b := range km.bindings {
		if b.act == ActBrandN || b.act == ActPalette {
			continue
		}
		out = append(out, paletteEntry{b.act, b.keys, b.help})
	}
	for _, b := range rootKeys {
		out = append(out, paletteEntry{b.act, b.keys, b.help})
	}
	return out
}

// paletteMatch are the entries whose name starts with, then contains,
// what was typed (spaces count as _).
func paletteMatch(all []paletteEntry, typed string) []paletteEntry {
	t := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(typed)), " ", "_")
	var pre, sub []paletteEntry
	for _, e := range all {
		name := string(e.act)
		switch {
		case strings.HasPrefix(name, t):
			pre = append(pre, e)
		case strings.Contains(name, t) || strings.Contains(strings.ToLower(e.help), strings.ToLower(strings.TrimSpace(typed))):
			sub = append(sub, e)
		}
	}
	return append(pre, sub...)
}

// palette is the : overlay.
type palette struct {
	*Common
	host  host
	run   func(k tea.KeyPressMsg) tea.Cmd // the root's key routing
	input textinput.Model
	all   []paletteEntry
}

func (m *Model) openPalette() tea.Cmd {
	ti := textinput.New()
	steadyInput(&ti)
	ti.Prompt = ": "
	ti.Placeholder = "action name (tab completes)"
	ti.SetWidth(promptWidth(m.w, ti.Prompt))
	o := &palette{Common: m.Common, host: m, run: m.onKey, input: ti, all: m.km.paletteEntries()}
	m.push(o)
	return o.input.Focus()
}

func (o *palette) SetWidth(w int) { o.input.SetWidth(promptWidth(w, o.input.Prompt)) }

func (o *palette) Key(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		o.host.pop()
		return nil
	case "tab":
		if ms := paletteMatch(o.all, o.input.Value()); len(ms) > 0 {
			o.input.SetValue(string(ms[0].act))
			o.input.CursorEnd()
		}
		return nil
	case "enter":
		ms := paletteMatch(o.all, o.input.Value())
		typed := strings.ReplaceAll(strings.TrimSpace(o.input.Value()), " ", "_")
		if i := slices.IndexFunc(ms, func(e paletteEntry) bool { return string(e.act) == typed }); i >= 0 {
			ms = ms[i : i+1] // an exact name wins
		}
		if len(ms) == 0 || typed == "" {
			o.host.flash(fmt.Sprintf("No action %q (tab completes; ? lists them)", textsafe.Line(o.input.Value())), true)
			return nil
		}
		o.host.pop()
		o.input.Blur()
		// run it as its key: the same routing, the same checks
		return o.run(keyOf(ms[0].keys[0]))
	}
	var cmd tea.Cmd
	o.input, cmd = o.input.Update(k)
	return cmd
}

// paletteKeysMax is the widest the palette's keys column grows.
const paletteKeysMax = 18

func (o *palette) View(w, h int) (string, []string) {
	ms := paletteMatch(o.all, o.input.Value())
	lines := []string{o.input.View(), ""}
	room := max(min(h-8, 12), 3)
	// the keys column as wide as the widest keys shown (up to a point):
	// "ctrl+d pgdown" does not push its help out of line
	kw := 0
	for _, e := range ms[:min(len(ms), room)] {
		kw = max(kw, textsafe.Width(strings.Join(e.keys, " ")))
	}
	kw = min(kw, paletteKeysMax)
	for i, e := range ms {
		if i == room {
			lines = append(lines, o.sty.Dim.Render(fmt.Sprintf("  … %d more", len(ms)-room)))
			break
		}
		l := fmt.Sprintf("  %-16s %s %s", e.act, padTo(textsafe.Truncate(strings.Join(e.keys, " "), kw), kw), e.help)
		if i == 0 {
			l = o.sty.Selected.Render("›" + l[1:])
		}
		lines = append(lines, l)
	}
	if len(ms) == 0 {
		lines = append(lines, o.sty.Dim.Render("  no action matches"))
	}
	return "Run an action (enter runs the first, tab completes)", lines
}

// keyOf is the key press a key name stands for ("ctrl+s", "enter", "G").
func keyOf(s string) tea.KeyPressMsg {
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(s, "ctrl+") && len(s) > 5:
			mod |= tea.ModCtrl
			s = s[5:]
			continue
		case strings.HasPrefix(s, "alt+") && len(s) > 4:
			mod |= tea.ModAlt
			s = s[4:]
			continue
		case strings.HasPrefix(s, "shift+") && len(s) > 6:
			mod |= tea.ModShift
			s = s[6:]
			continue
		}
		break
	}
	named := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "space": tea.KeySpace, "tab": tea.KeyTab,
		"backspace": tea.KeyBackspace, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft,
		"right": tea.KeyRight, "home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp,
		"pgdown": tea.KeyPgDown, "delete": tea.KeyDelete, "insert": tea.KeyInsert,
	}
	for i := 1; i <= 12; i++ {
		named[fmt.Sprintf("f%d", i)] = tea.KeyF1 + rune(i-1)
	}
	if r, ok := named[s]; ok {
		k := tea.KeyPressMsg{Code: r, Mod: mod}
		if r == tea.KeySpace && mod == 0 {
			k.Text = " "
		}
		return k
	}
	r := []rune(s)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: s}
}

// ---- jump to #id ----

// jumpMsg is the conversation a jump asked for, read in a Cmd.
type jumpMsg struct {
	conv social.Conversation
	err  error
}

func (m *Model) openJump() tea.Cmd {
	return newPrompt(m.Common, m, "Go to conversation", "# ", "", []string{"its number (as in #42)", ""}, func(val string) tea.Cmd {
		id := strings.TrimPrefix(strings.TrimSpace(val), "#")
		if id == "" {
			return nil
		}
		st := m.st
		return func() tea.Msg {
			c, err := st.Conversation(m.ctx, id)
			if err != nil {
				return jumpMsg{err: fmt.Errorf("#%s: no such conversation", id)}
			}
			return jumpMsg{conv: c}
		}
	}).open()
}

// onJump shows the conversation: its view, its brand (or all brands), no
// search that hides it, the cursor on it.
func (m *Model) onJump(msg jumpMsg) tea.Cmd {
	if msg.err != nil {
		m.flash(textsafe.Line(msg.err.Error()), true)
		return nil
	}
	q, c := m.queue, msg.conv
	if !m.op.Allows(c.Brand) {
		m.flash(fmt.Sprintf("#%s is %s's: not one of your brands", c.ID, textsafe.Line(c.Brand)), true)
		return nil
	}
	q.rememberView()
	q.view = viewOf(c.State)
	if q.brandFilter != "" && q.brandFilter != c.Brand {
		q.brandFilter = ""
	}
	if !q.matchesSearch(c) {
		q.search = nil
	}
	m.focusOn(fQueue)
	return tea.Batch(q.reloadTo(c.ID, true, false), m.open(c.ID, false))
}

// viewOf is the view a state is listed in.
func viewOf(s social.State) store.View {
	switch s {
	case social.StatePending:
		return store.ViewPending
	case social.StateSnoozed:
		return store.ViewSnoozed
	case social.StateResolved:
		return store.ViewResolved
	}
	return store.ViewActionable
}
