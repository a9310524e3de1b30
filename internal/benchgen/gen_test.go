package benchgen

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// TestBuild builds a small history through the engine and checks its
// shape: every conversation, its posts, languages, states, contacts and the
// outbox history.
func TestBuild(t *testing.T) {
	const n = 2100
	g := Gen{N: n}
	s, err := store.Open(filepath.Join(t.TempDir(), "g.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var last int
	if err := Build(ctx, s, g, func(d int) { last = d }); err != nil {
		t.Fatal(err)
	}
	if last != n {
		t.Errorf("progress ended at %d", last)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot := counts[0] + counts[1] + counts[2] + counts[3]; tot != n {
		t.Fatalf("%d conversations (%v), want %d", tot, counts, n)
	}
	if counts[3] < n*9/10 || counts[0] == 0 || counts[1] == 0 || counts[2] == 0 {
		t.Errorf("states %v: want mostly resolved, some open, pending, snoozed", counts)
	}
	langs := map[string]int{}
	posts := 0
	if err := s.ForEachConv(ctx, func(c social.Conversation) bool {
		langs[c.Lang]++
		posts += len(c.PostKeys)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs {
		if langs[l] == 0 {
			t.Errorf("no conversation in %s: %v", l, langs)
		}
	}
	if posts < 5*n || posts > 6*n { // five polled a conversation, plus the sent replies
		t.Errorf("%d posts for %d conversations", posts, n)
	}
	sent, failed := 0, 0
	ob, err := s.Outbox(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ob {
		switch e.State {
		case store.OutSent:
			sent++
		case store.OutFailed:
			failed++
		}
	}
	if sent+failed != (n+3)/4 || failed != 10 {
		t.Errorf("outbox: %d sent, %d failed", sent, failed)
	}
	tagged := 0
	langOf := map[string]string{} // contact key -> language
	for cust := 0; cust < g.Customers(); cust++ {
		langOf[store.ContactKey(NetworkOf(cust), Handle(cust))] = LangOf(cust)
	}
	byLang := map[string]int{}
	if err := s.ForEachContact(ctx, func(c store.Contact) bool {
		if len(c.Tags) > 0 && c.Notes != "" {
			tagged++
			byLang[langOf[store.ContactKey(c.Network, c.Handle)]]++
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if tagged != (g.Customers()+annotateStep-1)/annotateStep {
		t.Errorf("%d contacts with tags and notes", tagged)
	}
	// notes and tags on customers of every language, English on about half
	for _, l := range Langs {
		if byLang[l] == 0 {
			t.Errorf("no contact in %s has notes and tags: %v", l, byLang)
		}
	}
	if en := byLang["en"]; en < tagged/3 || en > tagged*2/3 {
		t.Errorf("%d of %d annotated contacts are English: %v", en, tagged, byLang)
	}
	// the rare word is in customers' first posts only, never in a preview
	c, err := s.ConvByRoot(ctx, g.Posts(0)[0].Key())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.Preview, RareWord) {
		t.Errorf("preview %q has the rare word", c.Preview)
	}
}

// TestCached builds the cache for the sizes in $HARK_BENCHGEN (e.g.
// "10000,200000") ahead of a benchmark run; skipped without it.
func TestCached(t *testing.T) {
	sizes := os.Getenv("HARK_BENCHGEN")
	if sizes == "" {
		t.Skip("set HARK_BENCHGEN=10000,200000 to build the benchmark stores")
	}
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(Cached(t, n))
	}
}
