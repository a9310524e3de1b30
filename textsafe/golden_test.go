package textsafe

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/nasty.golden")

const goldenPath = "testdata/nasty.golden"

// corpus reads every hostile fixture in testdata/nasty, sorted by name.
func corpus(tb testing.TB) (names []string, data map[string]string) {
	tb.Helper()
	paths, err := filepath.Glob("testdata/nasty/*.txt")
	if err != nil {
		tb.Fatal(err)
	}
	if len(paths) < 30 {
		tb.Fatalf("corpus has %d cases, want at least 30", len(paths))
	}
	data = make(map[string]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".txt")
		names = append(names, name)
		data[name] = string(b)
	}
	return names, data
}

// assertSafe fails when out contains anything that can drive a terminal or
// hide itself: ESC, C0 (except \n when allowNL), DEL, C1, bidi controls,
// invalid UTF-8.
func assertSafe(t testing.TB, what, out string, allowNL bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8 in %q", what, out)
	}
	if strings.IndexByte(out, 0x1b) >= 0 {
		t.Errorf("%s: ESC byte in %q", what, out)
	}
	for i, r := range out {
		switch {
		case r == '\n' && allowNL:
		case r < 0x20 || r == 0x7f:
			t.Errorf("%s: C0/DEL %U at %d in %q", what, r, i, out)
		case r >= 0x80 && r <= 0x9f:
			t.Errorf("%s: C1 %U at %d in %q", what, r, i, out)
		case bidiName(r) != "":
			t.Errorf("%s: bidi control %U at %d in %q", what, r, i, out)
		}
	}
}

func TestGoldenCorpus(t *testing.T) {
	names, data := corpus(t)
	var buf bytes.Buffer
	buf.WriteString("# Every file of testdata/nasty through Block, Line and Handle (Go-quoted).\n")
	buf.WriteString("# Regenerate with: go test ./textsafe -run TestGoldenCorpus -update\n")
	for _, name := range names {
		in := data[name]
		b, l, h := Block(in), Line(in), Handle(in)
		assertSafe(t, name+" Block", b, true)
		assertSafe(t, name+" Line", l, false)
		assertSafe(t, name+" Handle", h, false)
		for what, out := range map[string]string{"Block": b, "Line": l, "Handle": h} {
			if strings.ContainsAny(out, "\u200b\u2060\ufeff\u00ad\u180e") {
				t.Errorf("%s %s: invisible format character survived: %q", name, what, out)
			}
			if strings.Contains(out, "evil") && strings.Contains(in, "\x1b]8;;https://evil") {
				t.Errorf("%s %s: OSC 8 target leaked: %q", name, what, out)
			}
		}
		fmt.Fprintf(&buf, "\n## %s\nin:     %s\nblock:  %s\nline:   %s\nhandle: %s\n",
			name, strconv.Quote(in), strconv.Quote(b), strconv.Quote(l), strconv.Quote(h))
	}
	if *update {
		if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		got := strings.Split(buf.String(), "\n")
		exp := strings.Split(string(want), "\n")
		for i := 0; i < len(got) || i < len(exp); i++ {
			var g, e string
			if i < len(got) {
				g = got[i]
			}
			if i < len(exp) {
				e = exp[i]
			}
			if g != e {
				t.Fatalf("golden mismatch at line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", i+1, g, e)
			}
		}
	}
}

// TestCorpusIdempotent checks that sanitizing twice changes nothing and that
// Line leaves Handle's output alone.
func TestCorpusIdempotent(t *testing.T) {
	names, data := corpus(t)
	for _, name := range names {
		in := data[name]
		b, l, h := Block(in), Line(in), Handle(in)
		if Block(b) != b {
			t.Errorf("%s: Block not idempotent: %q -> %q", name, b, Block(b))
		}
		if Line(l) != l {
			t.Errorf("%s: Line not idempotent: %q -> %q", name, l, Line(l))
		}
		if Handle(h) != h {
			t.Errorf("%s: Handle not idempotent: %q -> %q", name, h, Handle(h))
		}
		if Line(h) != h {
			t.Errorf("%s: Line(Handle) changed it: %q -> %q", name, h, Line(h))
		}
	}
}
