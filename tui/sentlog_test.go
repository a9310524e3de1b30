package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/store"
)

// The outbox overlay's sent log pages through what was delivered, newest
// first, 20 at a time (] older, [ newer), and s goes back to the outbox of
// failed replies.
func TestOutboxSentLog(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := benchgen.Build(context.Background(), st, benchgen.Gen{N: 200}, nil); err != nil {
		t.Fatal(err) // 50 replies: 40 sent, the last 10 failed
	}
	m, err := New(Deps{Engine: engine.New(engine.Options{Store: st}), Now: benchgen.End})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press := func(k tea.KeyPressMsg) string {
		t.Helper()
		_, cmd := m.Update(k)
		// the store's reads may take long on a busy machine: wait for
		// them as the program would (runSlow), not runCmd's 20 ms
		runSlow(m, onlyFirst(cmd))
		return m.View().Content
	}
	scr := press(tea.KeyPressMsg{Code: 'O', Text: "O"})
	if !strings.Contains(scr, "failed") || !strings.Contains(scr, "s: sent log") {
		t.Fatalf("the outbox:\n%s", scr)
	}
	scr = press(tea.KeyPressMsg{Code: 's', Text: "s"})
	if !strings.Contains(scr, "sent, page 1") || strings.Contains(scr, "failed") {
		t.Fatalf("the sent log:\n%s", scr)
	}
	first := m.top().(*outboxView).log.entries
	if len(first) != 20 || first[0].Seq != 40 || first[19].Seq != 21 {
		t.Fatalf("page 1: %d entries (%v)", len(first), seqs(first))
	}
	scr = press(tea.KeyPressMsg{Code: ']', Text: "]"})
	second := m.top().(*outboxView).log.entries
	if !strings.Contains(scr, "sent, page 2") || len(second) != 20 || second[0].Seq != 20 || !m.top().(*outboxView).log.end {
		t.Fatalf("page 2: %d entries (%v), end %v, title %v", len(second), seqs(second), m.top().(*outboxView).log.end, strings.Contains(scr, "sent, page 2"))
	}
	press(tea.KeyPressMsg{Code: ']', Text: "]"}) // no older page: stays
	scr = press(tea.KeyPressMsg{Code: '[', Text: "["})
	if back := m.top().(*outboxView).log.entries; !strings.Contains(scr, "sent, page 1") || len(back) == 0 || back[0].Seq != 40 {
		t.Fatalf("back to page 1 (%v):\n%s", seqs(back), scr)
	}
	scr = press(tea.KeyPressMsg{Code: 's', Text: "s"})
	if !strings.Contains(scr, "failed") {
		t.Fatalf("back to the outbox:\n%s", scr)
	}
}

// seqs are the entries' outbox numbers, for a failure's message.
func seqs(es []store.OutboxEntry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}
