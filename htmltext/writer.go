package htmltext

import (
	"strings"

	"golang.org/x/net/html/atom"
)

// writer accumulates text, merging block breaks into at most one blank
// line, written only once more text follows.
type writer struct {
	verbatim  bool // Options.Verbatim
	b         strings.Builder
	pending   int  // newlines owed before the next text
	space     bool // whitespace seen since the last word (collapsing)
	lineStart bool // nothing but a bullet written on the current line (collapsing)
	link      *link
}

func (w *writer) need(n int) {
	if n > 0 {
		w.endLink() // a block inside a link ends it
	}
	if n > w.pending && (w.verbatim || w.b.Len() > 0) {
		w.pending = n
	}
}

func (w *writer) open(t atom.Atom) {
	switch t {
	case atom.Li:
		w.need(1)
		w.flush()
		w.b.WriteString("- ")
		w.lineStart, w.space = true, false
	case atom.Td, atom.Th:
		w.space = true
	default:
		w.need(breaks(t))
	}
}

func (w *writer) close(t atom.Atom) {
	switch t {
	case atom.Br:
		switch {
		case w.link != nil:
			w.link.text.WriteByte('\n')
		case w.verbatim:
			w.flush()
			w.b.WriteByte('\n')
		case w.b.Len() > 0:
			// Consecutive <br>s each add a line (up to a blank line).
			w.pending++
		}
	case atom.Td, atom.Th:
		w.space = true
	default:
		w.need(breaks(t))
	}
}

// flush writes owed newlines: collapsing, at most a blank line; verbatim,
// counting the newlines already written (a <br> before a block's end).
func (w *writer) flush() {
	if w.pending == 0 {
		return
	}
	if w.b.Len() > 0 {
		if w.verbatim {
			for i := trailingNewlines(w.b.String()); i < w.pending; i++ {
				w.b.WriteByte('\n')
			}
		} else {
			w.b.WriteString(strings.Repeat("\n", min(w.pending, 2)))
			w.lineStart = true
		}
	}
	w.pending, w.space = 0, false
}

func trailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}

// endLink writes the link being collected, as it reads (link.render).
func (w *writer) endLink() {
	if l := w.link; l != nil {
		w.link = nil
		w.text(l.render(), true)
	}
}

func (w *writer) word(s string) {
	w.flush()
	if w.space && w.b.Len() > 0 && !w.lineStart {
		w.b.WriteByte(' ')
	}
	w.b.WriteString(s)
	w.space, w.lineStart = false, false
}

// text writes a text node; raw keeps its whitespace (inside <pre>, or
// text of our own) when collapsing.
func (w *writer) text(s string, raw bool) {
	switch {
	case w.link != nil:
		w.link.text.WriteString(s)
	case w.verbatim:
		if s == "" {
			return
		}
		if w.pending > 0 {
			if strings.TrimSpace(s) == "" {
				return // formatting whitespace between blocks
			}
			w.flush()
			s = strings.TrimLeft(s, " \t\r\n")
		}
		w.b.WriteString(s)
	case raw:
		if s = strings.ReplaceAll(s, "\u00a0", " "); s != "" {
			w.word(s)
		}
	default:
		s = strings.ReplaceAll(s, "\u00a0", " ")
		if s != "" && isSpace(s[0]) {
			w.space = true
		}
		for i, word := range strings.Fields(s) {
			if i > 0 {
				w.space = true
			}
			w.word(word)
		}
		if s != "" && isSpace(s[len(s)-1]) {
			w.space = true
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// String returns the text, trimmed; collapsing, each line without
// trailing spaces.
func (w *writer) String() string {
	if w.verbatim {
		return strings.TrimSpace(w.b.String())
	}
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
