package tui

import (
	"strings"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// prompt is an overlay with one line of input under a few lines of hints:
// the base of the snooze, search, note and tags overlays. enter applies
// the trimmed value, esc cancels; both close it. Every other key is the
// input's: a prompt never lets a key through to the queue.
type prompt struct {
	host  host
	title string
	hints []string
	input textinput.Model
	apply func(val string) tea.Cmd
	// recall is a value ↑ brings back (the search in force), so that a
	// new query starts empty and an old one can still be edited.
	recall string
}

func newPrompt(c *Common, h host, title, label, value string, hints []string, apply func(string) tea.Cmd) *prompt {
	ti := textinput.New()
	steadyInput(&ti)
	ti.Prompt = label
	ti.SetWidth(promptWidth(c.w, label))
	ti.SetValue(value)
	ti.CursorEnd()
	return &prompt{host: h, title: title, hints: hints, input: ti, apply: apply}
}

// open pushes the prompt and focuses its input.
func (o *prompt) open() tea.Cmd {
	o.host.push(o)
	return o.input.Focus()
}

func (o *prompt) SetWidth(w int) { o.input.SetWidth(promptWidth(w, o.input.Prompt)) }

// promptWidth is the input's width after its label on a w-wide screen: at
// most 60, and the label, the input and its cursor within overlayText, so
// a long label (an answer's ask: field name) does not push the input past
// the box's edge, cut with '…'.
func promptWidth(w int, label string) int {
	return max(min(w-20, 60, overlayText(w)-1-ansi.StringWidth(label)), 10)
}

func (o *prompt) Key(k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	switch localAction(promptKeys, ks) {
	case ActClose:
		o.host.pop()
		o.input.Blur()
		return nil
	case ActApply:
		val := strings.TrimSpace(o.input.Value())
		o.host.pop()
		o.input.Blur()
		return o.apply(val)
	case ActRecall:
		if o.recall != "" {
			o.input.SetValue(o.recall)
			o.input.CursorEnd()
		}
		return nil
	}
	var cmd tea.Cmd
	o.input, cmd = o.input.Update(k)
	return cmd
}

// View breaks a hint too wide for the box (drawOverlay would cut it: at 80
// columns the snooze prompt lost "then a note after ';'").
func (o *prompt) View(w, h int) (string, []string) {
	inner := overlayText(w)
	lines := make([]string, 0, len(o.hints)+1)
	for _, hint := range o.hints {
		lines = append(lines, wrapHint(hint, inner)...)
	}
	return o.title, append(lines, o.input.View())
}

// wrapHint lays a hint out on lines of w columns: between its " · "
// items, and between words where an item alone is too wide. A hint that
// fits is left as it is (its spacing lines presets up).
func wrapHint(hint string, w int) []string {
	if ansi.StringWidth(hint) <= w {
		return []string{hint}
	}
	var out []string
	for _, l := range packItems(hint, w, 0) {
		out = append(out, strings.Split(ansi.Wordwrap(l, w, ""), "\n")...)
	}
	return out
}

// blinkCursor makes the inputs' cursor blink (tests that run every Cmd to
// its end turn it off: a blink is a timer).
var blinkCursor = true

// steadyInput and steadyArea stop an input's cursor from blinking when
// blinkCursor is off.
func steadyInput(in *textinput.Model) {
	if !blinkCursor {
		st := in.Styles()
		st.Cursor.Blink = false
		in.SetStyles(st)
	}
}

func steadyArea(in *textarea.Model) {
	if !blinkCursor {
		st := in.Styles()
		st.Cursor.Blink = false
		in.SetStyles(st)
	}
}
