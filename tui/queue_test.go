package tui

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Patching the cached list in place must give exactly what a reload gives.
func TestApplyConvsMatchesReload(t *testing.T) {
	m, st := bigModel(t, 3000)
	for _, v := range []store.View{store.ViewAll, store.ViewActionable} {
		m.view = v
		m.Update(m.loadRefs()())
		rnd := rand.New(rand.NewSource(int64(v)))
		states := []social.State{social.StateNew, social.StateOpen, social.StatePending, social.StateResolved}
		for i := 0; i < 400; i++ {
			id := strconv.Itoa(1 + rnd.Intn(3000))
			c, err := st.UpdateConv(context.Background(), id, func(c *social.Conversation) error {
				c.Priority = rnd.Intn(100)
				c.State = states[rnd.Intn(len(states))]
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			m.applyConvs([]social.Conversation{c})
		}
		want, _ := st.QueueRefs(context.Background(), v, nil)
		if len(want) != len(m.refs) {
			t.Fatalf("%s: %d refs patched, %d reloaded", v, len(m.refs), len(want))
		}
		for i := range want {
			if want[i].ID != m.refs[i].ID || !bytes.Equal(want[i].Sort, m.refs[i].Sort) {
				t.Fatalf("%s: row %d is #%s, reload has #%s", v, i, m.refs[i].ID, want[i].ID)
			}
		}
	}
}

// The outbox overlay keeps its selection on the same entry when others are
// delivered around it (a discard must hit what the operator chose).
func TestOutboxSelectionFollowsEntry(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	a, b, c := store.OutboxEntry{Seq: 1}, store.OutboxEntry{Seq: 2, State: store.OutFailed}, store.OutboxEntry{Seq: 3}
	m.Update(outboxMsg{entries: []store.OutboxEntry{a, b, c}})
	m.outboxIdx = 1                                         // the operator selects B
	m.Update(outboxMsg{entries: []store.OutboxEntry{b, c}}) // A was delivered
	if got := m.outbox[m.outboxIdx].Seq; got != 2 {
		t.Fatalf("selection moved to entry %d, want 2", got)
	}
	m.Update(outboxMsg{entries: []store.OutboxEntry{c}}) // B discarded elsewhere
	if m.outboxIdx != 0 {
		t.Fatalf("index %d with one entry left", m.outboxIdx)
	}
}

// A key pressed while a search is being read cancels it: the key acts on
// the list as it was (it does not wait for the search), the search's
// context is cancelled and its late result is dropped.
func TestKeyCancelsRunningSearch(t *testing.T) {
	m, _ := bigModel(t, 3000)
	m.view = store.ViewAll
	m.Update(m.loadRefs()())
	m.Update(down)
	m.Update(down)
	before, rows := m.cursor, len(m.refs)

	cmd := m.applySearch("rebooking")
	if cmd == nil || !m.refsLoading {
		t.Fatal("the search did not start a read")
	}
	m.Update(down) // the next key, while the search runs
	if m.refsLoading || m.search != nil {
		t.Fatalf("the key waited for the search (loading %v, search %v)", m.refsLoading, m.search)
	}
	if m.cursor != before+1 || len(m.refs) != rows {
		t.Fatalf("cursor %d of %d rows, want %d of %d: the key did not act on the old list", m.cursor, len(m.refs), before+1, rows)
	}
	if !strings.Contains(m.View().Content, "Search cancelled") {
		t.Error("no word that the search was cancelled")
	}
	msg := cmd() // the search's Cmd, finishing late
	if r, ok := msg.(refsMsg); !ok || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the search ran on: %#v", msg)
	}
	m.Update(msg)
	if len(m.refs) != rows || m.search != nil {
		t.Fatalf("the cancelled search's result was taken: %d rows", len(m.refs))
	}
}
