package tui_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/store"
)

// ctrl+o in the composer: a file (checked), then its alt text (required);
// the reply is queued with the image.
func TestAttachImageInComposer(t *testing.T) {
	a, _ := demoApp(t)
	file := filepath.Join(t.TempDir(), "claim-form.png")
	f, _ := os.Create(file)
	png.Encode(f, image.NewGray(image.Rect(0, 0, 8, 6)))
	f.Close()
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notImage, []byte("plain text"), 0o600)

	tm := runModel(t, a, 120, 40, "priority")
	ctrlO := tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl}
	tm.Send(key("enter"))
	tm.Send(key("r"))
	tm.Type("Here is the claim form.")
	// not an image: refused, nothing attached
	tm.Send(ctrlO)
	waitScreen(t, tm, "Attach an image")
	tm.Type(notImage)
	tm.Send(key("enter"))
	waitScreen(t, tm, "not an image")
	// the image: its alt text is asked for next
	pickImage := func() {
		tm.Send(ctrlO)
		tm.Type(file)
		tm.Send(key("enter"))
		waitScreen(t, tm, "Alt text for claim-form.png")
	}
	// an image without alt text: refused
	pickImage()
	tm.Send(key("enter"))
	waitScreen(t, tm, "is required (ctrl+o")
	// an image with alt text
	pickImage()
	tm.Type("The claim form, filled in")
	tm.Send(key("enter"))
	waitScreen(t, tm, "📷 claim-form.png")
	tm.Send(key("ctrl+s"))
	ob := waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool { return len(ob) == 1 })
	atts := ob[0].Reply.Attachments
	if len(atts) != 1 || atts[0].Alt != "The claim form, filled in" || atts[0].MIME != "image/png" || atts[0].Width != 8 {
		t.Fatalf("attachments %+v", atts)
	}
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
}
