package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
)

// Backend is what the contract suite needs to know about a backend.
type Backend struct {
	// Open returns a fresh, empty store; the suite closes it.
	Open func(t *testing.T) store.Store
	// Reopen closes s and opens the same store again.
	Reopen func(t *testing.T, s store.Store) (store.Store, error)
	// BumpSchema marks the (closed) store as written by a newer hark.
	BumpSchema func(t *testing.T, s store.Store)
}

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func post(id, handle, text string, at time.Duration) social.Post {
	return social.Post{
		Network: social.Demo, Account: "acme", Brand: "Acme", RemoteID: id,
		Author: social.Author{Handle: handle}, Text: text, CreatedAt: t0.Add(at), Kind: social.KindMention,
	}
}

func prio(c *social.Conversation, p social.Post, ct store.Contact) {
	c.Priority = 10
	if strings.Contains(p.Text, "urgent") {
		c.Priority = 80
	}
	if ct.VIP {
		c.Priority += 5
	}
	c.DueAt = c.WaitingSince.Add(time.Hour)
}

// Run runs the contract suite against a backend.
func Run(t *testing.T, b Backend) {
	ctx := context.Background()
	open := func(t *testing.T) store.Store {
		s := b.Open(t)
		t.Cleanup(func() { s.Close() })
		return s
	}

	// Issue 17: what a refreshed thread, an edit and a deletion do, the
	// same on every backend.
	t.Run("ThreadRefreshEditsAndDeletion", func(t *testing.T) {
		s := open(t)
		p := post("1", "@ana", "order A900", 0)
		p.Revision = "rev-1"
		r, err := s.Ingest(ctx, "f", "c1", []social.Post{p}, prio, t0)
		if err != nil || len(r.Changed) != 1 {
			t.Fatalf("ingest: %+v %v", r, err)
		}
		id := r.Changed[0]
		edited := p
		edited.Text, edited.Revision = "order A901", "rev-2"
		brand := post("2", "@acme", "sorted", 5*time.Minute)
		brand.Kind, brand.ReplyTo, brand.ThreadRoot = social.KindOwn, "1", "1"
		tr, err := s.RefreshThread(ctx, id, []social.Post{edited, brand}, false, prio, t0.Add(time.Hour))
		if err != nil || tr.Added != 1 || tr.Edited != 1 || !tr.AnsweredOutside {
			t.Fatalf("refresh: %+v %v", tr, err)
		}
		c, err := s.Conversation(ctx, id)
		if err != nil || c.State != social.StatePending || c.FirstReplyBy != social.OutsideHark || c.Preview != "order A901" || c.ThreadCheckedAt.IsZero() {
			t.Fatalf("after the refresh: %+v %v", c, err)
		}
		again := p
		again.Text, again.EditedAt = "order A902", t0.Add(2*time.Hour)
		if r, err := s.Ingest(ctx, "f", "c2", []social.Post{again}, prio, t0.Add(2*time.Hour)); err != nil || len(r.Edited) != 1 || len(r.New) != 0 {
			t.Fatalf("an edit through a poll: %+v %v", r, err)
		}
		q := post("3", "@ana", "hello?", 3*time.Hour)
		q.ReplyTo, q.ThreadRoot = "2", "1"
		if _, err := s.Ingest(ctx, "f", "c3", []social.Post{q}, prio, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		c, out, err := s.MarkDeleted(ctx, q.Key(), t0.Add(4*time.Hour))
		if err != nil || !out || c.State != social.StateResolved {
			t.Fatalf("deleted: out %v state %s err %v", out, c.State, err)
		}
		sp, err := s.Post(ctx, q.Key())
		if err != nil || sp.DeletedAt.IsZero() {
			t.Fatalf("post after the deletion: %+v %v", sp, err)
		}
	})
	t.Run("Search", func(t *testing.T) { searchContract(t, open(t)) })
	t.Run("Totals", func(t *testing.T) { totalsContract(t, open(t)) })
	t.Run("OutboxByState", func(t *testing.T) { outboxContract(t, open(t)) })
	t.Run("LastCheckBeforeQueueing", func(t *testing.T) { seenContract(t, open(t)) })

	t.Run("IngestIdempotent", func(t *testing.T) {
		s := open(t)
		batch := []social.Post{post("1", "@ann", "hello", 0), post("2", "@bob", "urgent", time.Minute)}
		r1, err := s.Ingest(ctx, "f", "c1", batch, prio, t0)
		if err != nil || len(r1.New) != 2 || len(r1.Changed) != 2 {
			t.Fatalf("first ingest: %+v %v", r1, err)
		}
		before := dump(t, s)
		r2, err := s.Ingest(ctx, "f", "c2", batch, prio, t0.Add(time.Hour))
		if err != nil || len(r2.New) != 0 || len(r2.Changed) != 0 {
			t.Fatalf("second ingest must be a no-op: %+v %v", r2, err)
		}
		after := dump(t, s)
		if before.convs != after.convs || before.posts != after.posts {
			t.Fatalf("re-polling changed the store:\n%s\n%s", before.convs, after.convs)
		}
		if cur, _ := s.Cursor(ctx, "f"); cur != "c2" {
			t.Fatalf("cursor %q, want c2", cur)
		}
		// a thread fetch stores a post first; the poll that brings it
		// later makes it count
		c := r1.Changed[0]
		reply := post("3", "@ann", "more", 2*time.Minute)
		reply.ThreadRoot, reply.ReplyTo = "1", "1"
		if n, err := s.AttachThread(ctx, c, []social.Post{reply}, t0); err != nil || n != 1 {
			t.Fatalf("attach: %d %v", n, err)
		}
		r3, err := s.Ingest(ctx, "f", "c3", []social.Post{reply}, prio, t0.Add(3*time.Minute))
		if err != nil || len(r3.New) != 1 {
			t.Fatalf("an attached post polled later is new once: %+v %v", r3, err)
		}
		r4, _ := s.Ingest(ctx, "f", "c4", []social.Post{reply}, prio, t0.Add(4*time.Minute))
		if len(r4.New) != 0 {
			t.Fatalf("and only once: %+v", r4)
		}
		if n, _ := s.Counts(ctx); n != [4]int{2, 0, 0, 0} {
			t.Fatalf("counts %v", n)
		}
	})

	t.Run("BatchAndCursorAtomic", func(t *testing.T) {
		s := open(t)
		if _, err := s.Ingest(ctx, "f", "c1", []social.Post{post("0", "@zed", "first", 0)}, prio, t0); err != nil {
			t.Fatal(err)
		}
		before := dump(t, s)
		var batch []social.Post
		for i := 1; i <= 10; i++ {
			p := post(strconv.Itoa(i), "@u"+strconv.Itoa(i%3), "post", time.Duration(i)*time.Minute)
			if i > 1 {
				p.ThreadRoot, p.ReplyTo = "1", strconv.Itoa(i-1)
			}
			batch = append(batch, p)
		}
		batch[5].RemoteID = "" // fails half-way through the batch
		if _, err := s.Ingest(ctx, "f", "c2", batch, prio, t0); err == nil {
			t.Fatal("a batch with a bad post must fail")
		}
		if cur, _ := s.Cursor(ctx, "f"); cur != "c1" {
			t.Fatalf("cursor moved to %q with a failed batch", cur)
		}
		for _, p := range batch[:5] {
			if _, err := s.Post(ctx, p.Key()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("post %s of the failed batch is stored (%v)", p.Key(), err)
			}
		}
		if after := dump(t, s); after != before {
			t.Fatalf("a failed batch changed the store:\n%+v\n%+v", before, after)
		}
		// the same batch fixed goes in whole, later ids follow on
		batch[5].RemoteID = "6"
		r, err := s.Ingest(ctx, "f", "c2", batch, prio, t0)
		if err != nil || len(r.New) != 10 || len(r.Changed) != 1 || r.Changed[0] != "2" {
			t.Fatalf("retry: %+v %v", r, err)
		}
	})

	t.Run("ExactBytes", func(t *testing.T) {
		s := open(t)
		texts := []string{
			"nul \x00 in the middle",
			"invalid \xff\xfe utf-8 \xc3",
			"emoji 🦊🎉 four bytes",
			"\x00\xff🦊\x1b[31mred\x1b[0m\r\n",
		}
		var batch []social.Post
		for i, tx := range texts {
			p := post("x"+strconv.Itoa(i), "@h\x00"+strconv.Itoa(i), tx, time.Duration(i)*time.Second)
			p.Author.DisplayName = "🦊\x00name"
			batch = append(batch, p)
		}
		r, err := s.Ingest(ctx, "f", "cur\x00\xff", batch, prio, t0)
		if err != nil {
			t.Fatalf("one hostile post must not fail its batch: %v", err)
		}
		for i, p := range batch {
			sp, err := s.Post(ctx, p.Key())
			if err != nil || sp.Text != texts[i] || sp.Author.DisplayName != p.Author.DisplayName {
				t.Fatalf("post %d: %q %v, want %q", i, sp.Text, err, texts[i])
			}
			ps, err := s.Posts(ctx, r.Changed[i])
			if err != nil || len(ps) != 1 || ps[0].Text != texts[i] {
				t.Fatalf("posts of %s: %+v %v", r.Changed[i], ps, err)
			}
		}
		if cur, _ := s.Cursor(ctx, "f"); cur != "cur\x00\xff" {
			t.Fatalf("cursor %q", cur)
		}
		if err := s.SaveDraft(ctx, r.Changed[0], texts[3]); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.Draft(ctx, r.Changed[0]); d != texts[3] {
			t.Fatalf("draft %q", d)
		}
		// a second draft, and one saved empty: listed in id order, the
		// empty one not at all
		if err := s.SaveDraft(ctx, r.Changed[1], "later"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDraft(ctx, r.Changed[2], ""); err != nil {
			t.Fatal(err)
		}
		want := inIDOrder(r.Changed[0], r.Changed[1])
		if ids, err := s.Drafts(ctx); err != nil || strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("drafts %q %v, want %q", ids, err, want)
		}
		e, err := s.Enqueue(ctx, social.Reply{ID: "r\x00", ConvID: r.Changed[0], Text: texts[1]}, false, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.OutboxEntry(ctx, e.Seq); err != nil || got.Reply.ID != "r\x00" {
			t.Fatalf("outbox entry %+v %v", got, err)
		}
		if d, _ := s.Draft(ctx, r.Changed[0]); d != "" {
			t.Fatalf("enqueue must clear the draft, %q left", d)
		}
		if ids, err := s.Drafts(ctx); err != nil || len(ids) != 1 || ids[0] != r.Changed[1] {
			t.Fatalf("drafts after the enqueue %q %v, want [%s]", ids, err, r.Changed[1])
		}
	})

	t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) {
		s := open(t)
		r, err := s.Ingest(ctx, "f", "c", []social.Post{post("1", "@ann", "hi", 0)}, prio, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := r.Changed[0]
		c0, _ := s.Conversation(ctx, id)
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for w := range 2 {
			wg.Go(func() {
				for i := range n {
					_, err := s.UpdateConv(ctx, id, func(c *social.Conversation) error {
						c.Reasons = append(c.Reasons, fmt.Sprintf("w%d-%d", w, i))
						return nil
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		c, _ := s.Conversation(ctx, id)
		if len(c.Reasons) != 2*n+len(c0.Reasons) || c.Version != c0.Version+2*n {
			t.Fatalf("lost updates: %d reasons, version %d (from %d)", len(c.Reasons), c.Version, c0.Version)
		}
	})

	t.Run("NewerSchemaRefused", func(t *testing.T) {
		s := b.Open(t)
		b.BumpSchema(t, s)
		s2, err := b.Reopen(t, s)
		if err == nil {
			s2.Close()
			t.Fatal("a store of a newer schema must be refused")
		}
		if !errors.Is(err, store.ErrNewerSchema) || !strings.Contains(err.Error(), "this hark reads up to") || !strings.Contains(err.Error(), "upgrade hark") {
			t.Fatalf("want the newer-schema wording, got %v", err)
		}
	})

	t.Run("OutboxAndVIP", func(t *testing.T) {
		s := open(t)
		r, _ := s.Ingest(ctx, "f", "c", []social.Post{post("1", "@ann", "hi", 0), post("2", "@ann", "again", time.Minute)}, prio, t0)
		e1, err := s.Enqueue(ctx, social.Reply{ID: "r1", ConvID: r.Changed[0], Text: "on it"}, true, t0)
		if err != nil {
			t.Fatal(err)
		}
		if e2, _ := s.Enqueue(ctx, social.Reply{ID: "r1", ConvID: r.Changed[0]}, false, t0); e2.Seq != e1.Seq || e2.Reply.Text != "on it" {
			t.Fatalf("double enqueue: %+v", e2)
		}
		own := social.Post{Network: social.Demo, Account: "acme", RemoteID: "o1", Kind: social.KindOwn, Text: "on it", CreatedAt: t0.Add(time.Minute)}
		_, c, err := s.MarkSent(ctx, e1.Seq, social.Sent{RemoteID: "o1"}, own, prio, t0.Add(time.Minute))
		if err != nil || c.State != social.StateResolved || len(c.PostKeys) != 2 {
			t.Fatalf("mark sent: %+v %v", c, err)
		}
		if taken, _ := s.SentAs(ctx, "o1", e1.Seq+1); !taken {
			t.Fatal("SentAs must find the sent entry")
		}
		if taken, _ := s.SentAs(ctx, "o1", e1.Seq); taken {
			t.Fatal("SentAs must skip the entry itself")
		}
		ct, ids, err := s.UpdateContact(ctx, social.Demo, "@ann", func(ct *store.Contact) { ct.VIP = true })
		if err != nil || !ct.VIP || len(ids) != 2 {
			t.Fatalf("VIP copy: %+v %v %v", ct, ids, err)
		}
		for _, id := range r.Changed {
			if c, _ := s.Conversation(ctx, id); !c.VIP {
				t.Fatalf("conversation %s is not VIP", id)
			}
		}
	})

	t.Run("ScheduledAndStatusPosts", func(t *testing.T) {
		s := open(t)
		r, _ := s.Ingest(ctx, "f", "c", []social.Post{post("1", "@ann", "hi", 0)}, prio, t0)
		conv := r.Changed[0]
		at := t0.Add(24 * time.Hour)
		e1, err := s.EnqueueScheduled(ctx, social.Reply{ID: "s1", ConvID: conv, Text: "did it arrive?"}, false, at, false, t0)
		if err != nil || e1.State != store.OutScheduled || !e1.SendAt.Equal(at) {
			t.Fatalf("scheduled: %+v %v", e1, err)
		}
		if again, _ := s.EnqueueScheduled(ctx, social.Reply{ID: "s1", ConvID: conv}, false, at, false, t0); again.Seq != e1.Seq {
			t.Fatalf("double enqueue: %+v", again)
		}
		e2, _ := s.EnqueueScheduled(ctx, social.Reply{ID: "s2", ConvID: conv, Text: "happy birthday"}, false, at, true, t0)
		var seen social.Conversation
		decide := func(e store.OutboxEntry, c social.Conversation, ok bool) string {
			seen = c
			if e.Reply.ID == "s1" {
				return "cancelled: moved on"
			}
			return ""
		}
		if got, rel, err := s.ReleaseScheduled(ctx, e1.Seq, t0.Add(time.Hour), decide); err != nil || rel || got.State != store.OutScheduled {
			t.Fatalf("released before its time: %+v %v %v", got, rel, err)
		}
		got, rel, err := s.ReleaseScheduled(ctx, e1.Seq, at, decide)
		if err != nil || rel || got.State != store.OutCancelled || got.LastError != "cancelled: moved on" || seen.ID != conv {
			t.Fatalf("cancel: %+v %v %v (conversation %q)", got, rel, err, seen.ID)
		}
		got, rel, err = s.ReleaseScheduled(ctx, e2.Seq, at, decide)
		if err != nil || !rel || got.State != store.OutQueued || !got.NextAttempt.Equal(at) {
			t.Fatalf("release: %+v %v %v", got, rel, err)
		}
		if again, rel, _ := s.ReleaseScheduled(ctx, e2.Seq, at, decide); rel || again.State != store.OutQueued {
			t.Fatalf("released twice: %+v", again)
		}
		if stored, _ := s.OutboxEntry(ctx, e1.Seq); stored.State != store.OutCancelled {
			t.Fatalf("not stored: %+v", stored)
		}
		// the open entries (delivery and the TUI read only these) follow
		// the scheduled ones through release and cancel
		openStates := map[uint64]store.OutboxState{}
		if got, err := store.OpenOutbox(ctx, s, nil); err == nil {
			for _, e := range got {
				openStates[e.Seq] = e.State
			}
		} else {
			t.Fatal(err)
		}
		if openStates[e1.Seq] != store.OutCancelled || openStates[e2.Seq] != store.OutQueued {
			t.Fatalf("open outbox %v: want #%d cancelled and #%d queued", openStates, e1.Seq, e2.Seq)
		}
		// a status post is its outbox entries
		for i, acct := range []string{"a", "b"} {
			if _, err := s.Enqueue(ctx, social.Reply{ID: "st-" + acct, Network: social.Demo, Account: acct, ConvID: store.StatusRef("x1", false),
				To: social.Post{Brand: "Acme"}, Text: "site down"}, false, t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		sp, err := store.Status(ctx, s, "x1")
		if err != nil || sp.Brand != "Acme" || sp.Text != "site down" || len(sp.Items) != 2 || sp.Resolved {
			t.Fatalf("status %+v %v", sp, err)
		}
		if list, _ := store.Statuses(ctx, s, "Other", 0); len(list) != 0 {
			t.Fatalf("another brand's: %+v", list)
		}
		if _, err := s.Enqueue(ctx, social.Reply{ID: "fu-a", Network: social.Demo, Account: "a", ConvID: store.StatusRef("x1", true), Text: "fixed"}, false, t0); err != nil {
			t.Fatal(err)
		}
		if sp, _ = store.Status(ctx, s, "x1"); !sp.Resolved || sp.FollowUp != "fixed" || sp.Items[0].Follow == 0 || sp.Items[1].Follow != 0 {
			t.Fatalf("resolved %+v", sp)
		}
	})

	t.Run("CannedChoices", func(t *testing.T) {
		s := open(t)
		for i, words := range [][]string{{"flight", "cancelled"}, {"flight", "late"}} {
			if err := s.RecordCannedChoice(ctx, "rebook", words, t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.CannedChoices(ctx)
		c := got["rebook"]
		if err != nil || len(got) != 1 || c.Count != 2 || c.Words["flight"] != 2 || c.Words["late"] != 1 || !c.Last.Equal(t0.Add(time.Minute)) {
			t.Fatalf("choices %+v %v", got, err)
		}
	})

	t.Run("UpdateDueReadsOnlyTheDue", func(t *testing.T) {
		s := open(t)
		var batch []social.Post
		for i := range 6 {
			batch = append(batch, post(strconv.Itoa(i), "@c"+strconv.Itoa(i), "hi", time.Duration(i)*time.Minute))
		}
		r, _ := s.Ingest(ctx, "f", "c", batch, prio, t0)
		for i, id := range r.Changed {
			s.UpdateConv(ctx, id, func(c *social.Conversation) error {
				c.State = social.StateSnoozed
				c.SnoozedUntil = t0.Add(time.Duration(i+1) * time.Hour)
				return nil
			})
		}
		var seen []string
		ids, err := s.UpdateDue(ctx, store.ViewSnoozed, t0.Add(3*time.Hour+time.Nanosecond), func(c *social.Conversation) bool {
			seen = append(seen, c.ID)
			c.State = social.StateOpen
			return true
		})
		if err != nil || strings.Join(ids, ",") != "1,2,3" || strings.Join(seen, ",") != "1,2,3" {
			t.Fatalf("woke %v (saw %v), want 1,2,3: %v", ids, seen, err)
		}
		if n, _ := s.Counts(ctx); n != [4]int{3, 0, 3, 0} {
			t.Fatalf("counts %v", n)
		}
	})
}

type snapshot struct{ convs, posts, counts, refs, outbox, totals string }

// differ names the first part in which a and b differ and shows where (ok
// false: they are the same).
func (a snapshot) differ(b snapshot) (what, diff string, ok bool) {
	for _, f := range []struct{ what, x, y string }{
		{"Ref.Sort per view", a.refs, b.refs}, {"counts", a.counts, b.counts},
		{"conversation JSON", a.convs, b.convs}, {"post JSON", a.posts, b.posts}, {"outbox JSON", a.outbox, b.outbox},
		{"running totals", a.totals, b.totals},
	} {
		if f.x != f.y {
			return f.what, firstDiff(f.x, f.y), true
		}
	}
	return "", "", false
}

// jsonLines renders every record each gives as a line of JSON.
func jsonLines[T any](t *testing.T, each func(context.Context, func(T) bool) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := each(context.Background(), func(v T) bool {
		raw, _ := json.Marshal(v)
		b.Write(raw)
		b.WriteByte('\n')
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// dump renders everything the contract compares.
func dump(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var out snapshot
	out.convs = jsonLines(t, s.ForEachConv)
	out.posts = jsonLines(t, s.ForEachPost)
	n, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out.counts = fmt.Sprint(n)
	var b bytes.Buffer
	for v := store.ViewActionable; v <= store.ViewAll; v++ {
		refs, err := s.QueueRefs(ctx, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:", v)
		for _, r := range refs {
			fmt.Fprintf(&b, " %x/%s/%s/%v/%v/%d", r.Sort, r.Brand, r.Network, r.Direct, r.VIP, r.Due.UnixNano())
		}
		b.WriteByte('\n')
		// the top of the view, filtered (Top reads pages of the index)
		top, err := s.Top(ctx, v, 7, func(r store.Ref) bool { return r.Brand != "Acme" })
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "top %s:", v)
		for _, c := range top {
			fmt.Fprintf(&b, " %s/%d", c.ID, c.Version)
		}
		b.WriteByte('\n')
		if none, err := s.Top(ctx, v, 0, nil); err != nil || len(none) != 0 {
			t.Fatalf("Top(%s, 0) = %d conversations, %v; want none", v, len(none), err)
		}
		var first []string
		if err := s.Queue(ctx, v, func(r store.Ref) bool { first = append(first, r.ID); return len(first) < 5 }); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "queue %s: %v\n", v, first)
	}
	out.refs = b.String()
	b.Reset()
	ob, err := s.Outbox(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(ob)
	out.outbox = string(raw)
	out.totals = TotalsText(t, s)
	return out
}

// TotalsText renders a store's running totals, every cell in the store's
// order with its binary form ("" without totals).
func TotalsText(t testing.TB, s store.Store) string {
	sr, ok := s.(store.StatsReader)
	if !ok {
		return ""
	}
	var b bytes.Buffer
	if err := sr.StatTotals(context.Background(), -1<<40, 1<<40, func(c *stats.Cell) {
		raw, _ := c.MarshalBinary()
		fmt.Fprintf(&b, "c %x\n", raw)
	}, func(c *stats.OpCell) {
		raw, _ := c.MarshalBinary()
		fmt.Fprintf(&b, "o %x\n", raw)
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// SameContents fails t unless a and b hold the same conversations, posts,
// outbox and index (byte for byte) and the same counts.
func SameContents(t *testing.T, a, b store.Store) {
	t.Helper()
	if x, y := TotalsText(t, a), TotalsText(t, b); x != y {
		t.Fatalf("running totals differ:\n%s", firstDiff(x, y))
	}
	if digest(t, a) == digest(t, b) {
		return
	}
	if what, diff, ok := dump(t, a).differ(dump(t, b)); ok {
		t.Fatalf("%s differ:\n%s", what, diff)
	}
}

// digest hashes what dump renders, streaming (big stores).
func digest(t *testing.T, s store.Store) [5][32]byte {
	t.Helper()
	ctx := context.Background()
	var out [5][32]byte
	h := sha256.New()
	enc := func(v any) {
		raw, _ := json.Marshal(v)
		h.Write(raw)
		h.Write([]byte{'\n'})
	}
	if err := s.ForEachConv(ctx, func(c social.Conversation) bool { enc(c); return true }); err != nil {
		t.Fatal(err)
	}
	copy(out[0][:], h.Sum(nil))
	h.Reset()
	if err := s.ForEachPost(ctx, func(sp store.StoredPost) bool { enc(sp); return true }); err != nil {
		t.Fatal(err)
	}
	copy(out[1][:], h.Sum(nil))
	h.Reset()
	n, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	enc(n)
	copy(out[2][:], h.Sum(nil))
	h.Reset()
	for v := store.ViewActionable; v <= store.ViewAll; v++ {
		if err := s.Queue(ctx, v, func(r store.Ref) bool {
			fmt.Fprintf(h, "%x/%s/%s/%v/%v/%d\n", r.Sort, r.Brand, r.Network, r.Direct, r.VIP, r.Due.UnixNano())
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	copy(out[3][:], h.Sum(nil))
	h.Reset()
	ob, err := s.Outbox(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc(ob)
	copy(out[4][:], h.Sum(nil))
	return out
}

// SearchQueries are the searches the contract compares between the index
// and a scan of every conversation.
var SearchQueries = []string{
	"rebooking", "rebook", "flight", `"no power"`, "reprogramacion", "REPROGRAMACIÓN", "atfoglalasrol",
	"umbuchung", "Straße", "lukasz", "from:maria", "from:mastodon.example", "-from:bsky", "is:open", "is:resolved",
	"is:pending lang:es", "lang:es -brand:skylark", "sentiment:neg", "sentiment:pos is:resolved", "tag:press",
	"tag:gold -lang:en", "frequent", `"could you send us"`, `"you send"`, `"maria garcia"`, "sorry", `sorry`, "billing", "after:2026-06-01 before:2026-06-30", "before:2026-01-01",
	"is:breached", "is:vip", "net:bluesky thanks", "zzzznothing", "-flight -vuelo",
}

// inIDOrder is two conversation ids in id (number) order.
func inIDOrder(a, b string) []string {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	if y < x {
		return []string{b, a}
	}
	return []string{a, b}
}
