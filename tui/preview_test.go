package tui_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
				time.Sleep(200 * time.Millisecond)
				tm.Send(key("ctrl+c"))
				out := tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second))
				raw, _ := readAll(out)
				if fetches.Load() != 0 || bytes.Contains(raw, []byte("\x1b_G")) {
					t.Fatalf("no protocol, but %d fetches / kitty bytes written", fetches.Load())
				}
				return
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte("\x1b_Ga=T,f=100,q=2,i=4242,"))
			}, teatest.WithDuration(5*time.Second))
			if fetches.Load() != 1 {
				t.Fatalf("%d fetches", fetches.Load())
			}
			tm.Send(key("m")) // back to the post: the image goes
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte("\x1b_Ga=d,d=I,i=4242,q=2\x1b\\"))
			}, teatest.WithDuration(5*time.Second))
			tm.Send(key("ctrl+c"))
			tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
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

func newModelWith(t *testing.T, d tui.Deps) *tui.Model {
	t.Helper()
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }
