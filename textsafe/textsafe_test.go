package textsafe

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/hark-tui/hark/internal/testkit"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	family  = "👨\u200d👩\u200d👧\u200d👦"
	england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
	rainbow = "🏳\ufe0f\u200d🌈"
)

func TestBlock(t *testing.T) {
	tests := []sanitizerCase{
		{"plain ascii", "hello, world", "hello, world"},
		{"newlines kept", "a\nb\n\nc", "a\nb\n\nc"},
		{"crlf", "a\r\nb\r\n", "a\nb\n"},
		{"cr overwrite shows both", "approved\rDENIED", "approvedDENIED"},
		{"tab stops", "a\tbb\tccc\tdddd\te", "a   bb  ccc dddd    e"},
		{"tab stops count cells", "日本\tx", "日本    x"},
		{"tab after newline", "abc\n\tx", "abc\n    x"},
		{"vt ff and separators become newlines", "a\vb\fc\u2028d\u2029e", "a\nb\nc\nd\ne"},
		{"clear screen", "a\x1b[2Jb", "ab"},
		{"cursor moves", "\x1b[5A\x1b[10;3Hx\x1b[?25l", "x"},
		{"sgr", "\x1b[31mred\x1b[0m", "red"},
		{"reset", "a\x1bcb", "ab"},
		{"charset", "\x1b(0q\x1b(B", "q"},
		{"report request", "x\x1b[6ny", "xy"},
		{"osc52 bel", "a\x1b]52;c;SGk=\x07b", "ab"},
		{"osc52 st", "a\x1b]52;c;SGk=\x1b\\b", "ab"},
		{"osc8 keeps only the text", "\x1b]8;;https://evil/\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"osc title", "\x1b]0;t\x07x\x1b]2;t\x1b\\y", "xy"},
		{"osc ended by c1 st", "a\x1b]0;t\u009cb", "ab"},
		{"osc aborted by can", "a\x1b]0;t\x18b", "ab"},
		{"osc then new escape", "a\x1b]0;t\x1b[31mb", "ab"},
		{"dcs", "a\x1bP+q544e\x1b\\b", "ab"},
		{"apc", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"pm", "a\x1b^pm\x1b\\b", "ab"},
		{"sos", "a\x1bXsos\x1b\\b", "ab"},
		{"unterminated osc eats the rest", "keep\x1b]52;c;AAAA rest", "keep"},
		{"unterminated dcs eats the rest", "keep\x1bPrest", "keep"},
		{"unterminated csi", "keep\x1b[12;", "keep"},
		{"lone esc at end", "x\x1b", "x"},
		{"esc esc", "x\x1b\x1b[2Jy", "xy"},
		{"esc before non-ascii", "x\x1bé", "xé"},
		{"csi aborted by newline", "a\x1b[1\nb", "a\nb"},
		{"c1 csi", "x\u009b2Jy", "xy"},
		{"c1 osc with c1 st", "x\u009d52;c;AAAA\u009cy", "xy"},
		{"c1 osc with bel", "x\u009d0;t\ay", "xy"},
		{"c1 dcs apc pm sos", "a\u0090d\u009cb\u009fa\u009cc\u009ep\u009cd\u0098s\u009ce", "abcde"},
		{"other c1 dropped", "a\u0085b\u0080c\u009cd", "abcd"},
		{"c0 dropped", "a\x00b\x07c\x08d\x7fe", "abcde"},
		{"bidi visible", "a\u202eb\u2066c\u2069\u200fd\u061c", "a⟨RLO⟩b⟨LRI⟩c⟨PDI⟩⟨RLM⟩d⟨ALM⟩"},
		{"invisible removed", "a\u200bb\u2060c\ufeffd\u00ade\u180ef\u2062g", "abcdefg"},
		// Emoji sequences are taken apart (ZWJ, skin tones and emoji
		// presentation dropped): terminals disagree on their width, their
		// parts have one width everywhere (tmux 3.3, wcwidth, graphemes).
		{"zwj family apart", family, "👨👩👧👦"},
		{"zwj rainbow flag apart", rainbow, "🏳🌈"},
		{"zwj profession apart, skin tone dropped", "👩🏽\u200d💻", "👩💻"},
		{"zwj between letters removed", "sky\u200dlark", "skylark"},
		{"zwj dangling after emoji removed", "👨\u200d", "👨"},
		{"zwj before letter removed", "👨\u200dx", "👨x"},
		{"zwnj in persian kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"zwj in devanagari kept", "क्\u200dष", "क्\u200dष"},
		{"zwnj between latin removed", "a\u200cb", "ab"},
		{"tag flag kept", england, england},
		{"tag run without base removed", "x\U000e0067\U000e0062\U000e007f", "x"},
		{"tag run without cancel removed", "🏴\U000e0067\U000e0062y", "🏴y"},
		{"tag smuggling removed", "🏴" + strings.Repeat("\U000e0061", 20) + "\U000e007f", "🏴"},
		{"second tag run removed", england + "\U000e0061\U000e007f", england},
		{"language tag removed", "a\U000e0001b", "ab"},
		{"keycap kept, presentation dropped", "1\ufe0f\u20e3", "1\u20e3"},
		{"vs at start dropped", "\ufe0fa", "a"},
		{"decomposed kept", "e\u0301", "e\u0301"},
		{"leading mark gets a base", "\u0301a", "◌\u0301a"},
		{"mark after newline gets a base", "a\n\u0301", "a\n◌\u0301"},
		{"mark after removed escape", "\x1b[0m\u0301", "◌\u0301"},
		{"zalgo capped", "Z" + strings.Repeat("\u0336", 30), "Z" + strings.Repeat("\u0336", maxMarks)},
		{"marks count resets on base", "a\u0301\u0301b\u0301", "a\u0301\u0301b\u0301"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"invalid run is one replacement", "a\xff\xfe\xfdb", "a\ufffdb"},
		{"surrogate", "a\xed\xa0\x80b", "a\ufffdb"},
		{"literal replacement char kept", "a\ufffdb", "a\ufffdb"},
		{"unicode spaces kept", "a\u00a0b\u3000c", "a\u00a0b\u3000c"},
		{"spaces kept", "  a  b  ", "  a  b  "},
		{"cjk", "日本語", "日本語"},
		{"blank letters kept", "\u3164x", "\u3164x"},
	}
	checkSanitizer(t, "Block", Block, true, tests, nil)
}

func TestLine(t *testing.T) {
	tests := []sanitizerCase{
		{"plain", "hello world", "hello world"},
		{"newlines and tabs", "a\nb\tc", "a b c"},
		{"runs collapse", "a  \n\t \n b", "a b"},
		{"trimmed", "  \n a b \t ", "a b"},
		{"unicode spaces collapse", "a\u00a0\u3000b\u2003c\u2028d", "a b c d"},
		{"crlf", "a\r\nb", "a b"},
		{"cr dropped", "a\rb", "ab"},
		{"escape between spaces", "a \x1b[31m b", "a b"},
		{"invisible between spaces", "a \u200b b", "a b"},
		{"invisible at end", "a \u200b", "a"},
		{"window title", "inbox: \a\x1b]52;c;SGk=\a x", "inbox: x"},
		{"bidi", "\u202e evil", "⟨RLO⟩ evil"},
		{"zwj across space removed", "👨\n\u200d👩", "👨 👩"},
		{"family", "hi " + family, "hi 👨👩👧👦"},
		{"leading mark", " \u0301x", "◌\u0301x"},
		{"mark after space", "a \u0301", "a \u0301"},
		{"zwsp handle", "@skylark\u200bair", "@skylarkair"},
		{"only whitespace", " \t\n ", ""},
		{"empty", "", ""},
	}
	checkSanitizer(t, "Line", Line, false, tests, nil)
}

func TestHandle(t *testing.T) {
	tests := []sanitizerCase{
		{"plain", "@skylark@social.example", "@skylark@social.example"},
		{"zwsp", "@skylark\u200bair", "@skylark⟨ZWSP⟩air"},
		{"word joiner", "@sky\u2060lark", "@sky⟨WJ⟩lark"},
		{"soft hyphen", "Sky\u00adlark", "Sky⟨SHY⟩lark"},
		{"bom", "\ufeffSkylark", "⟨BOM⟩Skylark"},
		{"invisible operator", "a\u2062b", "a⟨U+2062⟩b"},
		{"zwj between latin", "sky\u200dlark", "sky⟨ZWJ⟩lark"},
		{"zwnj between latin", "sky\u200clark", "sky⟨ZWNJ⟩lark"},
		{"bidi override", "Skylark \u202eriA", "Skylark ⟨RLO⟩riA"},
		{"escape becomes replacement", "bob\x1b[8mhidden", "bob\ufffdhidden"},
		{"control becomes replacement", "sky\x00lark\x08", "sky\ufffdlark\ufffd"},
		{"c1 becomes replacement", "sky\u0085lark", "sky\ufffdlark"},
		{"cr becomes space", "Skylark Air\rFake", "Skylark Air Fake"},
		{"newline becomes space", "a\n\nb", "a b"},
		{"vs after letter marked", "@sky\ufe0flark", "@sky⟨VS16⟩lark"},
		{"vs supplement after letter marked", "a\U000e0100", "a⟨VS17⟩"},
		{"emoji presentation after emoji dropped", "❤\ufe0f", "❤"},
		{"leading vs marked", "\ufe0f@skylark", "⟨VS16⟩@skylark"},
		{"second vs marked", "❤\ufe0f\ufe0f", "❤⟨VS16⟩"},
		{"keycap kept, presentation dropped", "1\ufe0f\u20e3", "1\u20e3"},
		{"vs after digit without keycap marked", "1\ufe0fx", "1⟨VS16⟩x"},
		{"ideographic variation kept", "葛\U000e0100", "葛\U000e0100"},
		{"ideographic vs after emoji marked", "😀\U000e0100", "😀⟨VS17⟩"},
		{"text presentation after emoji kept", "❤\ufe0e", "❤\ufe0e"},
		{"family apart", "Anna " + family, "Anna 👨👩👧👦"},
		{"tag flag kept", "Jo " + england, "Jo " + england},
		{"stray tags marked", "bob\U000e0061\U000e0062", "bob⟨TAG⟩"},
		{"hangul filler marked", "\u3164\u3164", "⟨U+3164⟩⟨U+3164⟩"},
		{"braille blank marked", "x\u2800y", "x⟨U+2800⟩y"},
		{"persian zwnj kept", "می\u200cخواهم", "می\u200cخواهم"},
	}
	checkSanitizer(t, "Handle", Handle, false, tests, func(t *testing.T, got string) {
		if l := Line(got); l != got {
			t.Errorf("Line(Handle) = %q, want %q", l, got)
		}
	})
}

// TestHandlesDoNotCollide checks the impersonation case: a handle with a
// hidden character must not display like the real one.
func TestHandlesDoNotCollide(t *testing.T) {
	real := "@skylarkair"
	fakes := []string{
		"@skylark\u200bair", "@skylark\u200cair", "@skylark\u200dair", "@skylark\u2060air",
		"@skylark\ufeffair", "@skylark\u00adair", "@skylark\x1b[0mair", "@skylark\x00air",
		"@skylark\ufe0fair", "@skylark\U000e0061air", "@skylark\u180eair", "@skylark\u2063air",
		"@skylark\u202d\u202cair",
	}
	for _, prefixed := range []string{"\ufe0f", "\u200b", "\u200d", "\U000e0061", "\u0301"} {
		fakes = append(fakes, prefixed+"@skylarkair")
	}
	for _, f := range fakes {
		if got := Handle(f); got == real || Width(got) == Width(real) {
			t.Errorf("Handle(%q) = %q looks like %q", f, got, real)
		}
	}
}

func TestWidth(t *testing.T) {
	testkit.Table(t, "Width", Width, []testkit.Case[string, int]{
		{"ascii", "hello", 5},
		{"empty", "", 0},
		{"cjk is two cells", "日本語", 6},
		{"hangul", "한국어", 6},
		{"emoji", "😀", 2},
		{"zwj family: four emoji, as every terminal draws them", family, 8},
		{"rainbow flag: apart", rainbow, 3},
		{"regional flag", "🇪🇸", 2},
		{"tag flag", england, 2},
		{"skin tone dropped", "👍🏽", 2},
		{"keycap", "1\ufe0f\u20e3", 1},
		{"decomposed e", "e\u0301", 1},
		{"combining marks are zero", "a\u0301\u0302\u0303", 1},
		{"zalgo", "Z" + strings.Repeat("\u0336", 40), 1},
		{"leading mark has a base", "\u0301", 1},
		{"escapes do not count", "\x1b[31mred\x1b[0m", 3},
		{"osc does not count", "\x1b]8;;https://x/\x1b\\ab\x1b]8;;\x1b\\", 2},
		{"invisible do not count", "a\u200bb\ufeffc", 3},
		{"bidi marker counts", "\u202e", 5},
		{"newlines are spaces", "a\nb", 3},
		{"invalid utf8", "\xff", 1},
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "hello", 5, "hello"},
		{"fits wider", "hello", 10, "hello"},
		{"cut", "hello world", 8, "hello w…"},
		{"cut trims the space before the ellipsis", "hello world", 7, "hello…"},
		{"width one", "hello", 1, "…"},
		{"width zero", "hello", 0, ""},
		{"negative width", "hello", -3, ""},
		{"empty", "", 5, ""},
		{"cjk never split", "日本語日本語", 5, "日本…"},
		{"cjk even", "日本語日本語", 6, "日本…"},
		{"emoji family apart", "ab" + family + family, 5, "ab👨…"},
		{"emoji family does not fit", "a" + family + "bc", 3, "a…"},
		{"tag flag never split", england + england, 3, england + "…"},
		{"marks stay with base", "e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"},
		{"marks stay with base when cut", "e\u0301e\u0301e\u0301x", 3, "e\u0301e\u0301…"},
		{"escapes do not count", "\x1b[31mhello\x1b[0m", 5, "hello"},
		{"osc body does not count", "ab\x1b]52;c;AAAAAAAAAAAAAAAA\x07cd", 4, "abcd"},
		{"invisible do not count", "a\u200bb\u200bc\u200bd", 4, "abcd"},
		{"newlines become spaces", "line one\nline two", 10, "line one…"},
		{"bidi marker is measured", "\u202eabc", 5, "⟨RLO…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
			if tt.width > 0 && Width(got) > tt.width {
				t.Errorf("Truncate(%q, %d) = %q is %d cells wide", tt.in, tt.width, got, Width(got))
			}
		})
	}
}

// TestTruncateCorpus truncates every hostile fixture at several widths.
func TestTruncateCorpus(t *testing.T) {
	names, data := corpus(t)
	for _, name := range names {
		in := data[name]
		if got := Truncate(in, Width(in)); got != Line(in) {
			t.Errorf("%s: Truncate(s, Width(s)) = %q, want Line(s) %q", name, got, Line(in))
		}
		for _, w := range []int{1, 2, 3, 5, 8, 13, 40} {
			got := Truncate(in, w)
			if gw := Width(got); gw > w {
				t.Errorf("%s: Truncate(_, %d) = %q is %d cells", name, w, got, gw)
			}
			assertSafe(t, name+" Truncate", got, false)
		}
	}
}

func TestFastPathDoesNotAllocate(t *testing.T) {
	clean := []struct {
		name string
		s    string
		fn   func(string) string
	}{
		{"block ascii", "Hello, my flight SK123 was cancelled.\nPlease help!", Block},
		{"block unicode", "¡Hola! Mi vuelo fue cancelado 😡 日本語 🇪🇸 e\u0301 " + england, Block},
		{"line ascii", "Hello, my flight SK123 was cancelled.", Line},
		{"line unicode", "Zażółć gęślą jaźń 🇪🇸", Line},
		{"handle", "@skylark@social.example", Handle},
		{"handle emoji", "Anna ❤ 🇪🇸 " + england, Handle},
		{"line trailing space is a substring", "trailing space ", Line},
		{"block unterminated escape at end is a substring", "text\x1b]0;title", Block},
	}
	for _, c := range clean {
		t.Run(c.name, func(t *testing.T) {
			out := c.fn(c.s)
			if !strings.HasPrefix(c.s, out) {
				t.Fatalf("output %q is not a prefix of the input", out)
			}
			if n := testing.AllocsPerRun(100, func() { _ = c.fn(c.s) }); n != 0 {
				t.Errorf("%d allocations for clean input", int(n))
			}
		})
	}
}

// sanitizerCase is an input of a sanitizer and what it must give.
type sanitizerCase struct{ name, in, want string }

// checkSanitizer runs fn (named name) on every case: it must give want,
// safe (newlines only where allowNL), and the same again when run on its
// own output; more, unless nil, checks more of each output.
func checkSanitizer(t *testing.T, name string, fn func(string) string, allowNL bool, tests []sanitizerCase, more func(t *testing.T, got string)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fn(tt.in)
			if got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", name, tt.in, got, tt.want)
			}
			assertSafe(t, name, got, allowNL)
			if again := fn(got); again != got {
				t.Errorf("%s not idempotent: %q -> %q", name, got, again)
			}
			if more != nil {
				more(t, got)
			}
		})
	}
}

// checkFuzzOutput asserts the invariants every sanitized string must have.
func checkFuzzOutput(t *testing.T, fn func(string) string, name, in string, allowNL bool) {
	t.Helper()
	out := fn(in)
	assertSafe(t, name, out, allowNL)
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", name, in, out)
	}
	if again := fn(out); again != out {
		t.Fatalf("%s not idempotent on %q: %q -> %q", name, in, out, again)
	}
	if strings.ContainsAny(out, "\u200b\u2060\ufeff\u00ad") {
		t.Fatalf("%s(%q) = %q: invisible format character survived", name, in, out)
	}
	if !allowNL {
		if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
			t.Fatalf("%s(%q) = %q: whitespace not collapsed", name, in, out)
		}
	}
}

func addCorpusSeeds(f *testing.F) {
	names, data := corpus(f)
	for _, name := range names {
		f.Add(data[name])
	}
	f.Add("")
	f.Add("\x1b")
	f.Add("\u0301")
	f.Add("👨\u200d\u200d👩")
}

func FuzzBlock(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzOutput(t, Block, "Block", s, true)
	})
}

func FuzzLine(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzOutput(t, Line, "Line", s, false)
		if w := Width(s); w > 0 && Truncate(s, w) != Line(s) {
			t.Fatalf("Truncate(%q, Width) = %q, want %q", s, Truncate(s, w), Line(s))
		}
		for _, w := range []int{1, 4, 9} {
			if got := Truncate(s, w); Width(got) > w {
				t.Fatalf("Truncate(%q, %d) = %q is %d cells", s, w, got, Width(got))
			}
		}
	})
}

func FuzzHandle(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzOutput(t, Handle, "Handle", s, false)
		if h := Handle(s); Line(h) != h {
			t.Fatalf("Line(Handle(%q)) = %q, want %q", s, Line(h), h)
		}
	})
}

func TestOutgoing(t *testing.T) {
	tests := []sanitizerCase{
		{"plain", "María López", "María López"},
		{"white space collapsed and trimmed", "  Bob\n\n\tSmith \u00a0", "Bob Smith"},
		{"OSC title with its body", "Ev\x1b]0;pwned\x07il", "Evil"},
		{"OSC 8 link with its body, ST-terminated", "a\x1b]8;;https://evil.example\x1b\\b\x1b]8;;\x1b\\c", "abc"},
		{"CSI with its parameters", "red\x1b[31m\x1b[2Jtext", "redtext"},
		{"8-bit C1 as UTF-8: CSI, OSC, DCS", "a\u009b2Jb\u009d0;t\u009cc\u0090qDCS\u009cd", "abcd"},
		{"unterminated OSC runs to the end", "ok\x1b]52;c;SGVsbG8=", "ok"},
		{"bidi override and isolates dropped", "\u202eevil\u2066Admin\u2069", "evilAdmin"},
		{"invisible characters dropped", "sky\u200blark\ufeff\u00ad", "skylark"},
		{"C0 and DEL dropped", "a\x00b\x07c\x7f", "abc"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"emoji sequences kept whole", "Anna " + family + " 👍🏽 ❤️ 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "Anna " + family + " 👍🏽 ❤️ 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"},
		{"marks kept", "Nguyễn Ðức", "Nguyễn Ðức"},
	}
	checkSanitizer(t, "Outgoing", Outgoing, false, tests, nil)
}

func FuzzOutgoing(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzOutput(t, Outgoing, "Outgoing", s, false)
	})
}

func BenchmarkBlock(b *testing.B) {
	clean := strings.Repeat("Hi @skylark, my flight SK123 to Tallinn was cancelled and nobody answers. ", 8)
	unicode := strings.Repeat("¡Hola! Mi vuelo a Kraków fue cancelado 😡 "+family+" 日本語. ", 8)
	dirty := strings.Repeat("Hi \x1b[31m@skylark\x1b[0m\u200b, \x1b]8;;https://evil/\x07link\x1b]8;;\x07 \u202eok\t\r\n", 8)
	for _, c := range []struct{ name, s string }{{"clean", clean}, {"clean-unicode", unicode}, {"dirty", dirty}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				_ = Block(c.s)
			}
		})
	}
}

func TestTabSpaces(t *testing.T) {
	if len(tabSpaces) != TabWidth || strings.Trim(tabSpaces, " ") != "" {
		t.Fatalf("tabSpaces %q does not match TabWidth %d", tabSpaces, TabWidth)
	}
}

// Whatever the terminal: Bubble Tea measures cells by grapheme width when
// the terminal says it clusters graphemes (mode 2027), by wcwidth
// otherwise (tmux 3.3), and lipgloss by grapheme width always. Emoji
// sequences are where they disagree (a ZWJ family: 2 or 8 cells; 👍🏽: 2,
// but tmux draws 4), which pushed box borders out under tmux. After
// sanitizing, both measures agree, so the borders stay put.
func TestEmojiWidthIsTheSameForEveryMeasure(t *testing.T) {
	for _, s := range []string{
		family, rainbow, england, "👩🏽\u200d💻", "👍🏽", "❤\ufe0f", "1\ufe0f\u20e3", "#\ufe0f\u20e3", "🇪🇸", "😀",
		"☺\ufe0f", "✌🏿", "🧑🏾\u200d🤝\u200d🧑🏻", "🏴\u200d☠\ufe0f", "Hola 👋🏽 @acme",
	} {
		for _, fn := range []func(string) string{Block, Line, Handle} {
			out := fn(s)
			if g, wc := ansi.StringWidth(out), ansi.StringWidthWc(out); g != wc {
				t.Errorf("%q → %q: %d cells by graphemes, %d by wcwidth", s, out, g, wc)
			}
		}
	}
}
