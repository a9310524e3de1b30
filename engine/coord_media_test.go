package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// mediaServer is a network that takes images: it counts uploads and posts,
// and holds the upload of the process named stall after storing the image
// and before answering (a sender stalled mid-upload).
type mediaServer struct {
	mu      sync.Mutex
	uploads map[string]int // process → images uploaded
	created map[string]int // reply id → posts
	refs    map[string]string
	stall   string
	held    chan struct{}
	release chan struct{}
}

type mediaSender struct {
	s    *mediaServer
	proc string
}

func (m mediaSender) Upload(ctx context.Context, r social.Reply, i int) (string, error) {
	s := m.s
	s.mu.Lock()
	s.uploads[m.proc]++
	ref := fmt.Sprintf("media-%s-%d", m.proc, s.uploads[m.proc])
	hold := m.proc == s.stall && s.uploads[m.proc] == 1
	s.mu.Unlock()
	if hold {
		close(s.held)
		<-s.release // stored on the server; the sender does not hear of it yet
	}
	return ref, nil
}

func (m mediaSender) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created[r.ID]++
	if len(r.Attachments) > 0 {
		s.refs[r.ID] = r.Attachments[0].Ref
	}
	return social.Sent{RemoteID: "s-" + r.ID}, nil
}

func (m mediaSender) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.created[r.ID] > 0 {
		return social.Sent{RemoteID: "s-" + r.ID}, true, nil
	}
	return social.Sent{}, false, nil
}

func startMediaSender(t testing.TB, dsn, name string, srv *mediaServer, lease, claim time.Duration) *proc {
	return startSenderWith(t, dsn, name, mediaSender{s: srv, proc: name}, lease, claim)
}

// TestUploadRecordFencedByClaim: a sender stalls in the middle of an image
// upload until its outbox claim has passed to another process, which
// confirms, uploads and sends the reply. When the stalled sender comes
// back, recording its upload is refused (it no longer holds the claim):
// it records nothing, does not send, and the entry keeps the new owner's
// image. The reply is posted once, with the new owner's upload.
//
// The stalled sender's own send deadline (its monotonic clock) is far
// off, and its claim expires on the database's clock: a machine that was
// suspended (its monotonic clock stopped, the database's did not), so the
// deadline that normally cuts a late sender off has not fired and the
// fence in the record's transaction is what stops it.
func TestUploadRecordFencedByClaim(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	srv := &mediaServer{uploads: map[string]int{}, created: map[string]int{}, refs: map[string]string{},
		stall: "stalled", held: make(chan struct{}), release: make(chan struct{})}
	st, err := pg.Open(context.Background(), dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.Ingest(ctx, "f", "c", []social.Post{{Network: social.Demo, Account: "acme", RemoteID: "m",
		Author: social.Author{Handle: "ann"}, Text: "hi", CreatedAt: start, Kind: social.KindMention}}, nil, start)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := st.Enqueue(ctx, social.Reply{ID: "with-image", Network: social.Demo, Account: "acme", ConvID: r.Changed[0],
		Text: "here is the map", Attachments: []social.Attachment{{Path: "/nonexistent/map.png", Alt: "the terminal map"}}}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lease := 1500 * time.Millisecond
	stalled := startMediaSender(t, dsn, "stalled", srv, lease, 10*time.Minute)
	released := false
	var steady *proc
	defer func() {
		if !released {
			close(srv.release)
		}
		for _, p := range []*proc{stalled, steady} {
			if p != nil {
				p.cancel()
				<-p.done
				p.st.Close()
			}
		}
	}()
	<-srv.held // the stalled sender holds the claim, its upload in flight
	// its machine sleeps: the claim runs out on the database's clock
	if _, err := st.Pool().Exec(ctx, "UPDATE outbox SET lease_until = now() - interval '1 hour' WHERE state = 'sending'"); err != nil {
		t.Fatal(err)
	}
	steady = startMediaSender(t, dsn, "steady", srv, lease, lease)
	waitFor(t, "the steady process sends the reply", 30*time.Second, func() bool {
		e, err := st.OutboxEntry(ctx, ent.Seq)
		if err != nil {
			t.Fatal(err)
		}
		return e.State == store.OutSent
	})
	released = true
	close(srv.release)
	waitFor(t, "the stalled sender's upload record refused", 10*time.Second, func() bool {
		return strings.Contains(stalled.logs.String(), "lease lost during upload")
	})
	got, err := st.OutboxEntry(ctx, ent.Seq)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.created["with-image"] != 1 {
		t.Errorf("the reply was posted %d times", srv.created["with-image"])
	}
	if ref := got.Reply.Attachments[0].Ref; ref != "media-steady-1" || srv.refs["with-image"] != ref {
		t.Errorf("the entry records image %q, the post carries %q; want the new owner's media-steady-1", ref, srv.refs["with-image"])
	}
	if got.State != store.OutSent {
		t.Errorf("entry %s after the stalled sender came back", got.State)
	}
	t.Logf("uploads per process: %v", srv.uploads)
}
