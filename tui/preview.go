package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/termimg"
	"github.com/hark-tui/hark/textsafe"
)

// Image preview: where the terminal can show images (Deps.Images, from
// termimg.Detect; sixel found by asking the terminal's device attributes)
// the image m selects is fetched in a Cmd (bounded: termimg.MaxBytes),
// decoded, scaled to the bottom of the conversation pane and drawn there;
// everywhere else the attachment line and its link are all there is. The
// pane keeps those lines blank while the preview shows. It goes (kitty:
// deleted; the others: the screen is repainted) when the selection, the
// conversation or the size changes, or an overlay opens.

// preview is the conversation pane's image.
type preview struct {
	gen        int
	conv, url  string
	seq        string // the encoded image ("" while loading or none)
	cols, rows int
	drawn      bool
}

// previewMsg is a fetched, encoded image.
type previewMsg struct {
	gen        int
	seq        string
	cols, rows int
	err        error
}

const previewID = 4242 // the kitty image id of the preview

// previewDelay is how long a preview waits for the frame that blanks its
// lines (tests: none).
var previewDelay = 80 * time.Millisecond

// previewArea is where the preview may go: the conversation pane's
// content, at most 12 rows, the lower half (no columns: the pane is not
// shown).
func (m *Model) previewArea() (x, y, cols, rows int) {
	qw, rw := m.panes()
	convH := m.bodyHeight() - m.composerHeight()
	cols, rows = rw-4, min(12, (convH-2)/2)
	return qw + 1, 1 + 1 + (convH - 2) - rows, cols, rows
}

// previewSelected starts the preview of the selected attachment.
func (m *Model) previewSelected() tea.Cmd {
	clear := m.clearPreview()
	md, ok := m.conv.selectedMedia()
	if m.d.Images == termimg.None || !ok || m.tooSmall() || (md.Kind != social.MediaImage && md.Kind != social.MediaGIF) {
		return clear
	}
	u := md.Preview
	if u == "" || !WebLink(u) {
		u = md.URL
	}
	if !WebLink(u) {
		return clear
	}
	_, _, cols, rows := m.previewArea()
	if cols < 8 || rows < 3 {
		return clear
	}
	pv := &m.conv.pv
	pv.gen++
	pv.conv, pv.url = m.conv.openID, u
	gen, proto, fetch := pv.gen, m.d.Images, m.d.FetchMedia
	if fetch == nil {
		return clear
	}
	return tea.Batch(clear, func() tea.Msg {
		ctx, cancel := context.WithTimeout(m.ctx, 20*time.Second)
		defer cancel()
		b, err := fetch(ctx, u)
		if err != nil {
			return previewMsg{gen: gen, err: err}
		}
		img, err := termimg.Decode(b)
		if err != nil {
			return previewMsg{gen: gen, err: err}
		}
		fit, c, r := termimg.Fit(img, cols, rows)
		seq, err := termimg.Encode(proto, fit, c, r, previewID)
		return previewMsg{gen: gen, seq: seq, cols: c, rows: r, err: err}
	})
}

// onPreview draws a fetched image (a stale one is dropped).
func (m *Model) onPreview(msg previewMsg) tea.Cmd {
	pv := &m.conv.pv
	if msg.gen != pv.gen || pv.conv != m.conv.openID {
		return nil
	}
	if msg.err != nil {
		m.flash("No preview: "+textsafe.Line(msg.err.Error())+" (o opens it)", true)
		return nil
	}
	pv.seq, pv.cols, pv.rows = msg.seq, msg.cols, msg.rows
	return m.drawPreview()
}

func (m *Model) drawPreview() tea.Cmd {
	pv := &m.conv.pv
	if pv.seq == "" || len(m.stack) > 0 {
		return nil
	}
	// drawn after the frame that blanks its lines has gone out
	gen := pv.gen
	return after(m.ctx, previewDelay, func(time.Time) tea.Msg { return previewDrawMsg{gen} })
}

// previewDrawMsg draws the preview of generation gen, if still current.
type previewDrawMsg struct{ gen int }

func (m *Model) onPreviewDraw(msg previewDrawMsg) tea.Cmd {
	pv := &m.conv.pv
	if msg.gen != pv.gen || pv.seq == "" || len(m.stack) > 0 {
		return nil
	}
	x, y, _, rows := m.previewArea()
	pv.drawn = true
	return tea.Raw(termimg.At(pv.seq, x, y+rows-pv.rows))
}

// clearPreview removes a drawn preview.
func (m *Model) clearPreview() tea.Cmd {
	pv := &m.conv.pv
	drawn := pv.drawn
	proto := m.d.Images
	*pv = preview{gen: pv.gen + 1}
	if !drawn {
		return nil
	}
	if s := termimg.Clear(proto, previewID); s != "" {
		return tea.Raw(s)
	}
	return tea.ClearScreen
}

// previewRows is how many lines of the conversation pane the preview
// keeps blank.
func (v *conv) previewRows() int {
	if v.pv.seq == "" || v.pv.conv != v.openID {
		return 0
	}
	return v.pv.rows
}

// previewAfter is the root's check after every message: a drawn preview
// goes when what it showed is no longer on screen as it was.
func (m *Model) previewAfter(msg tea.Msg) tea.Cmd {
	pv := &m.conv.pv
	if pv.seq == "" && !pv.drawn {
		return nil
	}
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		return m.clearPreview()
	}
	md, ok := m.conv.selectedMedia()
	if _, rw := m.panes(); rw == 0 { // a narrow screen showing the queue
		return m.clearPreview()
	}
	if len(m.stack) > 0 || pv.conv != m.conv.openID || !ok || (md.Preview != pv.url && md.URL != pv.url) {
		return m.clearPreview()
	}
	return nil
}

// probeSixel asks the terminal for its primary device attributes.
func (m *Model) probeSixel() tea.Cmd {
	if !m.d.ProbeSixel || m.d.Images != termimg.None {
		return nil
	}
	return tea.Raw(ansi.RequestPrimaryDeviceAttributes)
}

// onDeviceAttributes turns sixel preview on when the terminal has it.
func (m *Model) onDeviceAttributes(ev uv.PrimaryDeviceAttributesEvent) {
	if m.d.ProbeSixel && m.d.Images == termimg.None && termimg.HasSixel(ev) {
		m.d.Images = termimg.Sixel
	}
}

// updatePreview handles the preview's messages: a fetched image, the
// moment to draw it, the terminal's answer about sixel.
func (m *Model) updatePreview(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case previewMsg:
		return m.onPreview(msg), true
	case previewDrawMsg:
		return m.onPreviewDraw(msg), true
	case uv.PrimaryDeviceAttributesEvent:
		m.onDeviceAttributes(msg)
		return nil, true
	}
	return nil, false
}
