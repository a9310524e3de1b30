package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Help: the queue moves, selects and filters.
func (q *queue) Help() []Action {
	return []Action{ActDown, ActUp, ActTop, ActBottom, ActPageDown, ActPageUp, ActOpen,
		ActSelect, ActSelectAll, ActSelectHot, ActNextView, ActBack, ActBrand, ActBrandN}
}

// Key handles the list's keys. They work from the conversation pane too
// (which keeps j/k for scrolling), so the root offers them to the queue
// whenever a pane has the keys.
func (q *queue) Key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	ks := k.String()
	switch q.km.Action(ks) {
	case ActDown:
		return q.moveCursor(1), true
	case ActUp:
		return q.moveCursor(-1), true
	case ActPageDown:
		return q.moveCursor(q.queueRows()), true
	case ActPageUp:
		return q.moveCursor(-q.queueRows()), true
	case ActTop:
		return q.moveCursor(-len(q.refs)), true
	case ActBottom:
		return q.moveCursor(len(q.refs)), true
	case ActOpen:
		if id := q.selectedID(); id != "" {
			q.host.focusOn(fConv)
			return q.host.open(id, true), true
		}
	case ActNextView:
		q.rememberView()
		q.view = (q.view + 1) % 5
		return q.reload(false), true
	case ActBack:
		return q.goBack(), true
	case ActBrand:
		q.rememberView()
		q.brandFilter = nextBrand(q.brands, q.brandFilter)
		return q.reload(true), true
	case ActBrandN:
		n := int(ks[0] - '0')
		want := ""
		if n > 0 && n <= len(q.brands) {
			want = q.brands[n-1]
		} else if n > len(q.brands) {
			q.host.flash(fmt.Sprintf("There is no brand %d (%d configured)", n, len(q.brands)), true)
			return nil, true
		}
		if want != q.brandFilter {
			q.rememberView()
		}
		q.brandFilter = want
		return q.reload(true), true
	case ActSelect:
		if id := q.selectedID(); id != "" {
			if q.marked[id] {
				delete(q.marked, id)
			} else {
				q.marked[id] = true
			}
			return q.moveCursor(1), true
		}
	case ActSelectHot:
		n := 0
		for _, r := range q.refs {
			if c, ok := q.convs[r.ID]; ok && c.Priority >= FlagScore || !ok && flaggedSort(r) {
				q.marked[r.ID] = true
				n++
			}
		}
		q.host.flash(fmt.Sprintf("%d flagged conversations selected — B to answer them all", n), false)
	case ActSelectAll:
		if len(q.marked) == len(q.refs) {
			q.marked = map[string]bool{}
		} else {
			for _, r := range q.refs {
				q.marked[r.ID] = true
			}
		}
	default:
		return nil, false
	}
	return nil, true
}

// click selects the row under the mouse (y counted from the top of the
// screen) and opens it.
func (q *queue) click(y int) tea.Cmd {
	row := (y - 2) / 2 // header + border, two lines a row
	if row < 0 || row >= q.queueRows() {
		return nil
	}
	i := q.offset + row
	if i >= len(q.refs) {
		return nil
	}
	q.cursor = i
	q.host.focusOn(fQueue)
	q.clampOffset()
	q.ensureVisible()
	return q.host.open(q.refs[i].ID, true)
}

func nextBrand(brands []string, cur string) string {
	if cur == "" {
		if len(brands) > 0 {
			return brands[0]
		}
		return ""
	}
	for i, b := range brands {
		if b == cur {
			if i+1 < len(brands) {
				return brands[i+1]
			}
			return ""
		}
	}
	return ""
}
