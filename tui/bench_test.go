package tui

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/paginator"
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

const benchConvs = 200_000

// benchModel is a Model on a store of 200k conversations, showing the
// "all" view (every conversation in the list).
func benchModel(b *testing.B) *Model {
	st := storetest.Big(b, benchConvs)
	b.Cleanup(storetest.Cleanup)
	m := testModel(b, Deps{Engine: engine.New(engine.Options{Store: st}), Now: func() time.Time { return storetest.Start.Add(300 * 24 * time.Hour) }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.view = store.ViewAll
	msg := m.loadRefs()()
	m.Update(msg)
	if len(m.refs) != benchConvs {
		b.Fatalf("%d refs", len(m.refs))
	}
	return m
}

var down = tea.KeyPressMsg{Code: 'j', Text: "j"}
var up = tea.KeyPressMsg{Code: 'k', Text: "k"}

// moveKey is the i-th key of a benchmark's moves: down and up in runs of
// 60, so new rows keep entering the window.
func moveKey(i int) tea.KeyPressMsg {
	if (i/60)%2 == 1 {
		return up
	}
	return down
}

// benchList is a bubbles/v2 list of items, w wide, with the Arabic
// paginator (the default dots paginator is quadratic: hundreds of ms a
// keypress at 200k items).
func benchList(items []list.Item, w int) list.Model {
	l := list.New(items, list.NewDefaultDelegate(), w, 38)
	l.Paginator.Type = paginator.Arabic
	l.DisableQuitKeybindings()
	return l
}

// BenchmarkQueueKeypress: one keypress (Update) and the frame it causes
// (View) with 200k conversations in the list. Moving alternates direction
// in runs of 60 so new rows keep entering the window.
func BenchmarkQueueKeypress(b *testing.B) {
	m := benchModel(b)
	for i := 0; b.Loop(); i++ {
		m.Update(moveKey(i))
		_ = m.View()
	}
}

// BenchmarkQueueKeypressNarrow is BenchmarkQueueKeypress on a 50×20
// terminal, where the queue alone is drawn, the whole width.
func BenchmarkQueueKeypressNarrow(b *testing.B) {
	m := benchModel(b)
	m.Update(tea.WindowSizeMsg{Width: 50, Height: 20})
	for i := 0; b.Loop(); i++ {
		m.Update(moveKey(i))
		_ = m.View()
	}
}

type item string

func (i item) FilterValue() string { return string(i) }
func (i item) Title() string       { return string(i) }
func (i item) Description() string {
	return "my flight was cancelled and nobody at the desk can tell me anything"
}

// BenchmarkBubblesListKeypress is the baseline: bubbles/v2 list with the
// same 200k items, Arabic paginator (the default dots paginator is
// quadratic: hundreds of ms a keypress at this size).
func BenchmarkBubblesListKeypress(b *testing.B) {
	items := make([]list.Item, benchConvs)
	for i := range items {
		items[i] = item(fmt.Sprintf("@user%d@example.social", i))
	}
	l := benchList(items, 120)
	for i := 0; b.Loop(); i++ {
		l, _ = l.Update(moveKey(i))
		_, _ = io.WriteString(io.Discard, l.View())
	}
}

// BenchmarkApplyChange: an engine event changed one conversation while the
// "all" view lists 200k; the cached list is patched in place (no reload).
func BenchmarkApplyChange(b *testing.B) {
	m := benchModel(b)
	c, err := m.st.Conversation(context.Background(), "150000")
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		c.Priority = i % 100 // move it around the list
		c.Version++
		i++
		m.applyConvs([]social.Conversation{c})
	}
}

// BenchmarkReloadAll is the baseline for BenchmarkApplyChange: re-reading
// the whole view from the index.
func BenchmarkReloadAll(b *testing.B) {
	m := benchModel(b)
	for b.Loop() {
		m.Update(m.loadRefs()())
	}
}
