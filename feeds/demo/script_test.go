package demo

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the brands' zones must load on any machine
	"unicode"

	"github.com/hark-tui/hark/social"
)

func TestBrands(t *testing.T) {
	bs := Brands()
	want := map[string]struct {
		name       string
		sla        int
		alwaysOpen bool
	}{
		AccountSkylark:   {"Skylark Air", 60, true},
		AccountPetal:     {"Petal & Stem", 240, false},
		AccountNorthwind: {"Northwind Energy", 120, false},
	}
	if len(bs) != len(want) {
		t.Fatalf("Brands() has %d brands, want %d", len(bs), len(want))
	}
	for _, b := range bs {
		w, ok := want[b.Account]
		if !ok {
			t.Fatalf("unexpected brand account %q", b.Account)
		}
		if b.Name != w.name || b.SLAMinutes != w.sla || b.AlwaysOpen != w.alwaysOpen {
			t.Errorf("brand %q = %+v, want name %q, SLA %d, always open %v", b.Account, b, w.name, w.sla, w.alwaysOpen)
		}
		if b.Signature == "" || len(b.VIPs) == 0 {
			t.Errorf("brand %q lacks a signature or VIPs", b.Account)
		}
		if _, err := time.LoadLocation(b.TimeZone); err != nil {
			t.Errorf("brand %q: time zone %q: %v", b.Account, b.TimeZone, err)
		}
		a, ok := BrandAuthor(b.Account)
		if !ok || a.DisplayName != b.Name || !strings.HasPrefix(a.Handle, "@") {
			t.Errorf("BrandAuthor(%q) = %+v, %v", b.Account, a, ok)
		}
	}
	bs[0].VIPs[0] = "mutated"
	bs[0].Name = "mutated"
	if again := Brands(); again[0].VIPs[0] == "mutated" || again[0].Name == "mutated" {
		t.Error("Brands() shares state between calls")
	}
	if _, ok := BrandAuthor("nobody"); ok {
		t.Error("BrandAuthor of an unknown account reported ok")
	}
}

func TestScriptContent(t *testing.T) {
	f, _ := newTestFeed(t)
	posts := make([]social.Post, len(f.script))
	for i, e := range f.script {
		posts[i] = e.post
	}

	if len(posts) < 60 {
		t.Fatalf("script has %d posts, want at least 60", len(posts))
	}

	langs := map[string]int{}
	for _, p := range posts {
		langs[p.Lang]++
	}
	for _, l := range []string{"en", "es", "fr", "pl", "hu", "et"} {
		if langs[l] < 3 {
			t.Errorf("language %q has %d posts, want at least 3", l, langs[l])
		}
	}
	if langs[""] < 3 || langs[""] > len(posts)/5 {
		t.Errorf("%d posts without a language, want a few (3..%d)", langs[""], len(posts)/5)
	}
	if nonEnglish := len(posts) - langs["en"] - langs[""]; nonEnglish*100 < len(posts)*40 {
		t.Errorf("%d of %d posts are tagged non-English, want at least 40%%", nonEnglish, len(posts))
	}

	prefix := map[string]string{AccountSkylark: "sky-", AccountPetal: "pet-", AccountNorthwind: "nw-"}
	names := map[string]string{}
	for _, b := range Brands() {
		names[b.Account] = b.Name
	}
	perBrand := map[string]int{}
	emptyNames, influencers := 0, 0
	for _, p := range posts {
		perBrand[p.Account]++
		if p.Network != social.Demo || p.Brand != names[p.Account] || !strings.HasPrefix(p.RemoteID, prefix[p.Account]) {
			t.Errorf("post %s: network %q, account %q, brand %q", p.RemoteID, p.Network, p.Account, p.Brand)
		}
		if !strings.HasPrefix(p.URL, "https://demo.hark.invalid/@") || !strings.HasPrefix(p.URL, p.Author.URL+"/") {
			t.Errorf("post %s: URL %q, author URL %q", p.RemoteID, p.URL, p.Author.URL)
		}
		if p.Author.Handle == "" || p.Author.ID == "" || p.Author.Followers <= 0 {
			t.Errorf("post %s: incomplete author %+v", p.RemoteID, p.Author)
		}
		if p.Author.DisplayName == "" {
			emptyNames++
		}
		if p.Author.Followers >= 100000 {
			influencers++
		}
	}
	for acct := range prefix {
		if perBrand[acct] < 12 {
			t.Errorf("account %q has %d posts, want at least 12", acct, perBrand[acct])
		}
	}
	if emptyNames < 3 {
		t.Errorf("%d posts by authors without a display name, want at least 3", emptyNames)
	}
	if influencers == 0 {
		t.Error("no influencer (100k+ followers)")
	}

	// The handles vary in style as if from several networks.
	styles := map[string]bool{}
	for _, p := range posts {
		h := p.Author.Handle
		switch {
		case strings.Count(h, "@") == 2:
			styles["fediverse"] = true
		case strings.HasSuffix(h, ".bsky.social"):
			styles["bluesky"] = true
		case strings.HasPrefix(h, "@"):
			styles["plain"] = true
		}
	}
	if len(styles) != 3 {
		t.Errorf("handle styles %v, want fediverse, bluesky and plain", styles)
	}

	for _, b := range Brands() {
		for _, vip := range b.VIPs {
			found := false
			for _, p := range posts {
				found = found || (p.Account == b.Account && p.Author.Handle == vip)
			}
			if !found {
				t.Errorf("VIP %q of %s wrote no post", vip, b.Name)
			}
		}
	}

	// About twenty are there at start, spread over the last ~90 minutes,
	// some older than an hour.
	atStart, older := 0, 0
	for _, p := range posts {
		if !p.CreatedAt.After(testStart) {
			atStart++
			age := testStart.Sub(p.CreatedAt)
			if age > 95*time.Minute {
				t.Errorf("post %s is %v old at start, want at most 95m", p.RemoteID, age)
			}
			if age > time.Hour {
				older++
			}
		}
	}
	if atStart < 18 || atStart > 22 {
		t.Errorf("%d posts at start, want about 20", atStart)
	}
	if older < 3 {
		t.Errorf("%d posts older than an hour at start, want at least 3 (SLA breaches)", older)
	}

	// After start: one every 3–5 s, except the Northwind burst (1–2 s).
	prev := testStart
	for _, p := range posts[atStart:] {
		gap := p.CreatedAt.Sub(prev)
		if gap < time.Second || gap > 5*time.Second {
			t.Errorf("post %s arrives %v after the previous one, want 1s..5s", p.RemoteID, gap)
		}
		if gap < 3*time.Second && p.Account != AccountNorthwind {
			t.Errorf("post %s arrives only %v after the previous one outside the outage burst", p.RemoteID, gap)
		}
		prev = p.CreatedAt
	}
	burst := 0
	for i, p := range posts {
		if p.Account != AccountNorthwind || !p.CreatedAt.After(testStart) {
			continue
		}
		n := 0
		for _, q := range posts[i:] {
			if q.Account == AccountNorthwind && q.CreatedAt.Sub(p.CreatedAt) <= time.Minute {
				n++
			}
		}
		burst = max(burst, n)
	}
	if burst < 8 {
		t.Errorf("largest Northwind burst is %d posts in a minute, want at least 8", burst)
	}
}

func TestScriptThreads(t *testing.T) {
	f, _ := newTestFeed(t)
	byID := map[string]social.Post{}
	threadLen := map[string]int{}
	selfReplies, answers := 0, 0
	answerLangs := map[string]bool{}
	for _, e := range f.script {
		p := e.post
		threadLen[e.thread]++
		if e.answer != "" {
			answers++
			answerLangs[p.Lang] = true
		}
		if p.ReplyTo != "" {
			parent, ok := byID[p.ReplyTo]
			if !ok {
				t.Errorf("%s replies to %q, which is not an earlier post", p.RemoteID, p.ReplyTo)
				continue
			}
			if parent.Account != p.Account || p.Kind != social.KindReply || p.ThreadRoot != rootOf(parent) {
				t.Errorf("%s: account %q kind %q root %q; parent %s account %q root %q",
					p.RemoteID, p.Account, p.Kind, p.ThreadRoot, parent.RemoteID, parent.Account, rootOf(parent))
			}
			if root := byID[p.ThreadRoot]; root.ThreadRoot != "" || root.Account != p.Account {
				t.Errorf("%s: thread root %q is not a root of the same account", p.RemoteID, p.ThreadRoot)
			}
			if parent.Author.Handle == p.Author.Handle {
				selfReplies++
			}
		} else if p.ThreadRoot != "" {
			t.Errorf("%s has a thread root but no parent", p.RemoteID)
		}
		byID[p.RemoteID] = p
	}
	long := 0
	for _, n := range threadLen {
		if n >= 3 {
			long++
		}
	}
	if long < 2 {
		t.Errorf("%d threads of 3+ posts, want at least 2", long)
	}
	if selfReplies < 5 {
		t.Errorf("%d customers adding to their own posts, want at least 5", selfReplies)
	}
	if answers < 10 || len(answerLangs) < 5 {
		t.Errorf("%d scripted answers in %d languages, want 10+ in 5+", answers, len(answerLangs))
	}

	// One customer moves to DMs: a public post, later a direct one.
	moved := 0
	for _, dm := range f.script {
		if dm.post.Kind != social.KindDM {
			continue
		}
		if !dm.post.Direct || dm.post.DMKey == "" || dm.post.ThreadRoot != "" || dm.post.ReplyTo != "" {
			t.Errorf("DM %s: %+v", dm.post.RemoteID, dm.post)
		}
		for _, pub := range f.script {
			if !pub.post.Direct && pub.post.Author.Handle == dm.post.Author.Handle &&
				pub.post.Account == dm.post.Account && pub.post.CreatedAt.Before(dm.post.CreatedAt) {
				moved++
				break
			}
		}
	}
	if moved != 1 {
		t.Errorf("%d customers move to DMs, want 1", moved)
	}
}

// hostile reports bidi and C0/C1 control characters other than newline.
func hostile(s string) bool {
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			return true
		}
	}
	return false
}

func TestScriptHasExactlyOneTroll(t *testing.T) {
	f, _ := newTestFeed(t)
	var trolls []social.Post
	for _, e := range f.script {
		p := e.post
		if hostile(p.Text) || hostile(p.Author.DisplayName) || hostile(p.Author.Handle) {
			trolls = append(trolls, p)
		}
		if e.answer != "" && hostile(e.answer) {
			t.Errorf("answer of %s holds control characters", p.RemoteID)
		}
	}
	if len(trolls) != 1 {
		t.Fatalf("%d posts hold control characters (%v), want exactly 1", len(trolls), ids(trolls))
	}
	p := trolls[0]
	if !strings.Contains(p.Text, "\x1b[2J") || !strings.ContainsRune(p.Author.DisplayName, '\u202e') || p.Account != AccountNorthwind {
		t.Errorf("troll %s: text %q, name %q, account %q", p.RemoteID, p.Text, p.Author.DisplayName, p.Account)
	}
}

func TestParseScriptErrors(t *testing.T) {
	author := `"authors": {"a": {"handle": "@a", "followers": 1}}`
	tests := []struct {
		name, posts string
	}{
		{"no id", `{"account": "petal", "at": "1s", "author": "a", "text": "x"}`},
		{"duplicate id", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x"},
			{"id": "p1", "account": "petal", "at": "2s", "author": "a", "text": "y"}`},
		{"unknown account", `{"id": "p1", "account": "acme", "at": "1s", "author": "a", "text": "x"}`},
		{"unknown author", `{"id": "p1", "account": "petal", "at": "1s", "author": "b", "text": "x"}`},
		{"empty text", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "  "}`},
		{"bad offset", `{"id": "p1", "account": "petal", "at": "soon", "author": "a", "text": "x"}`},
		{"out of order", `{"id": "p1", "account": "petal", "at": "5s", "author": "a", "text": "x"},
			{"id": "p2", "account": "petal", "at": "1s", "author": "a", "text": "y"}`},
		{"reply to a later post", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x", "reply_to": "p2"},
			{"id": "p2", "account": "petal", "at": "2s", "author": "a", "text": "y"}`},
		{"reply across accounts", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x"},
			{"id": "p2", "account": "skylark", "at": "2s", "author": "a", "text": "y", "reply_to": "p1"}`},
		{"reply to a DM", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x", "dm_key": "d"},
			{"id": "p2", "account": "petal", "at": "2s", "author": "a", "text": "y", "reply_to": "p1"}`},
		{"DM replying publicly", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x"},
			{"id": "p2", "account": "petal", "at": "2s", "author": "a", "text": "y", "reply_to": "p1", "dm_key": "d"}`},
		{"answer on a reply", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x"},
			{"id": "p2", "account": "petal", "at": "2s", "author": "a", "text": "y", "reply_to": "p1", "answer": "z"}`},
		{"answer on a later DM", `{"id": "p1", "account": "petal", "at": "1s", "author": "a", "text": "x", "dm_key": "d"},
			{"id": "p2", "account": "petal", "at": "2s", "author": "a", "text": "y", "dm_key": "d", "answer": "z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := `{` + author + `, "posts": [` + tt.posts + `]}`
			if !json.Valid([]byte(data)) {
				t.Fatalf("test script is not JSON: %s", data)
			}
			if _, err := parseScript([]byte(data), testStart); err == nil {
				t.Error("parseScript accepted a bad script")
			}
		})
	}
	if _, err := parseScript([]byte(`{"posts": [`), testStart); err == nil {
		t.Error("parseScript accepted broken JSON")
	}
	ok := `{` + author + `, "posts": [{"id": "p1", "account": "petal", "at": "-1m", "author": "a", "text": "x", "answer": "y"},
		{"id": "p2", "account": "petal", "at": "+2s", "author": "a", "text": "y", "reply_to": "p1"}]}`
	es, err := parseScript([]byte(ok), testStart)
	if err != nil {
		t.Fatalf("parseScript of a good script: %v", err)
	}
	if len(es) != 2 || es[1].post.ThreadRoot != "p1" || !es[0].post.CreatedAt.Equal(testStart.Add(-time.Minute)) || es[0].answer != "y" {
		t.Errorf("parsed %+v", es)
	}
}
