package rss

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// plainText returns s as plain text: HTML is converted, text without
// markup or entities is kept as it is (trimmed).
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	return htmlToText(s)
}

// maxDepth bounds the element stack so hostile nesting costs linear time.
const maxDepth = 256

type frame struct {
	tag      atom.Atom
	name     string
	skip     bool // drop the contents (script, style, Mastodon's invisible spans)
	ellipsis bool // Mastodon's shortened link: add "…" after the contents
}

// htmlToText turns an HTML fragment into plain text: paragraphs become
// blank lines, <br> and block ends newlines, entities are decoded, scripts,
// styles and hidden parts are dropped, runs of whitespace collapse.
func htmlToText(s string) string {
	w := &textWriter{}
	z := html.NewTokenizer(strings.NewReader(s))
	var stack []frame
	skipping := 0 // frames on the stack with skip set
	pre := 0      // frames on the stack that are <pre>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skipping > 0 {
				continue
			}
			w.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := atom.Lookup(name)
			var class string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "class" {
					class = string(v)
				}
			}
			if skipping == 0 {
				w.open(tag)
			}
			if tt == html.SelfClosingTagToken || void(tag) {
				if skipping == 0 {
					w.close(tag)
				}
				continue
			}
			f := frame{tag: tag, name: string(name), skip: dropped(tag) || hasClass(class, "invisible"), ellipsis: hasClass(class, "ellipsis")}
			if len(stack) >= maxDepth {
				continue
			}
			stack = append(stack, f)
			if f.skip {
				skipping++
			}
			if tag == atom.Pre {
				pre++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			i := len(stack) - 1
			for i >= 0 && stack[i].name != string(name) {
				i--
			}
			if i < 0 {
				// A stray end tag: still honour its line break.
				if skipping == 0 {
					w.close(atom.Lookup(name))
				}
				continue
			}
			for j := len(stack) - 1; j >= i; j-- {
				f := stack[j]
				if f.skip {
					skipping--
				}
				if f.tag == atom.Pre {
					pre--
				}
				if skipping == 0 && !f.skip {
					if f.ellipsis {
						w.text("…", true)
					}
					w.close(f.tag)
				}
			}
			stack = stack[:i]
		}
	}
}

func hasClass(class, c string) bool {
	for _, f := range strings.Fields(class) {
		if f == c {
			return true
		}
	}
	return false
}

func dropped(t atom.Atom) bool {
	switch t {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template,
		atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Select, atom.Textarea:
		return true
	}
	return false
}

func void(t atom.Atom) bool {
	switch t {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// breaks returns the newlines an element needs around it: 2 for a
// paragraph-like block, 1 for a line-like one, 0 for inline elements.
func breaks(t atom.Atom) int {
	switch t {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
		atom.Pre, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Hr, atom.Figure:
		return 2
	case atom.Div, atom.Li, atom.Tr, atom.Dt, atom.Dd, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Aside, atom.Nav, atom.Main, atom.Address, atom.Figcaption, atom.Details,
		atom.Summary, atom.Caption, atom.Form, atom.Fieldset:
		return 1
	}
	return 0
}

// textWriter accumulates text, collapsing whitespace and merging breaks.
type textWriter struct {
	b         strings.Builder
	pending   int  // newlines owed before the next text
	space     bool // whitespace seen since the last word
	lineStart bool // nothing but a bullet written on the current line
}

func (w *textWriter) need(n int) {
	if w.b.Len() > 0 && n > w.pending {
		w.pending = n
	}
}

func (w *textWriter) open(t atom.Atom) {
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

func (w *textWriter) close(t atom.Atom) {
	switch t {
	case atom.Br:
		// Consecutive <br>s each add a line (up to a blank line).
		if w.b.Len() > 0 {
			w.pending++
		}
	case atom.Td, atom.Th:
		w.space = true
	default:
		w.need(breaks(t))
	}
}

// flush writes owed newlines.
func (w *textWriter) flush() {
	if w.pending == 0 {
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteString(strings.Repeat("\n", min(w.pending, 2)))
		w.lineStart = true
	}
	w.pending, w.space = 0, false
}

func (w *textWriter) word(s string) {
	w.flush()
	if w.space && w.b.Len() > 0 && !w.lineStart {
		w.b.WriteByte(' ')
	}
	w.b.WriteString(s)
	w.space, w.lineStart = false, false
}

// text writes a text node; raw keeps whitespace (inside <pre>).
func (w *textWriter) text(s string, raw bool) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if raw {
		if s != "" {
			w.word(s)
		}
		return
	}
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

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// String returns the text with trailing spaces trimmed from each line.
func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
