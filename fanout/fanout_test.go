package fanout

import (
	"slices"
	"testing"
)

const resync = -1

func newHub(buf int) *Hub[int] {
	return New(buf, func(int) int { return resync })
}

// drain reads what is buffered on ch without blocking.
func drain(ch <-chan int) []int {
	var got []int
	for {
		select {
		case v := <-ch:
			got = append(got, v)
		default:
			return got
		}
	}
}

func TestEverySubscriberGetsEachEvent(t *testing.T) {
	h := newHub(4)
	a, stopA := h.Subscribe()
	b, stopB := h.Subscribe()
	defer stopA()
	defer stopB()
	h.Publish(1)
	h.Publish(2)
	for name, ch := range map[string]<-chan int{"a": a, "b": b} {
		if got := drain(ch); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("%s got %v, want [1 2]", name, got)
		}
	}
}

func TestSlowSubscriberGetsResync(t *testing.T) {
	h := newHub(2)
	slow, stopSlow := h.Subscribe()
	defer stopSlow()
	fast, stopFast := h.Subscribe()
	defer stopFast()
	for v := 1; v <= 3; v++ { // the third does not fit the slow one's buffer
		h.Publish(v)
		if got := drain(fast); !slices.Equal(got, []int{v}) {
			t.Fatalf("fast subscriber got %v after publishing %d", got, v)
		}
	}
	if got := drain(slow); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("slow subscriber got %v, want [1 2]", got)
	}
	h.Publish(4)
	if got := drain(slow); !slices.Equal(got, []int{resync, 4}) {
		t.Fatalf("after lagging got %v, want [resync 4]", got)
	}
	h.Publish(5)
	if got := drain(slow); !slices.Equal(got, []int{5}) {
		t.Fatalf("after the resync got %v, want [5]", got)
	}
}

func TestStopClosesOnce(t *testing.T) {
	h := newHub(1)
	ch, stop := h.Subscribe()
	stop()
	stop()
	if _, open := <-ch; open {
		t.Fatal("channel still open after stop")
	}
	h.Publish(1) // no subscriber left: must not panic on the closed channel
}
