package tui

import (
	"bytes"
	"math/rand"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

// Patching the cached list in place must give exactly what a reload gives.
func TestApplyConvsMatchesReload(t *testing.T) {
	st := storetest.Big(t, 3000)
	t.Cleanup(storetest.Cleanup)
	eng := engine.New(engine.Options{Store: st})
	m, err := New(Deps{Engine: eng, Now: func() time.Time { return storetest.Start }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, v := range []store.View{store.ViewAll, store.ViewActionable} {
		m.view = v
		m.Update(m.loadRefs()())
		rnd := rand.New(rand.NewSource(int64(v)))
		states := []social.State{social.StateNew, social.StateOpen, social.StatePending, social.StateResolved}
		for i := 0; i < 400; i++ {
			id := strconv.Itoa(1 + rnd.Intn(3000))
			c, err := st.UpdateConv(id, func(c *social.Conversation) error {
				c.Priority = rnd.Intn(100)
				c.State = states[rnd.Intn(len(states))]
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			m.applyConvs([]social.Conversation{c})
		}
		want, _ := st.QueueRefs(v, nil)
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
