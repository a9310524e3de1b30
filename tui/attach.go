package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/textsafe"
)

// Attaching an image (ctrl+o in the composer and in a status post): a
// prompt for the file, checked in a Cmd (the UI never reads a file
// itself), then one for its alt text, which is required. An empty file
// name removes the attachments. They go with the next send; the engine
// uploads each once.

// attachFileMsg is a file checked for attaching.
type attachFileMsg struct {
	status bool // for the status post overlay, not the composer
	att    social.Attachment
	err    error
}

// openAttach asks for a file; clear drops the attachments.
func openAttach(c *Common, h host, status bool, n int, clear func()) tea.Cmd {
	hints := []string{"An image file (JPEG, PNG, GIF or WebP): a path, ~/ for your home folder.",
		"Its alt text is asked next. Empty: remove the attached images."}
	if n > 0 {
		hints = append(hints, fmt.Sprintf("%d attached now.", n))
	}
	p := newPrompt(c, h, "Attach an image", "file › ", "", append(hints, ""), func(val string) tea.Cmd {
		if val == "" {
			clear()
			if n > 0 {
				h.flash("Attachments removed", false)
			}
			return nil
		}
		return func() tea.Msg {
			// the alt text comes next: check the file with a placeholder
			a, err := attach.Check(val, "-", 0)
			a.Alt = ""
			return attachFileMsg{status: status, att: a, err: err}
		}
	})
	return p.open()
}

// askAlt is the second step: the alt text of a checked file.
func askAlt(c *Common, h host, a social.Attachment, add func(social.Attachment)) tea.Cmd {
	name := filepath.Base(a.Path)
	dims := ""
	if a.Width > 0 {
		dims = fmt.Sprintf(" %d×%d", a.Width, a.Height)
	}
	p := newPrompt(c, h, "Alt text for "+textsafe.Line(name), "alt › ", "", []string{
		textsafe.Line(a.MIME + dims),
		"Describe the image for people who cannot see it (required).", "",
	}, func(val string) tea.Cmd {
		if strings.TrimSpace(val) == "" {
			h.flash("Not attached: alt text is required (ctrl+o to try again)", true)
			return nil
		}
		a.Alt = val
		add(a)
		h.flash("Attached "+textsafe.Line(name)+" — it goes with the next send", false)
		return nil
	})
	return p.open()
}

// attachedLine names the attachments compactly ("" if none).
func attachedLine(atts []social.Attachment) string {
	if len(atts) == 0 {
		return ""
	}
	var names []string
	for _, a := range atts {
		names = append(names, "📷 "+textsafe.Line(filepath.Base(a.Path)))
	}
	return strings.Join(names, " ")
}
