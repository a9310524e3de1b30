package tui

import (
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

// emptyEngine is an engine on a fresh, empty bbolt store, closed when the
// test ends.
func emptyEngine(t *testing.T) *engine.Engine {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return engine.New(engine.Options{Store: st})
}

// testModel is New(d), closed when the test ends (before its store).
func testModel(t testing.TB, d Deps) *Model {
	t.Helper()
	m, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// bigModel is a 100×30 model on the shared generated store of n
// conversations, its clock at storetest.Start.
func bigModel(t *testing.T, n int) (*Model, store.Store) {
	t.Helper()
	st := storetest.Big(t, n)
	t.Cleanup(storetest.Cleanup)
	m := testModel(t, Deps{Engine: engine.New(engine.Options{Store: st}), Now: func() time.Time { return storetest.Start }})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m, st
}
