package crashtest

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hark-tui/hark/internal/fakenet"
)

// TestKilledCatchUpKeepsEveryPageRead: `hark poll` catching up 200 new
// mentions is SIGKILLed once the server has served it the second page.
// Every page is stored (and its cursor committed) before the next is
// asked for, so the first page must be in the store; hark used to read
// ten pages (400 mentions) before committing any, and a process killed
// sooner kept nothing (issue 16).
func TestKilledCatchUpKeepsEveryPageRead(t *testing.T) {
	needBinary(t)
	h := newHarness(t, 16, 300, func(o *fakenet.CrashOptions) {
		o.DelayShare, o.Trickle = 0, 0
		o.MaxLatency = 150 * time.Millisecond // pages take a while to come
	})
	h.pollOnce() // the first poll: the newest page, and a cursor
	before := storedPostCount(t, h.db)
	h.fake.Release(200)
	select { // a signal left from the first poll
	case <-h.fake.PageServed:
	default:
	}
	p := h.start("poll")
	served := 0
	deadline := time.After(30 * time.Second)
	for served < 2 {
		select {
		case <-h.fake.PageServed:
			served++
		case err := <-p.done:
			t.Fatalf("hark poll exited: %v\n%s", err, p.out)
		case <-deadline:
			t.Fatal("the server did not serve two pages within 30 s")
		}
	}
	if exited, err := h.killAfter(p, 0, nil); exited {
		t.Fatalf("hark exited by itself: %v", err)
	}
	after := storedPostCount(t, h.db)
	t.Logf("%d posts before the catch-up, %d after a kill at its second page", before, after)
	if after < before+40 {
		t.Fatalf("the store holds %d posts, want at least %d: the first page of the catch-up was lost with the process", after, before+40)
	}
}

func storedPostCount(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte("posts")); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n
}
