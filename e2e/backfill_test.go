package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
)

// A new account with a backlog: the first poll reads the newest page (40
// mentions on Mastodon) and says the older ones were not read; doctor
// says so too; `hark poll --backfill 30d` reads them, page by page with
// progress, and the backlog note goes away (issue 17, item 9).
func TestBacklogSaidAndBackfilled(t *testing.T) {
	w := newWorld(t)
	for i := range 45 {
		w.nets.Mastodon.AddStatus(kasiaMention, "", fmt.Sprintf("@acmecoffee backlog %02d", i), true)
	}
	out := w.pollOnce(t)
	if got := pollCounts(t, out)[feedMastodon]; got != 40 {
		t.Fatalf("first poll stored %d Mastodon mentions, want the newest page of 40:\n%s", got, out)
	}
	if !strings.Contains(out, "! the first poll read the newest 40 only; older ones were not read (`hark poll --backfill 7d` reads them)") {
		t.Errorf("poll --once does not say the older mentions were skipped:\n%s", out)
	}
	doc, _, _ := w.hark(t, "doctor")
	if !strings.Contains(doctorSections(doc)[feedMastodon], "! backlog: the first poll read the newest 40 only") {
		t.Errorf("doctor does not report the backlog:\n%s", doc)
	}

	out, stderr, err := w.hark(t, "poll", "--backfill", "30d")
	if err != nil {
		t.Fatalf("poll --backfill: %v\n%s\n%s", err, out, stderr)
	}
	// 45 new + the fixture's 3 mentions = 48 on two pages of 40
	progress := regexp.MustCompile(`(?m)^backfill: ` + regexp.QuoteMeta(feedMastodon) + ` \[[#.]{24}\] +\d+%  (\d) pages, (\d+) posts \((\d+) new\)`)
	lines := progress.FindAllStringSubmatch(out, -1)
	if len(lines) < 2 || lines[len(lines)-1][2] != "48" || lines[len(lines)-1][3] != "8" {
		t.Errorf("backfill progress lines: %q, want pages up to 48 posts read, 8 new\n%s", lines, out)
	}
	if !strings.Contains(out, feedMastodon+": backfill done: 48 posts read") {
		t.Errorf("backfill summary:\n%s", out)
	}
	posts := storedPosts(t, w.dir+"/hark.db")[social.Mastodon]
	n := 0
	for _, p := range posts {
		if strings.Contains(p.Text, "backlog ") {
			n++
		}
	}
	if n != 45 {
		t.Errorf("the store holds %d of the 45 backlog mentions", n)
	}
	t.Logf("poll --backfill 30d:\n%s", out)
	doc, _, _ = w.hark(t, "doctor")
	if strings.Contains(doc, "backlog:") {
		t.Errorf("doctor still reports a backlog after the backfill:\n%s", doc)
	}
	// Max_id paging, newest first: the second page starts below the first.
	reqs := w.nets.Mastodon.Find("GET", "/api/v1/notifications")
	var maxIDs []string
	for _, r := range reqs {
		if id := r.Query.Get("max_id"); id != "" {
			maxIDs = append(maxIDs, id)
		}
	}
	if len(maxIDs) == 0 {
		t.Errorf("the backfill never paged back with max_id")
	}
}
