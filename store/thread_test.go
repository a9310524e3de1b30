package store

import (
	"context"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// ingestOne stores p as a poll would and returns its conversation.
func ingestOne(t *testing.T, s Store, p social.Post) social.Conversation {
	t.Helper()
	r, err := s.Ingest(context.Background(), "f", "", []social.Post{p}, prio, t0)
	if err != nil || len(r.Changed) != 1 {
		t.Fatalf("ingest %s: %+v %v", p.RemoteID, r, err)
	}
	c, err := s.Conversation(context.Background(), r.Changed[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func own(id, replyTo string, at time.Duration) social.Post {
	p := post(id, "@acme", "answered", at)
	p.Kind, p.ReplyTo, p.ThreadRoot = social.KindOwn, replyTo, replyTo
	return p
}

func TestRefreshThread(t *testing.T) {
	t.Run("an answer given outside hark", func(t *testing.T) {
		s := openTemp(t)
		c := ingestOne(t, s, post("1", "@ana", "my order?", 0))
		r, err := s.RefreshThread(context.Background(), c.ID, []social.Post{own("2", "1", 5*time.Minute)}, false, prio, t0.Add(time.Hour))
		if err != nil || !r.AnsweredOutside || r.Added != 1 {
			t.Fatalf("%+v %v", r, err)
		}
		c, _ = s.Conversation(context.Background(), c.ID)
		if c.State != social.StatePending || c.FirstResponseAt != t0.Add(5*time.Minute) || c.FirstReplyBy != social.OutsideHark ||
			!c.WaitingSince.IsZero() || !c.DueAt.IsZero() {
			t.Errorf("after: %+v", c)
		}
		// seen again: nothing
		if r, _ := s.RefreshThread(context.Background(), c.ID, []social.Post{own("2", "1", 5*time.Minute)}, false, prio, t0.Add(2*time.Hour)); r != (ThreadResult{}) {
			t.Errorf("second refresh %+v", r)
		}
	})
	t.Run("a brand post while a reply is being sent is hark's own", func(t *testing.T) {
		s := openTemp(t)
		c := ingestOne(t, s, post("1", "@ana", "my order?", 0))
		r, _ := s.RefreshThread(context.Background(), c.ID, []social.Post{own("2", "1", time.Minute)}, true, prio, t0.Add(time.Hour))
		if r.AnsweredOutside {
			t.Errorf("counted hark's own reply in flight as an outside answer")
		}
	})
	t.Run("a later customer post still waits", func(t *testing.T) {
		s := openTemp(t)
		c := ingestOne(t, s, post("1", "@ana", "my order?", 0))
		later := post("3", "@ana", "hello?", 10*time.Minute)
		later.ReplyTo, later.ThreadRoot = "1", "1"
		ingestOne(t, s, later)
		r, _ := s.RefreshThread(context.Background(), c.ID, []social.Post{own("2", "1", 5*time.Minute)}, false, prio, t0.Add(time.Hour))
		c, _ = s.Conversation(context.Background(), c.ID)
		if !r.AnsweredOutside || c.State != social.StateNew || c.WaitingSince != t0.Add(10*time.Minute) {
			t.Errorf("%+v: state %s waiting since %v", r, c.State, c.WaitingSince)
		}
	})
	t.Run("an edit seen by another revision", func(t *testing.T) {
		s := openTemp(t)
		p := post("1", "@ana", "order A900", 0)
		p.Revision = "cid-1"
		c := ingestOne(t, s, p)
		same := p
		same.Text = "order A900 (rendered otherwise)" // same revision: not an edit
		edited := p
		edited.Text, edited.Revision = "order A901", "cid-2"
		r, err := s.RefreshThread(context.Background(), c.ID, []social.Post{same}, false, prio, t0.Add(time.Hour))
		if err != nil || r.Edited != 0 {
			t.Fatalf("same revision: %+v %v", r, err)
		}
		if r, _ = s.RefreshThread(context.Background(), c.ID, []social.Post{edited}, false, prio, t0.Add(time.Hour)); r.Edited != 1 {
			t.Fatalf("new revision: %+v", r)
		}
		sp, _ := s.Post(context.Background(), p.Key())
		c, _ = s.Conversation(context.Background(), c.ID)
		if sp.Text != "order A901" || sp.EditedAt != t0.Add(time.Hour) || c.Preview != "order A901" {
			t.Errorf("after the edit: %q edited %v preview %q", sp.Text, sp.EditedAt, c.Preview)
		}
	})
}

func TestMarkDeleted(t *testing.T) {
	s := openTemp(t)
	c := ingestOne(t, s, post("1", "@ana", "first", 0))
	second := post("2", "@ana", "second", time.Minute)
	second.ReplyTo, second.ThreadRoot = "1", "1"
	ingestOne(t, s, second)
	// the first is deleted: the second still waits
	c, out, err := s.MarkDeleted(context.Background(), post("1", "", "", 0).Key(), t0.Add(time.Hour))
	if err != nil || out || c.State != social.StateNew {
		t.Fatalf("first deleted: out %v state %s err %v", out, c.State, err)
	}
	// then the second: nothing waits, the conversation leaves the inbox
	c, out, err = s.MarkDeleted(context.Background(), second.Key(), t0.Add(2*time.Hour))
	if err != nil || !out || c.State != social.StateResolved || !c.WaitingSince.IsZero() {
		t.Fatalf("second deleted: out %v state %s waiting %v err %v", out, c.State, c.WaitingSince, err)
	}
	if a, ok := c.Last(social.ActPostDeleted); !ok || a.Note != "2" {
		t.Errorf("trail %+v", c.Activity)
	}
	n, _ := s.Counts(context.Background())
	if n[0] != 0 {
		t.Errorf("inbox count %d after both posts were deleted", n[0])
	}
}

// A poll that brings a stored post again with a newer EditedAt (Mastodon's
// "update" notification) takes the edit: not new, but edited, and the
// preview follows. The same post again changes nothing.
func TestIngestTakesEdits(t *testing.T) {
	s := openTemp(t)
	p := post("1", "@ana", "order A900 is late", 0)
	c := ingestOne(t, s, p)
	edited := p
	edited.Text, edited.EditedAt = "order A901 is late", t0.Add(time.Minute)
	r, err := s.Ingest(context.Background(), "f", "c2", []social.Post{edited}, prio, t0.Add(time.Hour))
	if err != nil || len(r.New) != 0 || len(r.Edited) != 1 || len(r.Changed) != 1 {
		t.Fatalf("edit: %+v %v", r, err)
	}
	sp, _ := s.Post(context.Background(), p.Key())
	c, _ = s.Conversation(context.Background(), c.ID)
	if sp.Text != "order A901 is late" || sp.EditedAt != t0.Add(time.Minute) || c.Preview != "order A901 is late" {
		t.Errorf("after the edit: %q edited %v preview %q", sp.Text, sp.EditedAt, c.Preview)
	}
	if r, _ := s.Ingest(context.Background(), "f", "c3", []social.Post{edited}, prio, t0.Add(2*time.Hour)); len(r.Edited)+len(r.New)+len(r.Changed) != 0 {
		t.Errorf("the same edit again: %+v", r)
	}
}
