package mastodon

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns a status's sanitized HTML content into plain text:
//   - <p> (and other block elements) are separated by a blank line, <br>
//     becomes a newline;
//   - links keep their visible text; a link whose text is not the URL it
//     points to reads "text (href)";
//   - mentions keep "@user" and hashtags "#tag" (their visible text);
//   - the "invisible" and "ellipsis" spans Mastodon wraps long URLs in are
//     all kept, so the URL reads whole and without "…";
//   - entities are decoded; <img> (custom emoji on some servers) gives its
//     alt text; script and style content is dropped.
//
// It streams tokens (no tree, no recursion), so any input, however deep or
// malformed, is safe. The result is untrusted text: sanitize before display.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	var w textWriter
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script/style
	var link *linkState
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF or a reader error: either way, the input is done
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if link != nil {
				link.text.WriteString(tok.Data)
			} else {
				w.text(tok.Data)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.DataAtom {
			case atom.Script, atom.Style:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Br:
				if link != nil {
					link.text.WriteString("\n")
				} else {
					w.newline()
				}
			case atom.A:
				if link != nil {
					w.text(link.render())
				}
				link = &linkState{href: attr(tok, "href"), class: attr(tok, "class")}
				if tt == html.SelfClosingTagToken {
					w.text(link.render())
					link = nil
				}
			case atom.Img:
				alt := attr(tok, "alt")
				if link != nil {
					link.text.WriteString(alt)
				} else {
					w.text(alt)
				}
			case atom.Li:
				w.lineBreak()
				w.text("- ")
			default:
				if isBlock(tok.DataAtom) {
					if link != nil {
						w.text(link.render())
						link = nil
					}
					w.paragraph()
				}
			}
		case html.EndTagToken:
			switch tok.DataAtom {
			case atom.Script, atom.Style:
				if skip > 0 {
					skip--
				}
			case atom.A:
				if link != nil {
					w.text(link.render())
					link = nil
				}
			case atom.Li:
				w.lineBreak()
			default:
				if isBlock(tok.DataAtom) {
					if link != nil {
						w.text(link.render())
						link = nil
					}
					w.paragraph()
				}
			}
		}
	}
	if link != nil {
		w.text(link.render())
	}
	return strings.TrimSpace(w.b.String())
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Hr:
		return true
	}
	return false
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// textWriter accumulates output and turns block boundaries into at most one
// blank line, written only once more text follows.
type textWriter struct {
	b       strings.Builder
	pending int // newlines owed before the next text: 0, 1 or 2
}

func (w *textWriter) text(s string) {
	if s == "" {
		return
	}
	if w.pending > 0 {
		if strings.TrimSpace(s) == "" {
			return // formatting whitespace between blocks
		}
		if w.b.Len() > 0 {
			have := trailingNewlines(w.b.String())
			for i := have; i < w.pending; i++ {
				w.b.WriteByte('\n')
			}
		}
		w.pending = 0
		s = strings.TrimLeft(s, " \t\r\n")
	}
	w.b.WriteString(s)
}

func (w *textWriter) newline() {
	w.flushPending()
	w.b.WriteByte('\n')
}

func (w *textWriter) flushPending() {
	if w.pending > 0 && w.b.Len() > 0 {
		for i := trailingNewlines(w.b.String()); i < w.pending; i++ {
			w.b.WriteByte('\n')
		}
	}
	w.pending = 0
}

func (w *textWriter) paragraph() { w.pending = 2 }

func (w *textWriter) lineBreak() {
	if w.pending < 1 {
		w.pending = 1
	}
}

func trailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}

// linkState collects the visible text of one <a>.
type linkState struct {
	href, class string
	text        strings.Builder
}

// render decides what a finished link reads as.
func (l *linkState) render() string {
	text := l.text.String()
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return l.href
	case l.href == "", hasClass(l.class, "mention"), hasClass(l.class, "hashtag"),
		strings.HasPrefix(t, "@"), strings.HasPrefix(t, "#"):
		return text
	case sameURL(t, l.href):
		return text
	}
	return text + " (" + l.href + ")"
}

func hasClass(classes, name string) bool {
	for _, c := range strings.Fields(classes) {
		if c == name {
			return true
		}
	}
	return false
}

// sameURL reports whether a link's visible text is its target, allowing
// for a dropped scheme or "www." and a trailing slash.
func sameURL(text, href string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range []string{"https://", "http://"} {
			s = strings.TrimPrefix(s, p)
		}
		s = strings.TrimPrefix(s, "www.")
		return strings.TrimRight(s, "/")
	}
	return norm(text) == norm(href)
}
