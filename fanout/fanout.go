package fanout

import "sync"

// Hub fans events of type T out to its subscribers. The zero value is not
// usable: make one with New.
type Hub[T any] struct {
	buf    int
	resync func(T) T

	mu   sync.Mutex
	subs map[int]*sub[T]
	next int
}

type sub[T any] struct {
	ch     chan T
	lagged bool
}

// New makes a hub whose subscribers each buffer buf events. resync makes,
// from the event being published, the one a subscriber gets in place of
// the events it missed.
func New[T any](buf int, resync func(T) T) *Hub[T] {
	return &Hub[T]{buf: buf, resync: resync, subs: map[int]*sub[T]{}}
}

// Subscribe returns a channel of events and a function to stop, which
// closes the channel (calling it again does nothing).
func (h *Hub[T]) Subscribe() (<-chan T, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	s := &sub[T]{ch: make(chan T, h.buf)}
	h.subs[id] = s
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[id]; ok {
			delete(h.subs, id)
			close(s.ch)
		}
	}
}

// Publish sends ev to every subscriber without blocking. A subscriber
// that missed events first gets the resync event; while its buffer has no
// room for that, it misses ev too.
func (h *Hub[T]) Publish(ev T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		if s.lagged {
			select {
			case s.ch <- h.resync(ev):
				s.lagged = false
			default:
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			s.lagged = true
		}
	}
}
