package textsafe

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// TabWidth is the tab stop interval Block expands tabs to.
const TabWidth = 4

// tabSpaces is TabWidth spaces.
const tabSpaces = "    "

// maxMarks caps the combining marks (Mn, Me, variation selectors) kept on one
// base character. Real text needs a handful (Vietnamese two, pointed Hebrew
// and Tibetan stacks up to five or six); "Zalgo" text piles on dozens.
const maxMarks = 8

// maxTags caps the tag characters in one emoji tag sequence. Subdivision
// flags need at most six (🏴 g b s c t ⟨cancel⟩); longer runs are used to
// smuggle invisible ASCII.
const maxTags = 8

// dottedCircle is the base a combining mark gets when it has none, so it
// cannot attach to the cell before the field (hark's own border or column).
const dottedCircle = '◌'

type mode uint8

const (
	modeBlock  mode = iota // multi-line display text
	modeLine               // one line, whitespace collapsed
	modeHandle             // one line, every hidden trick made visible
)

// Block returns s made safe to show as multi-line text: newlines are kept,
// tabs are expanded to TabWidth stops, carriage returns are dropped, escape
// sequences (7-bit and UTF-8-encoded C1, terminated or not) are removed with
// their bodies, other control characters are dropped, bidi controls become
// visible markers such as ⟨RLO⟩, invisible format characters are removed
// (ZWJ and tag characters survive inside emoji sequences), invalid UTF-8
// becomes U+FFFD, and a combining mark without a base gets U+25CC (◌).
// \v, \f, U+2028 and U+2029 become newlines.
//
// When s needs no change Block returns it as is, without allocating.
func Block(s string) string { return sanitize(s, modeBlock) }

// Line is Block for one line (queue rows, handles, window title, CLI
// columns): newlines, tabs and every run of whitespace (Unicode spaces
// included) become one ASCII space, and leading and trailing whitespace is
// trimmed.
func Line(s string) string { return sanitize(s, modeLine) }

// Handle is Line for handles and display names, where hidden characters are
// an impersonation tool: instead of vanishing, invisible format characters
// become markers (@skylark⟨ZWSP⟩air), escape sequences and control
// characters become U+FFFD, stray ZWJ/ZWNJ, tag characters and variation
// selectors (outside emoji, keycap and ideographic variation sequences) are
// marked, and so are the blank-looking Hangul fillers and U+2800.
// Line(Handle(s)) == Handle(s).
func Handle(s string) string { return sanitize(s, modeHandle) }

// Width is the number of terminal cells Line(s) occupies, measured the way
// lipgloss measures (charmbracelet/x/ansi, grapheme clusters: CJK and emoji
// two cells, combining marks none).
func Width(s string) int { return ansi.StringWidth(Line(s)) }

// Truncate returns Line(s) cut to at most width cells, ending in "…" when
// something was cut. Grapheme clusters (emoji sequences, letters with their
// marks) are never split, and they are measured exactly as Width measures
// them. A width below one gives "".
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	l := Line(s)
	if ansi.StringWidth(l) <= width {
		return l
	}
	// Line's output holds no escape sequences or controls, so summing the
	// clusters' widths is what ansi.StringWidth computes. (ansi.Truncate
	// measures an ASCII letter followed by a variation selector differently.)
	end, used := 0, 0
	for end < len(l) {
		cluster, cw := ansi.FirstGraphemeCluster(l[end:], ansi.GraphemeWidth)
		if used+cw > width-1 {
			break
		}
		used += cw
		end += len(cluster)
	}
	return strings.TrimRight(l[:end], " ") + "…"
}

// sanitize is behind Block, Line and Handle: one pass, repeated while it
// still changes its own output. Taking something out can bring together
// what the pass decides on by its neighbours (a control between "1\ufe0f"
// and the keycap mark, a dropped joiner between an emoji and its
// selector), and a second call must change nothing (idempotent, as every
// caller and the fuzz targets assume). Text that needed no change, the
// common case, takes the one pass; at most four are made.
func sanitize(s string, m mode) string {
	out := sanitizePass(s, m)
	for range 3 {
		if out == s {
			break
		}
		s, out = out, sanitizePass(out, m)
	}
	return out
}

// sanitizePass is one pass of sanitize.
func sanitizePass(s string, m mode) string {
	if asciiClean(s, m) {
		return s
	}
	w := writer{src: s, m: m, cow: true}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i = w.ascii(i, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			j := i + 1
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if r2 != utf8.RuneError || n != 1 {
					break
				}
				j++
			}
			w.put("\uFFFD", utf8.RuneError)
			i = j
			continue
		}
		i = w.nonASCII(i, r, size)
	}
	return w.result()
}

// asciiClean reports whether s is printable ASCII that m leaves unchanged.
func asciiClean(s string, m mode) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			if c == '\n' && m == modeBlock {
				continue
			}
			return false
		}
		if c == ' ' && m != modeBlock && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			return false
		}
	}
	return true
}

// ascii handles the byte c < 0x80 at s[i] and returns the next offset.
func (w *writer) ascii(i int, c byte) int {
	s := w.src
	switch {
	case c >= 0x21 && c < 0x7f:
		w.keep(i, i+1, rune(c), kindBase)
	case c == ' ':
		if w.m == modeBlock {
			w.keep(i, i+1, ' ', kindBase)
		} else {
			w.space(i, true)
		}
	case c == '\n', c == '\v', c == '\f':
		w.newline(i, c == '\n')
	case c == '\t':
		if w.m == modeBlock {
			w.tab()
		} else {
			w.space(i, false)
		}
	case c == '\r':
		if w.m == modeHandle {
			w.space(i, false)
		}
	case c == 0x1b:
		w.control()
		return skipSequence(s, 0x1b, i+1)
	default: // other C0 controls and DEL
		w.control()
	}
	return i + 1
}

// nonASCII handles the valid rune r (size bytes) at s[i] and returns the
// next offset.
func (w *writer) nonASCII(i int, r rune, size int) int {
	s := w.src
	j := i + size
	switch {
	case r <= 0x9f: // C1 controls, U+0080–U+009F
		w.control()
		return skipSequence(s, r, j)
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		w.newline(i, false)
	case bidiName(r) != "":
		w.marker(bidiName(r))
	case isInvisible(r):
		if w.m == modeHandle {
			w.marker(formatName(r))
		}
	case r == zwnj || r == zwj:
		w.joiner(i, j, r)
	case r >= 0xe0020 && r <= 0xe007f:
		return w.tags(i)
	case r == 0xfe0f && !w.droppedVS && (isEmojiBase(w.before()) || (isKeycapBase(w.before()) && w.keycapFollows(j))):
		// emoji presentation: terminals disagree on its width (❤️ is 1
		// cell in tmux 3.3, 2 by grapheme width): dropped, the character
		// keeps its text width everywhere (a second one is smuggling:
		// variation marks it in a handle)
		w.droppedVS = true
		return j
	case isSkinTone(r) && isEmojiBase(w.before()):
		// an emoji modifier: tmux 3.3 draws it as a swatch 2 cells wide
		// after its base, grapheme width counts the pair as 2: dropped
	case isVS(r):
		w.variation(i, j, r)
	case isMark(r):
		w.mark(i, j, r)
	case isSpace(r):
		if w.m == modeBlock {
			w.keep(i, j, r, kindBase)
		} else {
			w.space(i, false)
		}
	case w.m == modeHandle && isBlankLetter(r):
		w.marker(formatName(r))
	default:
		w.keep(i, j, r, kindBase)
	}
	return j
}

// keycapFollows reports whether the next character this sanitizer keeps
// after src[j:] is the keycap mark U+20E3: what it drops (controls, escape
// sequences, invisible format characters) cannot stand between, or a second
// pass would see "1\ufe0f\u20e3" where the first saw a control (Line must be
// idempotent).
func (w *writer) keycapFollows(j int) bool {
	s := w.src
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			switch {
			case c == 0x1b:
				j = skipEscape(s, j+1)
			case c == 0x7f, c < 0x20 && c != '\n' && c != '\v' && c != '\f' && c != '\t' && (c != '\r' || w.m != modeHandle):
				j++ // dropped
			default:
				return false
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == 0x20e3:
			return true
		case r == utf8.RuneError && n == 1:
			return false
		case r >= 0x80 && r <= 0x9f:
			switch r {
			case 0x9b:
				j = skipCSI(s, j+n)
			case 0x9d:
				j = skipString(s, j+n, true)
			case 0x90, 0x98, 0x9e, 0x9f:
				j = skipString(s, j+n, false)
			default:
				j += n
			}
		case w.m != modeHandle && bidiName(r) == "" && r != zwj && r != zwnj && isInvisible(r):
			j += n
		default:
			return false
		}
	}
	return false
}

type kind uint8

const (
	kindBase kind = iota // a base character: ends a run of marks
	kindMark             // a combining mark or variation selector
	kindJoin             // ZWJ/ZWNJ or a tag sequence: leaves the run alone
)

// writer builds the output copy-on-write: while every byte of the input so
// far has been kept in order, the output is src[:n] and nothing is
// allocated.
type writer struct {
	src string
	m   mode
	cow bool // output is src[:n]
	n   int
	b   strings.Builder

	prev    rune // last rune written; 0 before the first
	marks   int  // combining marks written since the last base
	pending bool // Line/Handle: whitespace seen and not written yet
	pendAt  int  // offset of the first pending whitespace
	pendOne bool // the pending run is exactly one ASCII space
	tabAt   int  // Block: output offset of the last tab stop or line start
	tabCol  int  // Block: display column at tabAt

	droppedVS bool // an emoji presentation selector was just dropped
}

func (w *writer) materialize() {
	w.cow = false
	w.b.Grow(len(w.src) + 16)
	w.b.WriteString(w.src[:w.n])
}

func (w *writer) out() string {
	if w.cow {
		return w.src[:w.n]
	}
	return w.b.String()
}

func (w *writer) result() string { return w.out() }

// raw appends src[i:j] with no bookkeeping.
func (w *writer) raw(i, j int) {
	if w.cow {
		if i == w.n {
			w.n = j
			return
		}
		w.materialize()
	}
	w.b.WriteString(w.src[i:j])
}

// rawPut appends t with no bookkeeping.
func (w *writer) rawPut(t string) {
	if w.cow {
		w.materialize()
	}
	w.b.WriteString(t)
}

// flush writes pending whitespace (Line/Handle) as one space.
func (w *writer) flush() {
	if !w.pending {
		return
	}
	w.pending = false
	if w.pendOne {
		w.raw(w.pendAt, w.pendAt+1)
	} else {
		w.rawPut(" ")
	}
	w.prev, w.marks = ' ', 0
}

func (w *writer) note(r rune, k kind) {
	w.prev = r
	w.droppedVS = false
	switch k {
	case kindBase:
		w.marks = 0
	case kindMark:
		w.marks++
	}
}

// keep writes the input bytes src[i:j], whose last rune is r.
func (w *writer) keep(i, j int, r rune, k kind) {
	w.flush()
	w.raw(i, j)
	w.note(r, k)
}

// put writes t, a base text ending in the rune last.
func (w *writer) put(t string, last rune) {
	w.flush()
	w.rawPut(t)
	w.note(last, kindBase)
}

// before is the rune the next output rune will follow.
func (w *writer) before() rune {
	if w.pending {
		return ' '
	}
	return w.prev
}

// space records whitespace at src[i] in Line/Handle mode.
func (w *writer) space(i int, ascii bool) {
	if w.prev == 0 { // leading whitespace is trimmed
		return
	}
	if w.pending {
		w.pendOne = false
		return
	}
	w.pending, w.pendAt, w.pendOne = true, i, ascii
}

// newline handles a line break at src[i]; lf says it is a plain "\n".
func (w *writer) newline(i int, lf bool) {
	if w.m != modeBlock {
		w.space(i, false)
		return
	}
	if lf {
		w.keep(i, i+1, '\n', kindBase)
	} else {
		w.put("\n", '\n')
	}
	w.tabAt, w.tabCol = len(w.out()), 0
}

// tab expands a tab to the next TabWidth stop (Block).
func (w *writer) tab() {
	o := w.out()
	col := w.tabCol + ansi.StringWidth(o[w.tabAt:])
	n := TabWidth - col%TabWidth
	w.put(tabSpaces[:n], ' ')
	w.tabAt, w.tabCol = len(w.out()), col+n
}

// control handles a removed control character or escape sequence: Handle
// shows U+FFFD, Block and Line drop it.
func (w *writer) control() {
	if w.m == modeHandle {
		w.put("\uFFFD", utf8.RuneError)
	}
}

// marker shows an invisible character as ⟨name⟩.
func (w *writer) marker(name string) {
	w.put("⟨"+name+"⟩", '⟩')
}

// joiner keeps ZWJ/ZWNJ at src[i:j] inside an emoji ZWJ sequence or between
// letters of a script that uses joiners; elsewhere it is an invisible trick.
func (w *writer) joiner(i, j int, r rune) {
	base := w.before()
	next, _ := utf8.DecodeRuneInString(w.src[j:])
	if r == zwj && isEmojiBase(base) && isPictographic(next) {
		// An emoji ZWJ sequence: dropped, its emoji shown one by one.
		// Terminals disagree on the width of the joined glyph (tmux 3.3: 2,
		// wcwidth: the sum), so the renderer and the terminal would not
		// agree where a border goes; apart, every method counts the same.
		return
	}
	ok := (isJoiningScript(base) || isMark(base)) && isJoiningScript(next)
	switch {
	case ok:
		w.keep(i, j, r, kindJoin)
	case w.m == modeHandle:
		w.marker(formatName(r))
	}
}

// tags handles a run of tag characters starting at src[i]: kept when it is
// a complete emoji tag sequence (🏴 + tags + cancel tag) of sane length,
// removed (Handle: marked) otherwise. It returns the offset after the run.
func (w *writer) tags(i int) int {
	s := w.src
	j, count := i, 0
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if r < 0xe0020 || r > 0xe007e {
			break
		}
		j += n
		count++
	}
	complete := false
	if r, n := utf8.DecodeRuneInString(s[j:]); r == 0xe007f {
		j += n
		complete = count > 0 && count <= maxTags
	}
	switch {
	case complete && isPictographic(w.before()):
		w.keep(i, j, 0xe007f, kindJoin)
	case w.m == modeHandle:
		w.marker("TAG")
	}
	return j
}

// variation handles a variation selector at src[i:j].
func (w *writer) variation(i, j int, r rune) {
	base := w.before()
	switch {
	case w.marks >= maxMarks:
		// Zalgo: drop
	case base == 0 || base == '\n':
		// nothing to attach to: drop, or show it in a handle
		if w.m == modeHandle {
			w.marker(formatName(r))
		}
	case w.m != modeHandle:
		w.keep(i, j, r, kindMark)
	default:
		next, _ := utf8.DecodeRuneInString(w.src[j:])
		presentation := r == 0xfe0e || r == 0xfe0f
		legit := !isVS(base) && !w.droppedVS && ((presentation && isEmojiBase(base)) ||
			isIdeograph(base) || (r == 0xfe0f && isKeycapBase(base) && next == 0x20e3))
		if legit {
			w.keep(i, j, r, kindMark)
		} else {
			w.marker(formatName(r))
		}
	}
}

// mark handles a combining mark at src[i:j].
func (w *writer) mark(i, j int, r rune) {
	if w.marks >= maxMarks {
		return
	}
	if base := w.before(); base == 0 || base == '\n' {
		w.put(string(dottedCircle), dottedCircle)
	}
	w.keep(i, j, r, kindMark)
}

// skipSequence returns the offset after the sequence that control r
// (ESC, or a C1 control) starts, its body from s[j]: an escape sequence,
// a control sequence (CSI) or a control string (OSC, DCS, SOS, PM, APC).
// A control that starts none is just itself: j.
func skipSequence(s string, r rune, j int) int {
	switch r {
	case 0x1b:
		return skipEscape(s, j)
	case 0x9b: // CSI
		return skipCSI(s, j)
	case 0x9d: // OSC
		return skipString(s, j, true)
	case 0x90, 0x98, 0x9e, 0x9f: // DCS, SOS, PM, APC
		return skipString(s, j, false)
	}
	return j
}

// skipEscape returns the offset after the escape sequence whose ESC byte
// precedes s[i]. Unterminated sequences run to the end of s. A lone ESC
// (followed by a control, DEL, a non-ASCII byte or nothing) is just the ESC.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		return skipString(s, i+1, true)
	case c == 'P', c == 'X', c == '^', c == '_': // DCS, SOS, PM, APC
		return skipString(s, i+1, false)
	case c >= 0x20 && c <= 0x2f: // intermediates, then a final byte
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
			return j + 1
		}
		return j
	case c >= 0x30 && c <= 0x7e: // ESC c, ESC 7, ESC M, …
		return i + 1
	}
	return i
}

// skipCSI returns the offset after a control sequence whose body starts at
// s[i]: parameter and intermediate bytes, then a final byte. Anything else
// (a control, ESC, a non-ASCII byte) ends it early and is processed anew.
func skipCSI(s string, i int) int {
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return j + 1
		case c >= 0x20 && c <= 0x3f:
		default:
			return j
		}
	}
	return len(s)
}

// skipString returns the offset after a control string (OSC, DCS, SOS, PM,
// APC) whose body starts at s[i]. It ends at ST (ESC \ or U+009C), at BEL
// for OSC, at CAN or SUB, or before an ESC that starts another sequence;
// unterminated, it runs to the end of s.
func skipString(s string, i int, osc bool) int {
	for j := i; j < len(s); j++ {
		switch s[j] {
		case 0x07:
			if osc {
				return j + 1
			}
		case 0x18, 0x1a:
			return j + 1
		case 0x1b:
			if j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
			return j
		case 0xc2:
			if j+1 < len(s) && s[j+1] == 0x9c {
				return j + 2
			}
		}
	}
	return len(s)
}
