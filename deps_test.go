package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/hark-tui/hark"

// rule is what a package's doc comment says it may import from hark: may
// lists the only hark packages its code (test files aside) imports, and
// says is the sentence of the package's doc comment that states it, so the
// table cannot drift from the doc without this test noticing.
type rule struct {
	may  []string
	says string
}

// rules mirrors every package's doc.go. A package missing here fails the
// test: write its rule in its doc.go and here.
var rules = map[string]rule{
	".":           {[]string{"cli", "textsafe"}, "It imports cli, which holds the commands, and textsafe for its last error line"},
	"app":         {[]string{"canned", "config", "engine", "feeds/bluesky", "feeds/demo", "feeds/mastodon", "feeds/rss", "feeds/web", "feeds/x", "social", "stats", "store", "store/stores", "termimg", "textsafe", "triage", "tui", "when"}, "It may import canned, config, engine, the network adapters (feeds/…), social, stats, store, store/stores, termimg, textsafe, triage and when (a send time typed for hark reply --at), and tui only for what the TUI is handed (TUIDeps); it must not import cli, serve, team, ipc or the test packages"},
	"app/apptest": {[]string{"app", "config", "engine", "social", "team"}, "It imports app, config, engine, social and team; it must not be imported by non-test code"},
	"attach":      {[]string{"social"}, "It depends on social and the standard library only"},
	"canned":      {[]string{"langtag", "textsafe"}, "It depends on the standard library, sahilm/fuzzy, langtag (language tags) and textsafe (Outgoing: the customer's name and handle are cleaned before they go into a reply) only; it must not import store, engine, tui or feeds"},
	"cli": {[]string{"app", "attach", "config", "engine", "ipc", "query", "serve", "social", "store", "store/stores", "team", "textsafe", "tui", "when"},
		"It may import app, attach, config, engine, ipc, query, serve, social, store (and store/stores, to open a store by name for `hark store copy`), team (hark on a shared store joins the team), textsafe, tui and when (the error of a time --at cannot take); it must not reach into feeds directly (app builds them)"},
	"config":                       {[]string{"hours", "social"}, "It imports the standard library, viper, mapstructure and x/crypto/ssh, and of hark only social (the operator as the engine records them) and hours (the business-hours syntax, which triage's calendar reads too): it must not import any other hark package (no triage, feeds, store, engine or tui)"},
	"crashtest":                    {nil, "The package holds tests only"},
	"e2e":                          {nil, "It has no code of its own besides the tests, and nothing may import it"},
	"e2e/real":                     {nil, "The tests carry the build tag e2ereal"},
	"engine":                       {[]string{"fanout", "social", "store"}, "It depends on social, store and fanout (its event fan-out); it must not import tui"},
	"fanout":                       {nil, "It imports only the standard library"},
	"feeds":                        {nil, "Adapters know their network's wire format and nothing else: they must not import store, engine or tui"},
	"feeds/bluesky":                {[]string{"attach", "feeds/web", "social"}, "It may import social, attach (the images of a reply), feeds/web and indigo's atproto/syntax (stdlib-only) — no other indigo package, and never store, engine or tui"},
	"feeds/demo":                   {[]string{"attach", "social"}, "Like every adapter it depends only on social, attach and the standard library (plus rivo/uniseg for counting); it must not import store, engine, triage or tui"},
	"feeds/faults":                 {nil, "Its tests may import any hark package; nothing may import it"},
	"feeds/mastodon":               {[]string{"attach", "feeds/web", "htmltext", "social"}, "It may import social, attach, htmltext and feeds/web only; it must not import store, engine, tui or any other hark package"},
	"feeds/rss":                    {[]string{"feeds/web", "htmltext", "langtag", "social"}, "It imports social, htmltext, langtag and feeds/web; it must not import config, store, engine or tui"},
	"feeds/web":                    {[]string{"social"}, "It must not import anything from hark but social"},
	"feeds/x":                      {[]string{"attach", "feeds/web", "social"}, "It must not import store, engine, tui or any hark package other than social, attach and feeds/web"},
	"fold":                         {nil, "It imports only the standard library and golang.org/x/text"},
	"htmltext":                     {nil, "It imports only the standard library and golang.org/x/net/html"},
	"hours":                        {nil, "It imports only the standard library"},
	"internal/benchgen":            {[]string{"engine", "social", "store", "triage"}, "It imports engine, store, social and triage; nothing but tests and benchmarks import it"},
	"internal/fakenet":             {nil, "It must not import any other hark package"},
	"internal/fakenet/cmd/fakenet": {[]string{"internal/fakenet"}, "It imports internal/fakenet only: a tool for trying hark by hand"},
	"internal/pgtest":              {nil, "It must not import other hark packages"},
	"internal/testkit":             {nil, "It imports nothing of hark's and is imported only by tests"},
	"ipc":                          {nil, "It knows no other hark package"},
	"langtag":                      {nil, "It imports only the standard library and golang.org/x/text"},
	"query":                        {[]string{"fold", "social", "store"}, "It depends on social, store and fold only"},
	"serve":                        {[]string{"app", "config", "social", "team", "tui"}, "It may import app, config, social, team and tui (the engine it reaches through app and team); nothing in hark may import serve except the cli"},
	"social":                       {nil, "It has no dependencies beyond the standard library and must not import any other hark package"},
	"stats":                        {[]string{"social"}, "It depends on social only"},
	"store":                        {[]string{"fold", "social", "stats"}, "It knows bbolt, social, fold (the index's words) and stats (the running totals' cells), nothing else: it must not import feeds, triage, engine, tui or store/pg"},
	"store/pg":                     {[]string{"fold", "social", "stats", "store"}, "It knows pgx, store, social, stats (the running totals' cells) and fold (the search index's words); it must not import engine, tui or feeds"},
	"store/stores":                 {[]string{"store", "store/pg"}, "It imports store and store/pg; it must not import engine, tui or app"},
	"store/storetest":              {[]string{"internal/benchgen", "query", "social", "stats", "store"}, "It must not be imported by non-test code"},
	"team":                         {[]string{"engine", "fanout", "social", "store"}, "It may import social, store (its interfaces and types), engine and fanout (the event fan-out it shares with the engine); it must not import serve, tui, app or store internals (store/pg …)"},
	"termimg":                      {nil, "It depends on the standard library only"},
	"textsafe":                     {nil, "This package is a leaf: it must not import any other hark package"},
	"triage":                       {[]string{"hours", "langtag", "social"}, "It depends only on the standard library, social, hours (the business-hours syntax), langtag (language tags) and golang.org/x/text"},
	"tui":                          {[]string{"attach", "canned", "engine", "query", "social", "store", "team", "termimg", "textsafe", "triage", "when"}, "It reads the store through store.Reader (short read transactions, a screenful at a time) and changes state only through the engine"},
	"when":                         {nil, "it imports the standard library only; it must not import any hark package"},
}

// testOnly are the packages only tests (and other test-only packages)
// may import, with the doc sentence that says so.
var testOnly = map[string]string{
	"app/apptest":       "it must not be imported by non-test code",
	"crashtest":         "The package holds tests only",
	"e2e":               "nothing may import it",
	"feeds/faults":      "nothing may import it",
	"internal/benchgen": "nothing but tests and benchmarks import it",
	"internal/fakenet":  "It owns only the fakes",
	// a command: nothing can import it, but it may run the fakes
	"internal/fakenet/cmd/fakenet": "a tool for trying hark by hand",
	"internal/pgtest":              "It is imported only by tests",
	"internal/testkit":             "imported only by tests",
	"store/storetest":              "It must not be imported by non-test code",
}

// testForbidden are edges even a package's tests must not have.
var testForbidden = map[string]struct {
	not  []string
	says string
}{
	"crashtest": {[]string{"app", "cli", "engine", "tui"}, "must not import engine, app, cli or tui"},
}

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

// short is a package's path inside the module ("." for the module root).
func short(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func inModule(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// listPackages runs go list over the module: the real import graph.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	// go test puts its own GOROOT/bin first on the PATH (Go 1.19)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command: %v", err)
	}
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Dir,GoFiles,Imports,TestImports,XTestImports,Error", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list's output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: not the module's tree?", len(pkgs))
	}
	return pkgs
}

var space = regexp.MustCompile(`\s+`)

// packageDoc is the package's doc comment, from every non-test file that
// has one, with its lines joined.
func packageDoc(t *testing.T, p pkg) string {
	t.Helper()
	var docs []string
	names := p.GoFiles
	if len(names) == 0 { // test-only packages keep their doc in doc.go
		names = []string{"doc.go"}
	}
	for _, name := range names {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			if os.IsNotExist(errors.Unwrap(err)) || os.IsNotExist(err) {
				continue
			}
			t.Fatalf("%s: %v", name, err)
		}
		if f.Doc != nil {
			docs = append(docs, f.Doc.Text())
		}
	}
	return space.ReplaceAllString(strings.Join(docs, " "), " ")
}

// TestImportRules holds the module's real import graph against the rules
// each package's doc comment states.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	for _, msg := range importViolations(t, listPackages(t)) {
		t.Error(msg)
	}
}

// importViolations returns one message per broken rule, naming the edge
// and the doc sentence it breaks.
func importViolations(t *testing.T, pkgs []pkg) []string {
	var bad []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		me := short(p.ImportPath)
		seen[me] = true
		r, ok := rules[me]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s has no import rule: write in its doc.go what it may import, and add it to rules in deps_test.go", me))
			continue
		}
		if doc := packageDoc(t, p); !strings.Contains(doc, r.says) {
			bad = append(bad, fmt.Sprintf("%s: its doc comment no longer says %q: make the rule in deps_test.go match what the doc says", me, r.says))
		}
		for _, imp := range p.Imports {
			if !inModule(imp) {
				continue
			}
			to := short(imp)
			if !slices.Contains(r.may, to) {
				bad = append(bad, fmt.Sprintf("forbidden import %s → %s: %s/doc.go says %q", me, to, me, r.says))
			}
			if says, only := testOnly[to]; only {
				if _, fromTestOnly := testOnly[me]; !fromTestOnly {
					bad = append(bad, fmt.Sprintf("forbidden import %s → %s (non-test code): %s/doc.go says %q", me, to, to, says))
				}
			}
		}
		if f, ok := testForbidden[me]; ok {
			for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
				if inModule(imp) && slices.Contains(f.not, short(imp)) {
					bad = append(bad, fmt.Sprintf("forbidden import %s (tests) → %s: %s/doc.go says it %s", me, short(imp), me, f.says))
				}
			}
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if to := short(imp); inModule(imp) && (to == "e2e" || to == "feeds/faults" || to == "crashtest") && to != me {
				bad = append(bad, fmt.Sprintf("forbidden import %s (tests) → %s: %s/doc.go says %q", me, to, to, testOnly[to]))
			}
		}
	}
	var stale []string
	for name := range rules {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		bad = append(bad, fmt.Sprintf("rules names %s, which go list no longer finds: remove it", name))
	}
	return bad
}

// layoutEntry is one path in DESIGN.md's layout: "store/" at the start of
// a line, or "pg/" indented under it ("store/pg").
var layoutEntry = regexp.MustCompile(`^[a-z][a-z0-9_./]*/$`)

// layoutPackages are the package folders DESIGN.md's layout names.
func layoutPackages(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("DESIGN.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## Layout\n```\n")
	if i < 0 {
		t.Fatal("DESIGN.md has no layout block")
	}
	block, _, _ := strings.Cut(doc[i+len("## Layout\n```\n"):], "```")
	named := map[string]bool{}
	parent := ""
	for line := range strings.SplitSeq(block, "\n") {
		indented := strings.HasPrefix(line, "  ")
		for f := range strings.FieldsSeq(line) {
			if !layoutEntry.MatchString(f) {
				break // the description
			}
			path := strings.TrimSuffix(f, "/")
			if indented {
				path = parent + "/" + path
			} else {
				parent = path
			}
			named[path] = true
		}
	}
	return named
}

// TestDesignLayoutNamesEveryPackage keeps DESIGN.md's layout true: it
// names every package of the module, and nothing that is not a folder.
func TestDesignLayoutNamesEveryPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	named := layoutPackages(t)
	for _, p := range listPackages(t) {
		if me := short(p.ImportPath); me != "." && !named[me] {
			t.Errorf("DESIGN.md's layout does not name %s/: add it, with what it holds", me)
		}
	}
	for path := range named {
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			t.Errorf("DESIGN.md's layout names %s/, which is not a folder of the module", path)
		}
	}
}
