package tui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/textsafe"
)

// picker is the canned-response picker, in the composer's place: a filter
// line, the answers ranked for the conversation's brand and language, and
// a preview rendered with the customer's name and the signature.
type picker struct {
	*Common
	host host

	pick    textinput.Model
	matches []canned.Match
	idx     int
	err     string
	claimed []string // the conversations it was opened on (released on esc)
}

func newPicker(c *Common, h host) *picker {
	ti := textinput.New()
	steadyInput(&ti)
	ti.Prompt = "canned › "
	ti.Placeholder = "type to filter"
	return &picker{Common: c, host: h, pick: ti}
}

func (p *picker) setWidth(w int) { p.pick.SetWidth(max(w-14, 10)) }

// start opens the picker for the open conversation (bulk: for a selection,
// which may include read-only ones: those are skipped at confirmation).
func (p *picker) start(bulk bool, ids []string) tea.Cmd {
	c, ok := p.host.current()
	if !ok {
		return nil
	}
	if c.ReadOnly != "" && !bulk {
		p.host.flash("Read-only: "+textsafe.Line(c.ReadOnly), true)
		return nil
	}
	p.claimed = ids
	p.pick.SetValue("")
	p.idx = 0
	p.rank()
	p.host.focusOn(fPicker)
	return p.pick.Focus()
}

func (p *picker) rank() {
	c, _ := p.host.current()
	p.matches = canned.Rank(p.d.Canned, p.pick.Value(), c.Brand, c.Lang)
	p.idx = min(p.idx, max(len(p.matches)-1, 0))
}

func (p *picker) preview() (string, error) {
	if p.idx >= len(p.matches) {
		return "", nil
	}
	c, ok := p.host.current()
	if !ok {
		return "", nil
	}
	return canned.Render(p.matches[p.idx].Body, p.vars(c))
}

// Help: the picker's own keys (every other key filters).
func (p *picker) Help() []Action {
	return []Action{ActPickNext, ActPickPrev, ActPickInsert, ActPickReplace, ActClose}
}

// Key moves in the list, inserts the answer (enter adds it to the text,
// tab replaces the text with it), or types into the filter.
func (p *picker) Key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	switch act := p.km.Local(pickerKeys, k.String()); act {
	case ActClose:
		p.pick.Blur()
		p.team.release(p.claimed...)
		p.host.focusOn(fConv)
		return nil, true
	case ActPickNext:
		p.idx = min(p.idx+1, max(len(p.matches)-1, 0))
		return nil, true
	case ActPickPrev:
		p.idx = max(p.idx-1, 0)
		return nil, true
	case ActPickInsert, ActPickReplace:
		if p.idx >= len(p.matches) {
			return nil, true
		}
		text, err := p.preview()
		if err != nil {
			p.err = err.Error()
			return nil, true // never insert (or send) a broken template
		}
		p.err = ""
		p.pick.Blur()
		return p.host.pickCanned(p.matches[p.idx].Response, text, act == ActPickReplace), true
	}
	var cmd tea.Cmd
	before := p.pick.Value()
	p.pick, cmd = p.pick.Update(k)
	if p.pick.Value() != before {
		p.idx = 0
		p.rank()
	}
	return cmd, true
}

// View renders the filter, the ranked answers and the preview.
func (p *picker) View(w, h int) string {
	lines := []string{p.pick.View()}
	if p.err != "" {
		lines = append(lines, p.sty.StatusErr.Render(textsafe.Truncate(p.err, w)))
	}
	listH := max(h-1-len(lines)-3, 1)
	start := max(0, p.idx-listH+1)
	for i := start; i < min(len(p.matches), start+listH); i++ {
		r := p.matches[i]
		label := textsafe.Line(r.Title)
		extra := []string{}
		if r.Brand != "" {
			extra = append(extra, brandTag(r.Brand))
		}
		if r.Lang != "" {
			extra = append(extra, r.Lang)
		}
		if r.Shortcut != "" {
			extra = append(extra, ";"+r.Shortcut)
		}
		if len(extra) > 0 {
			label += "  " + p.sty.Dim.Render(strings.Join(extra, " "))
		}
		label = textsafe.Truncate(label, w-2)
		if i == p.idx {
			lines = append(lines, p.sty.Selected.Render("› "+padTo(plain(label), w-2)))
		} else {
			lines = append(lines, "  "+label)
		}
	}
	if len(p.matches) == 0 {
		lines = append(lines, p.sty.Dim.Render("  no canned response matches"))
	}
	// preview of the rendered answer
	if prev, err := p.preview(); err != nil {
		lines = append(lines, p.sty.StatusErr.Render(textsafe.Truncate("⚠ "+err.Error(), w)))
	} else if prev != "" {
		lines = append(lines, p.sty.Dim.Render(strings.Repeat("─", w)))
		lines = append(lines, strings.Split(lipgloss.Wrap(textsafe.Block(prev), w, " "), "\n")...)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}
