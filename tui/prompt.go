package tui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// prompt is an overlay with one line of input under a few lines of hints:
// the base of the snooze, search, note and tags overlays. enter applies
// the trimmed value, esc cancels; both close it.
type prompt struct {
	host  host
	title string
	hints []string
	input textinput.Model
	apply func(val string) tea.Cmd
	// preset, if set, may take a key before the input does (snooze's
	// 1/2/3 on an empty line).
	preset func(ks string) (tea.Cmd, bool)
}

func newPrompt(c *Common, h host, title, label, value string, hints []string, apply func(string) tea.Cmd) *prompt {
	ti := textinput.New()
	ti.Prompt = label
	ti.SetWidth(promptWidth(c.w))
	ti.SetValue(value)
	ti.CursorEnd()
	return &prompt{host: h, title: title, hints: hints, input: ti, apply: apply}
}

// open pushes the prompt and focuses its input.
func (o *prompt) open() tea.Cmd {
	o.host.push(o)
	return o.input.Focus()
}

func (o *prompt) SetWidth(w int) { o.input.SetWidth(promptWidth(w)) }

func promptWidth(w int) int { return max(min(w-20, 60), 10) }

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
	}
	if o.preset != nil {
		if cmd, ok := o.preset(ks); ok {
			return cmd
		}
	}
	var cmd tea.Cmd
	o.input, cmd = o.input.Update(k)
	return cmd
}

func (o *prompt) View(w, h int) (string, []string) {
	return o.title, append(append([]string{}, o.hints...), o.input.View())
}
