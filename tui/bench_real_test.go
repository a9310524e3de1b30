package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	hstats "github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
)

func realSize() int {
	if n, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return benchgen.Large
}

// realModel is a Model on the generated store (200k multi-post
// conversations), showing the "all" view.
func realModel(b *testing.B, st store.Store) *Model { return realModelWith(b, st, false) }

// realModelWith: before, the stats view reads every conversation (as
// hark did before the running totals).
func realModelWith(b testing.TB, st store.Store, before bool) *Model {
	eng := engine.New(engine.Options{Store: st})
	// the stats view as hark draws it (app builds it the same way from
	// the running totals; tui cannot import app)
	statsFn := func(ctx context.Context, width int) (string, error) {
		sb := hstats.NewBuilder(benchgen.End(), 14, time.UTC)
		if before {
			err := st.ForEachConv(ctx, func(c social.Conversation) bool { sb.Add(c); return true })
			return sb.Report().Text(width), err
		}
		from, to := sb.Range()
		sr, ok := st.(store.StatsReader)
		if !ok {
			return "", fmt.Errorf("no running totals")
		}
		if err := sr.StatTotals(ctx, hstats.HourOf(from), hstats.HourOf(to), sb.AddCell, nil); err != nil {
			return "", err
		}
		return sb.Report().Text(width), nil
	}
	m, err := New(Deps{Engine: eng, Now: benchgen.End, Stats: statsFn})
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.view = store.ViewAll
	runSlow(m, onlyFirst(m.loadRefs()))
	if n, _ := st.Counts(context.Background()); len(m.refs) != n[0]+n[1]+n[2]+n[3] {
		b.Fatalf("the list holds %d conversations, the store %v", len(m.refs), n)
	}
	return m
}

// runCmd runs a command as the program would, feeding what it returns back
// to Update, to a depth of 4; commands that do not finish at once (timers:
// ticks, debounces, flash expiry) are left, as the program would leave
// them running. It returns how many messages it delivered.
func runCmd(m *Model, cmd tea.Cmd) int {
	return runDepth(m, cmd, 0, 20*time.Millisecond)
}

// runSlow is runCmd for commands that take long (a search or the stats
// without an index): it waits up to a minute for each.
func runSlow(m *Model, cmd tea.Cmd) int { return runDepth(m, cmd, 0, time.Minute) }

func runDepth(m *Model, cmd tea.Cmd, depth int, wait time.Duration) int {
	if cmd == nil || depth > 4 {
		return 0
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(wait):
		return 0 // a timer
	}
	n := 0
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			n += runDepth(m, c, depth+1, wait)
		}
	default:
		_, next := m.Update(msg)
		n = 1 + runDepth(m, next, depth+1, wait)
	}
	return n
}

// BenchmarkRealKeypress: one keypress on the generated store's 200k
// conversations, the command it returns run (the conversation under the
// cursor is read with its posts) and the frame drawn with it: what an
// operator waits for. Moving alternates direction in runs of 60.
func BenchmarkRealKeypress(b *testing.B) {
	st := benchgen.Open(b, realSize())
	m := realModel(b, st)
	defer m.Close()
	i, msgs := 0, 0
	for ; b.Loop(); i++ {
		_, cmd := m.Update(moveKey(i))
		msgs += runCmd(m, cmd)
		_ = m.View()
	}
	if msgs == 0 {
		b.Fatal("no key loaded anything: the benchmark measures nothing real")
	}
	b.ReportMetric(float64(msgs)/float64(i), "msgs/key")
}

// BenchmarkRealBubblesListKeypress is its baseline: a bubbles list of the
// same 200k conversations (their handles and previews) that, like hark,
// reads the selected conversation and its posts from the same store and
// draws them in a viewport next to the list.
func BenchmarkRealBubblesListKeypress(b *testing.B) {
	st := benchgen.Open(b, realSize())
	refs, err := st.QueueRefs(context.Background(), store.ViewAll, nil)
	if err != nil {
		b.Fatal(err)
	}
	items := make([]list.Item, len(refs))
	for i, r := range refs {
		items[i] = refItem{r}
	}
	l := benchList(items, 48)
	vp := viewport.New(viewport.WithWidth(70), viewport.WithHeight(38))
	for i := 0; b.Loop(); i++ {
		l, _ = l.Update(moveKey(i))
		r := l.SelectedItem().(refItem)
		c, err := st.Conversation(context.Background(), r.ID)
		if err != nil {
			b.Fatal(err)
		}
		posts, err := st.Posts(context.Background(), c.ID)
		if err != nil {
			b.Fatal(err)
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s %s\n#%s · %s\n", c.Contact.DisplayName, c.Contact.Handle, c.ID, c.Brand)
		for _, p := range posts {
			fmt.Fprintf(&sb, "%s · %s\n  %s\n", p.Author.Name(), p.CreatedAt.Format("Jan 2 15:04"), p.Text)
		}
		vp.SetContent(sb.String())
		_, _ = io.WriteString(io.Discard, lipgloss.JoinHorizontal(lipgloss.Top, l.View(), vp.View()))
	}
}

type refItem struct{ store.Ref }

func (i refItem) FilterValue() string { return i.ID }
func (i refItem) Title() string       { return "#" + i.ID + " " + i.Brand }
func (i refItem) Description() string { return string(i.Network) }

// BenchmarkMemory: the TUI's memory on the generated store after
// scrolling 1,000 rows, opening 50 conversations, the stats view and five
// searches (the scenario). Each variant runs in a process of its
// own (the resident set only grows within a process, and one variant's
// pages would count in the next): this binary again, running
// TestMemoryChild. Reported per variant, in MB: the resident set (VmRSS,
// what the issue asks), its anonymous part (the Go heap and stacks), its
// file part (mostly the store's pages bbolt mapped), the Go heap in use
// after a GC, and the peaks from the store's open to the end: the
// resident set's (VmHWM) and the largest anonymous and file parts seen
// (sampled every 2 ms, so they may miss a spike the VmHWM catches). The
// log has the peak of each phase (open, model, scroll, stats, each search). The variants: "before" is hark before the
// search index and the running totals (every conversation read, the
// mapping left alone); "kept" the index and totals with the mapping left
// alone (bbolt's own behaviour); "now" the store as it is, giving its
// mapped pages back (store/bolt_mmap.go). Run it with -benchtime 1x (and
// -v for the phases); HARK_MEMORY_VARIANTS=now runs only the variants named.
func BenchmarkMemory(b *testing.B) {
	benchgen.Cached(b, realSize()) // built here, not in a child
	for b.Loop() {
		variants := []string{"before", "kept", "now"}
		if only := os.Getenv("HARK_MEMORY_VARIANTS"); only != "" { // "now", "kept,now"
			variants = strings.Split(only, ",")
		}
		for _, v := range variants {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$", "-test.count=1", "-test.v", "-test.timeout=0")
			cmd.Env = append(os.Environ(), "HARK_MEMORY_CHILD="+v, "HARK_BENCH_N="+strconv.Itoa(realSize()))
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("%s: %v\n%s", v, err, out)
			}
			_, res, ok := strings.Cut(string(out), "MEMORY ")
			if !ok {
				b.Fatalf("%s: no figures in\n%s", v, out)
			}
			res, _, _ = strings.Cut(res, "\n")
			var m map[string]float64
			if err := json.Unmarshal([]byte(res), &m); err != nil {
				b.Fatalf("%s: %v in %q", v, err, res)
			}
			for _, k := range []string{"rss", "rss-anon", "rss-file", "heap", "peak-rss", "peak-anon", "peak-file"} {
				b.ReportMetric(m[k], v+"-"+k+"-MB")
			}
			var phases []string
			for _, l := range strings.Split(string(out), "\n") {
				if p, ok := strings.CutPrefix(l, "PHASE "); ok {
					phases = append(phases, p)
				}
			}
			b.Logf("%s:\n\t%s", v, strings.Join(phases, "\n\t"))
		}
	}
}

// TestMemoryChild is BenchmarkMemory's scenario in a process of its own
// (skipped unless BenchmarkMemory runs it): it prints the figures as
// "MEMORY {json}". Besides the figures at the end it keeps the peak of
// each phase (VmHWM, reset between phases through /proc/self/clear_refs)
// and, sampled every 2 ms, the largest anonymous and file-backed parts.
func TestMemoryChild(t *testing.T) {
	variant := os.Getenv("HARK_MEMORY_CHILD")
	if variant == "" {
		t.Skip("run by BenchmarkMemory")
	}
	probe := startMemProbe()
	// benchgen.Open, in two phases: the cache checked (migrated, indexed)
	// and copied, which is not hark's start; the copy opened, which is
	src, dst := benchgen.Cached(t, realSize()), filepath.Join(t.TempDir(), "bench.db")
	if err := benchgen.CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	probe.phase("cache")
	st, err := store.Open(dst, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	probe.phase("open")
	before := variant == "before"
	if km, ok := st.(interface{ KeepMapped(bool) }); ok {
		km.KeepMapped(variant != "now")
	} else if variant == "now" {
		t.Fatal("the store cannot give its mapped pages back")
	}
	if before {
		searchRefs = searchBefore
		defer func() { searchRefs = query.Search }()
	}
	m := realModelWith(t, st, before)
	defer m.Close()
	probe.phase("model")
	for i := 0; i < 1000; i++ {
		_, cmd := m.Update(down)
		if i%20 == 0 { // 50 conversations opened (their posts read and drawn)
			runCmd(m, cmd)
		}
		if i%10 == 0 {
			_ = m.View()
		}
	}
	probe.phase("scroll")
	_, cmd := m.Update(tea.KeyPressMsg{Code: 's', Text: "s"})
	runSlow(m, onlyFirst(cmd))
	if v := m.View().Content; !strings.Contains(v, "First") && !strings.Contains(v, "first") {
		t.Errorf("the stats view did not show: %.400s", v)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	probe.phase("stats")
	for _, q := range []string{benchgen.RareWord, "from:maria", "is:breached", "lang:es -brand:skylark", "tag:press"} {
		runSlow(m, onlyFirst(m.applySearch(q)))
		_ = m.View()
		if len(m.refs) == 0 && !before { // before: rebooking and tag:press found nothing
			t.Errorf("search %q found nothing", q)
		}
		probe.phase("search " + q)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fig := map[string]float64{
		"heap":     float64(ms.HeapInuse) / (1 << 20),
		"rss":      procMB("VmRSS:"),
		"rss-anon": procMB("RssAnon:"), // the Go heap and stacks
		"rss-file": procMB("RssFile:"), // the store's pages bbolt mapped in
	}
	probe.stop(fig)
	out, _ := json.Marshal(fig)
	fmt.Printf("MEMORY %s\n", out)
}

// memProbe keeps the peaks of TestMemoryChild's phases.
type memProbe struct {
	done       chan struct{}
	mu         sync.Mutex
	anon, file float64 // the largest sampled since the last phase
	peakAnon   float64 // ... over the whole run
	peakFile   float64
	peak       float64            // VmHWM over the phases hark runs (not "cache")
	phases     map[string]float64 // VmHWM of each phase
	wait       sync.WaitGroup
}

func startMemProbe() *memProbe {
	p := &memProbe{done: make(chan struct{}), phases: map[string]float64{}}
	resetPeak()
	p.wait.Add(1)
	go func() {
		defer p.wait.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
			a, f := procMB("RssAnon:"), procMB("RssFile:")
			p.mu.Lock()
			p.anon, p.file = max(p.anon, a), max(p.file, f)
			p.mu.Unlock()
		}
	}()
	return p
}

// phase ends a phase: its peak is kept and the next one starts from the
// resident set as it is now.
func (p *memProbe) phase(name string) {
	hwm := procMB("VmHWM:")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phases[name] = hwm
	if name != "cache" { // the benchmark's own check of its cached store
		p.peak = max(p.peak, hwm)
		p.peakAnon, p.peakFile = max(p.peakAnon, p.anon), max(p.peakFile, p.file)
	}
	fmt.Printf("PHASE %-30s peak %6.0f MB (sampled: anon %4.0f, file %5.0f); now anon %4.0f, file %5.0f\n",
		name, hwm, p.anon, p.file, procMB("RssAnon:"), procMB("RssFile:"))
	p.anon, p.file = 0, 0
	resetPeak()
}

func (p *memProbe) stop(fig map[string]float64) {
	close(p.done)
	p.wait.Wait()
	fig["peak-rss"] = p.peak
	fig["peak-anon"] = p.peakAnon
	fig["peak-file"] = p.peakFile
	for k, v := range p.phases {
		fig["peak-"+k] = v
	}
}

// resetPeak sets VmHWM to the resident set as it is now (Linux).
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// searchBefore is the search of hark before the index: the view's refs,
// then every conversation decoded and matched on its preview (the old
// filterConvs).
func searchBefore(ctx context.Context, st store.Reader, q *query.Query, v store.View, keep func(store.Ref) bool, now time.Time, _ *time.Location) ([]store.Ref, bool, error) {
	refs, err := st.QueueRefs(ctx, v, func(r store.Ref) bool { return (keep == nil || keep(r)) && q.MatchRef(r) })
	if err != nil || !q.NeedsConv() {
		return refs, true, err
	}
	out := refs[:0:0]
	for i := 0; i < len(refs); i += 512 {
		part := refs[i:min(i+512, len(refs))]
		ids := make([]string, len(part))
		for j, r := range part {
			ids[j] = r.ID
		}
		convs, err := st.Conversations(ctx, ids)
		if err != nil {
			return nil, true, err
		}
		ok := map[string]bool{}
		for _, c := range convs {
			ok[c.ID] = q.Match(c, now)
		}
		for _, r := range part {
			if ok[r.ID] {
				out = append(out, r)
			}
		}
	}
	return out, true, nil
}

// procMB reads a line of /proc/self/status (VmRSS, VmHWM: the peak).
func procMB(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return float64(kb) / 1024
			}
		}
	}
	return 0
}

// onlyFirst runs cmd but not what its message asks next (a timer would
// hold runSlow for its whole wait).
func onlyFirst(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			var out []tea.Cmd
			for _, c := range msg {
				if c != nil {
					out = append(out, onlyFirst(c))
				}
			}
			return tea.BatchMsg(out)
		default:
			return msg
		}
	}
}
