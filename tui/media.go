package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// Attachments in the conversation pane: a line per item under its post
// ("🖼️ photo 1200×900 "alt text""); m selects the next one, and o and y
// then open or copy it instead of the post (after the last, m returns to
// the post). Every field comes from the network and goes through textsafe.

// allMedia is the open thread's attachments, in thread order.
func (v *conv) allMedia() []social.Media {
	var out []social.Media
	for _, p := range v.posts {
		out = append(out, p.Media...)
	}
	return out
}

func (v *conv) selectedMedia() (social.Media, bool) {
	if v.mediaSel <= 0 {
		return social.Media{}, false
	}
	all := v.allMedia()
	if v.mediaSel > len(all) {
		return social.Media{}, false
	}
	return all[v.mediaSel-1], true
}

// nextMedia selects the next attachment (none: says so).
func (v *conv) nextMedia() {
	all := v.allMedia()
	if len(all) == 0 {
		v.host.flash("No attachments in this conversation", false)
		return
	}
	v.mediaSel = (v.mediaSel + 1) % (len(all) + 1)
	if v.mediaSel == 0 {
		v.host.flash("o/y: the post's link again", false)
		return
	}
	m := all[v.mediaSel-1]
	v.host.flash(fmt.Sprintf("Attachment %d of %d: %s — o opens, y copies", v.mediaSel, len(all), m.Label()), false)
}

// mediaLines are the attachment lines of one post.
func (v *conv) mediaLines(p store.StoredPost, w int) []string {
	if len(p.Media) == 0 {
		return nil
	}
	first := 1
	for _, q := range v.posts {
		if q.Key() == p.Key() {
			break
		}
		first += len(q.Media)
	}
	var out []string
	for i, m := range p.Media {
		line := m.Icon() + " " + m.Label()
		// (an alt text that is nothing but controls or invisible
		// characters is no alt text, not "")
		if alt := strings.TrimSpace(textsafe.Line(m.Alt)); alt != "" {
			line += " \"" + alt + "\""
		} else if m.Kind == social.MediaImage || m.Kind == social.MediaGIF {
			line += " (no alt text)"
		}
		for _, l := range wrapMedia(line, w) {
			if first+i == v.mediaSel {
				l = v.sty.Selected.Render(plain(l))
			}
			out = append(out, l)
		}
	}
	return out
}

// mediaAltLines is how many lines an attachment's line (and its alt text)
// may take in the conversation: the alt text is what tells the operator
// what the customer shows, so it wraps rather than being cut at the
// pane's edge — up to a point (alt texts run to 1,500 characters).
const mediaAltLines = 4

// wrapMedia wraps an attachment's line to the pane (w columns), indented
// under its post, continuation lines further in, at most mediaAltLines.
func wrapMedia(line string, w int) []string {
	width := max(w-4, 10)
	wrapped := strings.Split(lipgloss.Wrap(line, width, " "), "\n")
	if len(wrapped) > mediaAltLines {
		wrapped = wrapped[:mediaAltLines]
		wrapped[mediaAltLines-1] = strings.TrimSuffix(textsafe.Truncate(wrapped[mediaAltLines-1], width-1), "…") + "…"
	}
	out := make([]string, len(wrapped))
	for i, l := range wrapped {
		indent := "  "
		if i > 0 {
			indent = "    "
			l = strings.TrimLeft(l, " ")
		}
		out[i] = indent + l
	}
	return out
}
