package htmltext

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options say how HTML reads as text where networks differ.
type Options struct {
	// Verbatim keeps text nodes as they are (a Mastodon status: its
	// whitespace is the author's; only whitespace between blocks goes).
	// Otherwise runs of whitespace collapse to one space as a browser
	// shows them, <pre> keeps its own, and lines lose trailing spaces.
	Verbatim bool
	// Links writes a link whose visible text is not its target as
	// "text (href)" (an empty one as its href; mentions and hashtags keep
	// their text) and reads Mastodon's shortened URLs (spans of class
	// invisible and ellipsis) whole. Otherwise a link is its text, the
	// invisible parts are dropped and a shortened one ends in "…".
	Links bool
	// Alt writes an image as its alt text (custom emoji on some
	// servers); otherwise images are dropped.
	Alt bool
}

// Status reads a Mastodon (GoToSocial, Pleroma) status's content; Feed
// reads an RSS/Atom/JSON Feed entry's title or body.
var (
	Status = Options{Verbatim: true, Links: true, Alt: true}
	Feed   = Options{}
)

// maxDepth bounds the element stack so hostile nesting costs linear time.
const maxDepth = 256

type frame struct {
	tag      atom.Atom
	name     string
	skip     bool // drop the contents (script, style, hidden parts)
	ellipsis bool // a shortened link's visible part: "…" after it
	link     *link
}

// Text returns s as plain text. Text without markup or entities is kept
// as it is, trimmed.
func Text(s string, o Options) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	w := &writer{verbatim: o.Verbatim}
	z := html.NewTokenizer(strings.NewReader(s))
	var stack []frame
	skipping := 0 // frames on the stack with skip set
	pre := 0      // frames on the stack that are <pre>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // io.EOF or a reader error: either way, the input is done
			w.endLink()
			return w.String()
		case html.TextToken:
			if skipping == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := atom.Lookup(name)
			var class, href, alt string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "class":
					class = string(v)
				case "href":
					href = string(v)
				case "alt":
					alt = string(v)
				}
			}
			var l *link
			if skipping == 0 {
				switch {
				case tag == atom.A && o.Links:
					w.endLink() // an <a> inside an <a> ends the first
					l = &link{href: href, class: class}
					w.link = l
				case tag == atom.Img && o.Alt:
					w.text(alt, true)
				default:
					w.open(tag)
				}
			}
			if tt == html.SelfClosingTagToken || void(tag) {
				if skipping == 0 {
					if l != nil {
						w.endLink()
					} else {
						w.close(tag)
					}
				}
				continue
			}
			hidden := !o.Links && hasClass(class, "invisible")
			f := frame{tag: tag, name: string(name), skip: dropped(tag) || hidden, ellipsis: !o.Links && hasClass(class, "ellipsis"), link: l}
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
					if f.link != nil {
						if w.link == f.link {
							w.endLink()
						}
						continue
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

// link collects the visible text of one <a> (Options.Links).
type link struct {
	href, class string
	text        strings.Builder
}

// render decides what a finished link reads as.
func (l *link) render() string {
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
