package tui_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/termimg"
	"github.com/hark-tui/hark/tui"
)

// m on a photo: where the terminal speaks kitty graphics, the image is
// fetched (once, on demand) and drawn as hark's own kitty sequence; m
// again deletes it. Where it speaks none, nothing is fetched or drawn.
func TestImagePreview(t *testing.T) {
	for _, proto := range []termimg.Protocol{termimg.Kitty, termimg.None} {
		t.Run(firstNonEmpty(string(proto), "none"), func(t *testing.T) {
			a, _ := demoApp(t)
			var fetches atomic.Int32
			d := a.TUIDeps("test", nil)
			d.Mono, d.Bell = true, false
			d.Images = proto
			d.FetchMedia = func(ctx context.Context, u string) ([]byte, error) {
				fetches.Add(1)
				return a.FetchMedia(ctx, u)
			}
			m := newModelWith(t, d)
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
			waitScreen(t, tm, "priority")
			for _, k := range []string{"3", "j", "j", "enter"} {
				tm.Send(key(k))
			}
			waitScreen(t, tm, "Elm Street at 7am")
			tm.Send(key("m"))
			if proto == termimg.None {
				waitScreen(t, tm, "Attachment 1 of 1")
				tm.Send(key("ctrl+c"))
				out := tm.FinalOutput(t, finalWait)
				raw, _ := readAll(out)
				if fetches.Load() != 0 || bytes.Contains(raw, []byte("\x1b_G")) {
					t.Fatalf("no protocol, but %d fetches / kitty bytes written", fetches.Load())
				}
				return
			}
			var drawn []byte
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				drawn = append(drawn, b...)
				return bytes.Contains(drawn, []byte("\x1b_Ga=T,f=100,q=2,i=4242,"))
			}, teatest.WithDuration(15*time.Second))
			if fetches.Load() != 1 {
				t.Fatalf("%d fetches", fetches.Load())
			}
			tm.Send(key("m")) // back to the post: the image goes
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte("\x1b_Ga=d,d=I,i=4242,q=2\x1b\\"))
			}, teatest.WithDuration(15*time.Second))
			tm.Send(key("m")) // and back to the photo
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte("\x1b_Ga=T,f=100,q=2,i=4242,"))
			}, teatest.WithDuration(15*time.Second))
			tm.Send(key("ctrl+c"))
			fm := tm.FinalModel(t, finalWait)
			// the image goes where the conversation pane keeps blank lines
			at := regexp.MustCompile("\x1b7\x1b\\[(\\d+);(\\d+)H\x1b_Ga=T,f=100,q=2,i=4242,c=(\\d+),r=(\\d+)").FindSubmatch(drawn)
			if at == nil {
				t.Fatal("the image is not placed")
			}
			row, col, cols, rows := atoi(at[1]), atoi(at[2]), atoi(at[3]), atoi(at[4])
			lines := strings.Split(ansi.Strip(fm.(*tui.Model).View().Content), "\n")
			// at 120 columns the queue is 50 wide: the conversation's text starts at column 52
			if col != 52 {
				t.Fatalf("the image starts at column %d, not in the conversation pane (52)", col)
			}
			// its last row sits on the pane's bottom border
			if below := ansi.Cut(lines[row-1+rows], col-2, col-1); below != "╰" && below != "┗" {
				t.Fatalf("below the image (row %d): %q, want the conversation pane's bottom corner", row+rows, below)
			}
			for r := row; r < row+rows; r++ {
				if cell := ansi.Cut(lines[r-1], col-1, col-1+cols); strings.TrimSpace(cell) != "" {
					t.Fatalf("the image at row %d, col %d (%d×%d) covers %q", row, col, cols, rows, cell)
				}
				// just inside the conversation pane's left border
				if left := ansi.Cut(lines[r-1], col-2, col-1); left != "│" && left != "┃" {
					t.Fatalf("the image at row %d, col %d is not inside the conversation pane (left of it: %q)", r, col, left)
				}
			}

		})
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }

func atoi(b []byte) int { n, _ := strconv.Atoi(string(b)); return n }

// On a narrow screen the preview is drawn in the conversation, which
// has the whole width, and goes when esc brings the queue back over it.
func TestImagePreviewNarrow(t *testing.T) {
	tui.Instant(t)
	a, _ := demoApp(t)
	d := a.TUIDeps("test", nil)
	d.Mono, d.Bell, d.UndoSend = true, false, 0
	d.Images = termimg.Kitty
	m := newModelWith(t, d)
	m.Start(60, 30)
	m.Press(key("3"), key("j"), key("j"), key("enter"), key("m"))
	written := strings.Join(m.Written, "")
	at := regexp.MustCompile("\x1b7\x1b\\[(\\d+);(\\d+)H\x1b_Ga=T,f=100,q=2,i=4242,c=(\\d+)").FindStringSubmatch(written)
	if at == nil {
		t.Fatalf("no image drawn: %q", written)
	}
	// the conversation's text starts at column 2, inside its border
	if col, cols := atoi([]byte(at[2])), atoi([]byte(at[3])); col != 2 || cols > 56 {
		t.Fatalf("image at column %d, %d columns wide; want column 2, at most 56", col, cols)
	}
	m.Written = nil
	m.Press(key("esc"))
	if s := m.Screen(); strings.Contains(s, "priority") || !strings.Contains(s, "@helen-taylor") {
		t.Fatalf("esc did not bring the queue back:\n%s", m.Screen())
	}
	if got := strings.Join(m.Written, ""); !strings.Contains(got, "\x1b_Ga=d,d=I,i=4242,q=2\x1b\\") {
		t.Fatalf("the image stayed over the queue: written %q", got)
	}
}
