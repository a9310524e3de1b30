package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) *Bolt {
	t.Helper()
	s := openAt(t, filepath.Join(t.TempDir(), "hark.db"), Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

// openAt opens the store at path (the caller closes it).
func openAt(t testing.TB, path string, o Options) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reopen closes s and opens the store at path again, to be closed when
// the test ends.
func reopen(t testing.TB, s *Bolt, path string) *Bolt {
	t.Helper()
	s.Close()
	s = openAt(t, path, Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

func post(id, handle, text string, at time.Duration) social.Post {
	return social.Post{
		Network: social.Demo, Account: "acme", Brand: "Acme", RemoteID: id,
		Author: social.Author{Handle: handle}, Text: text, CreatedAt: t0.Add(at), Kind: social.KindMention,
	}
}

// prio is a tiny triage: priority from the text.
func prio(c *social.Conversation, p social.Post, ct Contact) {
	if strings.Contains(p.Text, "urgent") {
		c.Priority = 80
	} else {
		c.Priority = 10
	}
	c.DueAt = c.WaitingSince.Add(time.Hour)
}

func TestIngestDedupe(t *testing.T) {
	s := openTemp(t)
	batch := []social.Post{post("1", "@ann", "hello", 0), post("2", "@bob", "hi", time.Minute)}
	r1, err := s.Ingest(context.Background(), "demo", "c1", batch, prio, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.New) != 2 || len(r1.Changed) != 2 {
		t.Fatalf("first ingest: %+v", r1)
	}
	r2, err := s.Ingest(context.Background(), "demo", "c2", batch, prio, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.New) != 0 || len(r2.Changed) != 0 {
		t.Fatalf("re-poll must be a no-op, got %+v", r2)
	}
	refs, _ := s.QueueRefs(context.Background(), ViewAll, nil)
	if len(refs) != 2 {
		t.Fatalf("want 2 conversations, got %d", len(refs))
	}
	if cur, _ := s.Cursor(context.Background(), "demo"); cur != "c2" {
		t.Fatalf("cursor %q", cur)
	}
}

func TestIngestAtomic(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Ingest(context.Background(), "demo", "good", []social.Post{post("1", "@ann", "a", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	bad := []social.Post{post("2", "@bob", "b", time.Minute), post("", "@eve", "no id", 2*time.Minute)}
	if _, err := s.Ingest(context.Background(), "demo", "bad", bad, prio, t0); err == nil {
		t.Fatal("batch with a bad post must fail")
	}
	if cur, _ := s.Cursor(context.Background(), "demo"); cur != "good" {
		t.Fatalf("failed batch moved the cursor to %q", cur)
	}
	if _, err := s.Post(context.Background(), social.PostKey(social.Demo, "acme", "2")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed batch stored part of itself: %v", err)
	}
	refs, _ := s.QueueRefs(context.Background(), ViewAll, nil)
	if len(refs) != 1 {
		t.Fatalf("want 1 conversation, got %d", len(refs))
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hark.db")
	s := openAt(t, path, Options{})
	if _, err := s.Ingest(context.Background(), "demo", "c9", []social.Post{post("1", "@ann", "a", 0), post("2", "@bob", "b", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(context.Background(), social.Reply{ID: "r1", ConvID: "1", Text: "hi"}, false, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(context.Background(), "2", "half-written"); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, path)
	if cur, _ := s.Cursor(context.Background(), "demo"); cur != "c9" {
		t.Fatalf("cursor %q", cur)
	}
	posts, err := s.Posts(context.Background(), "1")
	if err != nil || len(posts) != 1 || posts[0].Text != "a" {
		t.Fatalf("posts %+v %v", posts, err)
	}
	ob, _ := s.Outbox(context.Background(), nil)
	if len(ob) != 1 || ob[0].State != OutQueued {
		t.Fatalf("outbox %+v", ob)
	}
	if d, _ := s.Draft(context.Background(), "2"); d != "half-written" {
		t.Fatalf("draft %q", d)
	}
	fs, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if !f.OK {
			t.Fatalf("doctor: %s: %s", f.Name, f.Detail)
		}
	}
}

func TestSecondOpenerFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hark.db")
	s := openAt(t, path, Options{})
	defer s.Close()
	start := time.Now()
	_, err := Open(path, Options{})
	took := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "quit the other hark") {
		t.Fatalf("message must name the file and the fix: %v", err)
	}
	// the wait is bounded by Options.Timeout (1.5 s); the bound here only
	// tells a hang from a wait, with room for a loaded machine
	if took > 10*time.Second {
		t.Fatalf("took %v: the lock wait does not end", took)
	}
}

func TestQueueOrder(t *testing.T) {
	s := openTemp(t)
	batch := []social.Post{
		post("1", "@a", "when do you open?", 0),
		post("2", "@b", "urgent: stranded", 5*time.Minute),
		post("3", "@c", "urgent too", 1*time.Minute),
		post("4", "@d", "a question", 2*time.Minute),
	}
	if _, err := s.Ingest(context.Background(), "demo", "x", batch, prio, t0); err != nil {
		t.Fatal(err)
	}
	top, err := s.Top(context.Background(), ViewActionable, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range top {
		got = append(got, c.Contact.Handle)
	}
	// urgent first (earliest due first among them), then the rest by due time
	want := "@c @b @a @d"
	if strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
	// a state change moves the conversation to its view
	if _, err := s.UpdateConv(context.Background(), top[0].ID, func(c *social.Conversation) error {
		c.State = social.StateResolved
		c.ResolvedAt = t0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, _ := s.Counts(context.Background())
	if n != [4]int{3, 0, 0, 1} {
		t.Fatalf("counts %v", n)
	}
	res, _ := s.QueueRefs(context.Background(), ViewResolved, nil)
	if len(res) != 1 || res[0].ID != top[0].ID {
		t.Fatalf("resolved view %+v", res)
	}
}

func TestThreadsAndDMs(t *testing.T) {
	s := openTemp(t)
	root := post("10", "@ann", "my flight was cancelled", 0)
	reply := post("11", "@ann", "and now I'm stuck", time.Minute)
	reply.ThreadRoot, reply.ReplyTo, reply.Kind = "10", "10", social.KindReply
	other := post("12", "@bob", "deep reply", 2*time.Minute)
	other.ThreadRoot, other.ReplyTo = "", "11" // only the parent is known
	dm1 := post("20", "@ann", "here is my booking code", 3*time.Minute)
	dm1.Direct, dm1.Kind = true, social.KindDM
	dm2 := post("21", "@Ann", "did you get it?", 4*time.Minute)
	dm2.Direct, dm2.Kind = true, social.KindDM
	if _, err := s.Ingest(context.Background(), "demo", "x", []social.Post{root, reply, other, dm1, dm2}, prio, t0); err != nil {
		t.Fatal(err)
	}
	refs, _ := s.QueueRefs(context.Background(), ViewAll, nil)
	if len(refs) != 2 {
		t.Fatalf("want a thread and a DM conversation, got %d", len(refs))
	}
	thread, _ := s.ConvByRoot(context.Background(), root.Key())
	if len(thread.PostKeys) != 3 {
		t.Fatalf("thread posts %v", thread.PostKeys)
	}
	dm, err := s.ConvByRoot(context.Background(), "dm:demo/acme/@ann")
	if err != nil || !dm.Direct || len(dm.PostKeys) != 2 {
		t.Fatalf("dm %+v %v", dm, err)
	}
	if dm.Origin != root.Key() {
		t.Fatalf("DM origin %q, want the public thread %q", dm.Origin, root.Key())
	}
	ct, err := s.Contact(context.Background(), social.Demo, "ann")
	if err != nil || len(ct.ConvIDs) != 2 {
		t.Fatalf("contact %+v %v", ct, err)
	}
}

func TestCustomerReplyReopens(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Ingest(context.Background(), "demo", "x", []social.Post{post("1", "@ann", "help", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	for _, st := range []social.State{social.StatePending, social.StateSnoozed, social.StateResolved} {
		if _, err := s.UpdateConv(context.Background(), "1", func(c *social.Conversation) error {
			c.State = st
			c.SnoozedUntil = t0.Add(time.Hour)
			c.WaitingSince = time.Time{}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		id := "r-" + string(st)
		p := post(id, "@ann", "hello again", time.Hour)
		p.ThreadRoot, p.ReplyTo = "1", "1"
		res, err := s.Ingest(context.Background(), "demo", "x", []social.Post{p}, prio, t0)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := s.Conversation(context.Background(), "1")
		if len(res.Reopened) != 1 || c.State != social.StateOpen || !c.SnoozedUntil.IsZero() {
			t.Fatalf("%s: not reopened: %+v %+v", st, res, c)
		}
		if !c.WaitingSince.Equal(p.CreatedAt) {
			t.Fatalf("%s: SLA clock must restart at the new message, got %v", st, c.WaitingSince)
		}
	}
}

func TestOutboxLifecycle(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Ingest(context.Background(), "demo", "x", []social.Post{post("1", "@ann", "help", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	s.SaveDraft(context.Background(), "1", "draft")
	r := social.Reply{ID: "abc", ConvID: "1", Network: social.Demo, Account: "acme", Text: "on it"}
	e1, err := s.Enqueue(context.Background(), r, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := s.Enqueue(context.Background(), r, false, t0)
	if e1.Seq != e2.Seq {
		t.Fatal("the same reply enqueued twice must be one entry")
	}
	if d, _ := s.Draft(context.Background(), "1"); d != "" {
		t.Fatal("enqueue must clear the draft")
	}
	if _, err := s.UpdateOutbox(context.Background(), e1.Seq, func(e *OutboxEntry) error { e.State = OutSending; e.Attempts++; return nil }); err != nil {
		t.Fatal(err)
	}
	own := social.Post{Network: social.Demo, Account: "acme", RemoteID: "out-1", Kind: social.KindOwn, Text: "on it", CreatedAt: t0.Add(time.Minute)}
	e, c, err := s.MarkSent(context.Background(), e1.Seq, social.Sent{RemoteID: "out-1"}, own, prio, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if e.State != OutSent || e.Sent.RemoteID != "out-1" {
		t.Fatalf("entry %+v", e)
	}
	if c.State != social.StatePending || c.FirstResponseAt.IsZero() || len(c.PostKeys) != 2 || !c.DueAt.IsZero() {
		t.Fatalf("conversation after send %+v", c)
	}
}

func TestMigrationFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := social.Conversation{ID: "1", Network: social.Demo, Brand: "Acme", Contact: social.Author{Handle: "@ann"}, State: social.StateNew, CreatedAt: t0}
	e := OutboxEntry{Seq: 1, Reply: social.Reply{ID: "r1", ConvID: "1"}, State: OutQueued}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrateCreate(tx); err != nil {
			return err
		}
		tx.Bucket(bMeta).Put(keySchema, []byte("1"))
		if err := putConv(tx, nil, &c); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bOutbox), idKey(1), e)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path, Options{})
	defer s.Close()
	ct, err := s.Contact(context.Background(), social.Demo, "@ann")
	if err != nil || len(ct.ConvIDs) != 1 {
		t.Fatalf("migration must build contacts: %+v %v", ct, err)
	}
	got, _ := s.Enqueue(context.Background(), social.Reply{ID: "r1", ConvID: "1"}, false, t0)
	if got.Seq != 1 {
		t.Fatal("migration must index existing outbox ids")
	}
	// the derived data of issue 20: the outbox by state and the running
	// totals at once, the search index by Reindex (searches scan until then)
	if open, err := s.OutboxOpen(context.Background(), nil); err != nil || len(open) != 1 {
		t.Fatalf("migration must index the open outbox entries: %v %v", open, err)
	}
	vol := 0
	if err := s.StatTotals(context.Background(), -1<<40, 1<<40, func(c *stats.Cell) { vol += c.Volume }, nil); err != nil || vol != 1 {
		t.Fatalf("migration must count the conversations into the totals: %d %v", vol, err)
	}
	if _, err := s.Search(context.Background(), ViewAll, nil, nil); !errors.Is(err, ErrIndexBehind) {
		t.Fatalf("an old store's index is behind until built, got %v", err)
	}
	if err := s.Reindex(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	refs, err := s.Search(context.Background(), ViewAll, []SearchClause{{Kind: ClauseFrom, Value: "ann"}}, nil)
	if err != nil || len(refs) != 1 {
		t.Fatalf("after reindex: %v %v", refs, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	s := openAt(t, path, Options{})
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion+1)))
	})
	s.Close()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), path) {
		t.Fatalf("want ErrNewerSchema naming the file, got %v", err)
	}
}

func TestReadOnlyWhileWriterHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hark.db")
	s := openAt(t, path, Options{})
	_, err := Open(path, Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("bbolt cannot share a file with a writer; want ErrLocked, got %v", err)
	}
	s.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
}

func TestContactVIPPropagates(t *testing.T) {
	s := openTemp(t)
	s.Ingest(context.Background(), "demo", "x", []social.Post{post("1", "@ann", "a", 0), post("2", "@ann", "b", time.Minute)}, prio, t0)
	_, changed, err := s.UpdateContact(context.Background(), social.Demo, "@ann", func(c *Contact) { c.VIP = true; c.Notes = "frequent flyer" })
	if err != nil || len(changed) != 2 {
		t.Fatalf("changed %v %v", changed, err)
	}
	refs, _ := s.QueueRefs(context.Background(), ViewAll, func(r Ref) bool { return r.VIP })
	if len(refs) != 2 {
		t.Fatalf("VIP refs %d", len(refs))
	}
	// new posts from a VIP contact are flagged at ingest
	s.Ingest(context.Background(), "demo", "x", []social.Post{post("3", "@ANN", "c", 2*time.Minute)}, prio, t0)
	c, _ := s.Conversation(context.Background(), "3")
	if !c.VIP {
		t.Fatal("new conversation of a VIP contact must be VIP")
	}
}

func TestCorruptedStoreIsReportedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.db")
	garbage := make([]byte, 16384)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil {
		t.Fatal("a corrupted file must not open")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("message must name the file and what to do: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, garbage) {
		t.Fatal("opening a corrupted store changed the file")
	}
}

// The stored counts always equal a recount of the queue index.
func TestCountsMatchIndex(t *testing.T) {
	s := openTemp(t)
	var batch []social.Post
	for i := 0; i < 60; i++ {
		batch = append(batch, post(strconv.Itoa(i), "@u"+strconv.Itoa(i%7), "x", time.Duration(i)*time.Minute))
	}
	if _, err := s.Ingest(context.Background(), "f", "c", batch, prio, t0); err != nil {
		t.Fatal(err)
	}
	states := []social.State{social.StateOpen, social.StatePending, social.StateSnoozed, social.StateResolved, social.StateNew}
	for i := 1; i <= 60; i++ {
		st := states[(i*7)%len(states)]
		if _, err := s.UpdateConv(context.Background(), strconv.Itoa(i), func(c *social.Conversation) error { c.State = st; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// customer replies reopen some of them
	var more []social.Post
	for i := 0; i < 10; i++ {
		p := post("r"+strconv.Itoa(i), "@u", "again", 2*time.Hour)
		p.ThreadRoot, p.ReplyTo = strconv.Itoa(i), strconv.Itoa(i)
		more = append(more, p)
	}
	if _, err := s.Ingest(context.Background(), "f", "d", more, prio, t0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Counts(context.Background())
	var want [4]int
	s.db.View(func(tx *bolt.Tx) error { want = countIndex(tx); return nil })
	if got != want || got[0]+got[1]+got[2]+got[3] != 60 {
		t.Fatalf("counts %v, index %v", got, want)
	}
}

// A reply written before the customer's newer message does not answer it.
func TestLateDeliveryKeepsNewerMessageWaiting(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Ingest(context.Background(), "f", "c", []social.Post{post("1", "@ann", "help", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	first, _ := s.Post(context.Background(), social.PostKey(social.Demo, "acme", "1"))
	// written at +2m to post 1; post 2 (posted at +1m) was only polled later
	e, _ := s.Enqueue(context.Background(), social.Reply{ID: "r", ConvID: "1", Text: "on it", To: first.Post, CreatedAt: t0.Add(2 * time.Minute)}, true, t0)
	p2 := post("2", "@ann", "also, my bag is lost", time.Minute)
	p2.ThreadRoot, p2.ReplyTo = "1", "1"
	s.Ingest(context.Background(), "f", "d", []social.Post{p2}, prio, t0)
	_, c, err := s.MarkSent(context.Background(), e.Seq, social.Sent{RemoteID: "x"}, social.Post{Network: social.Demo, Account: "acme", RemoteID: "x", Kind: social.KindOwn, CreatedAt: t0.Add(20 * time.Minute)}, prio, t0.Add(20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !c.State.Actionable() || !c.WaitingSince.Equal(p2.CreatedAt) || !c.DueAt.Equal(p2.CreatedAt.Add(time.Hour)) {
		t.Fatalf("the unanswered message lost its place: state %s waiting %v due %v", c.State, c.WaitingSince, c.DueAt)
	}
	if c.FirstResponseAt.IsZero() {
		t.Fatal("the reply still counts as the first response")
	}
}

// A post a thread fetch stored first still counts as new when a poll
// brings it: it reopens and is reported.
func TestPolledPostFirstSeenInThreadCountsAsNew(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Ingest(context.Background(), "f", "c", []social.Post{post("1", "@ann", "help", 0)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	s.UpdateConv(context.Background(), "1", func(c *social.Conversation) error { c.State = social.StateResolved; return nil })
	p2 := post("2", "@ann", "it happened again", time.Hour)
	p2.ThreadRoot, p2.ReplyTo, p2.Kind = "1", "1", social.KindReply
	if n, err := s.AttachThread(context.Background(), "1", []social.Post{p2}, t0); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	c, _ := s.Conversation(context.Background(), "1")
	if c.State != social.StateResolved {
		t.Fatal("a thread fetch must not change the workflow")
	}
	res, err := s.Ingest(context.Background(), "f", "d", []social.Post{p2}, prio, t0)
	if err != nil {
		t.Fatal(err)
	}
	c, _ = s.Conversation(context.Background(), "1")
	if len(res.New) != 1 || len(res.Reopened) != 1 || c.State != social.StateOpen || c.Preview != "it happened again" {
		t.Fatalf("polled post ignored: %+v, state %s", res, c.State)
	}
	if again, _ := s.Ingest(context.Background(), "f", "e", []social.Post{p2}, prio, t0); len(again.New) != 0 {
		t.Fatal("a second poll of it must change nothing")
	}
}

// A post with valid text is stored exactly as before text_raw existed (the
// file format is unchanged); invalid UTF-8 round-trips through text_raw.
func TestStoredPostJSON(t *testing.T) {
	sp := StoredPost{Post: post("1", "@ann", "hello 🦊 \x00", 0), ConvID: "7", StoredAt: t0}
	got, err := json.Marshal(sp)
	if err != nil {
		t.Fatal(err)
	}
	type before StoredPost // the fields, without the methods
	want, _ := json.Marshal(before(sp))
	if !bytes.Equal(got, want) {
		t.Fatalf("valid text changed the JSON:\n%s\n%s", got, want)
	}
	sp.Text = "bad \xff\xfe bytes"
	raw, _ := json.Marshal(sp)
	if !bytes.Contains(raw, []byte(`"text_raw":`)) {
		t.Fatalf("no text_raw for invalid UTF-8: %s", raw)
	}
	var back StoredPost
	if err := json.Unmarshal(raw, &back); err != nil || back.Text != sp.Text {
		t.Fatalf("round trip: %q %v", back.Text, err)
	}
	var old before // an older hark reads the replacement characters
	if err := json.Unmarshal(raw, &old); err != nil || old.Text != "bad \uFFFD\uFFFD bytes" {
		t.Fatalf("older reader: %q %v", old.Text, err)
	}
}
