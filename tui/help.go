package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// help is the `?` overlay: the bindings of what had the keys when it
// opened, scrollable so that every one stays reachable at 80×24, in two
// columns on a wide terminal.
type help struct {
	*Common
	host  host
	title string
	lines []string
	off   int
	cols  bool // two columns on a wide terminal (the keys: short lines)
	// laid is lines as laidOut last laid them out, for a laidW×laidH screen
	laid         []string
	laidW, laidH int
}

func newHelp(c *Common, h host, lines []string) *help {
	o := newScroll(c, h, "Keys", lines)
	o.cols = true
	return o
}

// newScroll is a scrollable box of lines (the help, the message log, the
// stats).
func newScroll(c *Common, h host, title string, lines []string) *help {
	return &help{Common: c, host: h, title: title, lines: lines}
}

func (o *help) SetWidth(int) {}

func (o *help) Key(k tea.KeyPressMsg) tea.Cmd {
	if act := o.km.Local(scrollKeys, k.String()); act == ActClose {
		o.host.pop()
	} else {
		o.off = scrolled(o.off, act)
	}
	return nil
}

func (o *help) View(w, h int) (string, []string) {
	body := o.laidOut(w, h)
	room := max(h-5, 3)
	if len(body) > room {
		o.off = max(0, min(o.off, len(body)-room+1))
		end := min(len(body), o.off+room-1)
		more := fmt.Sprintf("— %d–%d of %d · j/k scroll · esc close —", o.off+1, end, len(body))
		body = append(body[o.off:end:end], o.sty.Dim.Render(more))
	}
	return o.title, body
}

// laidOut is the help's lines laid out for a w×h screen: wrapped, and in
// two columns on a wide one. The lines of `?` never change, and View runs
// after every message: the layout is kept until the size changes. (The
// other boxes show their lines as they are.)
func (o *help) laidOut(w, h int) []string {
	if !o.cols {
		return o.lines
	}
	if o.laid == nil || o.laidW != w || o.laidH != h {
		if cols := w - 8; cols >= 100 && len(o.lines) > max(h-5, 3) {
			o.laid = twoColumns(wrapHelp(o.lines, cols/2-1), cols)
		} else {
			o.laid = wrapHelp(o.lines, overlayText(w))
		}
		o.laidW, o.laidH = w, h
	}
	return o.laid
}

// wrapHelp breaks the lines wider than w between words, the rest of
// each under the help text, the keys column left blank (helpLine's
// layout), so that no binding's help is cut.
func wrapHelp(lines []string, w int) []string {
	pad := helpIndent
	if w < pad+12 {
		return lines // no room for a help column: drawOverlay cuts them
	}
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= w {
			out = append(out, l)
			continue
		}
		parts := strings.Split(ansi.Wordwrap(l, w, ""), "\n")
		out = append(out, parts[0])
		rest := strings.TrimSpace(strings.Join(parts[1:], " "))
		for _, c := range strings.Split(ansi.Wordwrap(rest, w-pad, ""), "\n") {
			out = append(out, strings.Repeat(" ", pad)+c)
		}
	}
	return out
}

// twoColumns lays the lines out in two columns, the right one starting at
// a binding rather than at the continuation of one (a line that starts in
// the help column).
func twoColumns(lines []string, width int) []string {
	half := (len(lines) + 1) / 2
	cont := strings.Repeat(" ", helpIndent)
	for half < len(lines) && strings.HasPrefix(lines[half], cont) {
		half++
	}
	colW := width / 2
	var out []string
	for i := 0; i < half; i++ {
		l := padTo(fit(lines[i], colW-1), colW)
		if i+half < len(lines) {
			l += lines[i+half]
		}
		out = append(out, l)
	}
	return out
}
