package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/social"
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
	claimed []string                // the conversations it was opened on (released on esc)
	bulk    int                     // a bulk reply: how many conversations are selected (0: one reply)
	used    map[string]canned.Usage // what the operators chose answers for before
}

// usedMsg is the past choices of answers, read in a Cmd.
type usedMsg struct{ used map[string]canned.Usage }

// loadUsed reads the past choices (the store keeps them).
func (p *picker) loadUsed() tea.Cmd {
	st := p.st
	return func() tea.Msg {
		cs, err := st.CannedChoices(p.ctx)
		if err != nil {
			return doneMsg{err: fmt.Errorf("reading past canned choices: %w", err)}
		}
		used := make(map[string]canned.Usage, len(cs))
		for id, c := range cs {
			used[id] = canned.Usage{Count: c.Count, Words: c.Words}
		}
		return usedMsg{used}
	}
}

// setUsed takes the past choices and ranks again.
func (p *picker) setUsed(used map[string]canned.Usage) {
	p.used = used
	p.rank()
}

// postWords are what the open conversation is about, for the ranking and
// for the record of a choice.
func postWords(c social.Conversation) []string {
	return canned.Words(c.Preview, strings.Join(c.Reasons, " "))
}

// recordChoice remembers that the answer was chosen for this post.
func (p *picker) recordChoice(id string, words []string) tea.Cmd {
	eng := p.eng
	return func() tea.Msg {
		if err := eng.RecordCannedChoice(p.ctx, id, words); err != nil {
			return doneMsg{err: fmt.Errorf("remembering the canned choice: %w", err)}
		}
		return nil
	}
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
	if _, ok := answerable(p.host, bulk); !ok {
		return nil
	}
	p.claimed = ids
	p.bulk = 0
	if bulk {
		p.bulk = len(ids)
	}
	p.pick.SetValue("")
	p.idx = 0
	p.rank()
	p.host.focusOn(fPicker)
	return tea.Batch(p.pick.Focus(), p.loadUsed())
}

func (p *picker) rank() {
	c, _ := p.host.current()
	p.matches = canned.Suggest(p.d.Canned, p.pick.Value(), canned.Context{Brand: c.Brand, Lang: c.Lang, Words: postWords(c), Used: p.used})
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
	// the fields the operator will be asked for show as such
	r := p.matches[p.idx]
	asked := map[string]string{}
	for _, name := range r.Ask {
		asked[name] = "⟨" + name + ": asked⟩"
	}
	return canned.Render(r.Body, canned.WithAsked(p.vars(c), asked))
}

// ask has the operator fill in the answer's ask: fields one by one (a
// promise such as a restoration time is typed for this post, never sent
// stale from the config), then puts the answer in.
func (p *picker) ask(r canned.Response, replace bool, asked map[string]string, i int) tea.Cmd {
	c, ok := p.host.current()
	if !ok {
		return nil
	}
	if i == len(r.Ask) {
		text, err := canned.Render(r.Body, canned.WithAsked(p.vars(c), asked))
		if err != nil {
			p.err = err.Error()
			return nil
		}
		p.pick.Blur()
		return tea.Batch(p.host.pickCanned(r, text, replace, asked), p.recordChoice(r.ID, postWords(c)))
	}
	name := r.Ask[i]
	hints := []string{fmt.Sprintf("%q promises this: type what is true now (%d of %d).", textsafe.Line(r.Title), i+1, len(r.Ask))}
	if was, ok := p.brandOf(c.Brand).Vars[name]; ok {
		hints = append(hints, "The brand's usual value, not used unless typed: "+textsafe.Line(was))
	}
	return newPrompt(p.Common, p.host, "Fill in before sending", textsafe.Line(name)+" › ", "", append(hints, ""), func(val string) tea.Cmd {
		if val == "" {
			p.host.flash(name+" is needed: the answer promises it (esc drops the answer)", true)
			return p.ask(r, replace, asked, i)
		}
		asked[name] = val
		return p.ask(r, replace, asked, i+1)
	}).open()
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
		if _, err := p.preview(); err != nil {
			p.err = err.Error()
			return nil, true // never insert (or send) a broken template
		}
		p.err = ""
		return p.ask(p.matches[p.idx].Response, act == ActPickReplace, map[string]string{}, 0), true
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
	if p.bulk > 0 {
		lines = append(lines, p.sty.Dim.Render(textsafe.Truncate(fmt.Sprintf("bulk: %d selected, each in its own language", p.bulk), w)))
	}
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
		if r.Why != "" {
			extra = append(extra, "· "+r.Why)
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

// Update handles the picker's message: what was chosen before for posts
// like this one.
func (p *picker) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(usedMsg); ok {
		p.setUsed(msg.used)
		return nil, true
	}
	return nil, false
}
