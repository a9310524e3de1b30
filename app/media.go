package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/termimg"
)

// Image previews: the terminal's protocol (termimg.Detect with the
// config's media.preview) and the fetcher the TUI uses for the image an
// operator selects. The demo's customer photos (demo.hark.invalid) are
// drawn here, so its preview works without a network.

var mediaClient = &http.Client{Timeout: 20 * time.Second}

// ImageProtocol is the protocol of the terminal hark runs in (local TUI).
// remote: an SSH session of hark serve, where only a forced protocol
// applies. probe: ask the terminal whether it has sixel.
func (a *App) ImageProtocol(remote bool) (p termimg.Protocol, probe bool, why string) {
	getenv := os.Getenv
	if remote {
		getenv = func(k string) string {
			if k == "SSH_CONNECTION" {
				return "remote"
			}
			return ""
		}
	}
	return termimg.Detect(getenv, a.Cfg.Media.Preview)
}

// FetchMedia gets an image for a preview, bounded by termimg.MaxBytes.
func (a *App) FetchMedia(ctx context.Context, u string) ([]byte, error) {
	if strings.HasPrefix(u, "https://demo.hark.invalid/media/") {
		return demoPhoto(path.Base(u)), nil
	}
	return termimg.Fetch(ctx, mediaClient, u, termimg.MaxBytes)
}

// demoPhoto draws the demo's customer photos (320×240): Elm Street in
// the dark, a wilted bouquet, a delivery note.
func demoPhoto(name string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := max(y0, 0); y < min(y1, 240); y++ {
			for x := max(x0, 0); x < min(x1, 320); x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	switch {
	case strings.HasPrefix(name, "elm-street"):
		for y := range 240 { // a dawn sky over dark houses
			fill(0, y, 320, y+1, color.RGBA{uint8(20 + y/6), uint8(25 + y/5), uint8(60 + y/4), 255})
		}
		for i, x := range []int{10, 90, 170, 250} {
			h := 70 + 15*(i%2)
			fill(x, 240-h-40, x+60, 200, color.RGBA{15, 15, 20, 255})
			fill(x+20, 240-h-70, x+40, 240-h-40, color.RGBA{15, 15, 20, 255})
		}
		fill(0, 200, 320, 240, color.RGBA{40, 40, 45, 255})
		for t := 0.0; t < 1; t += 0.002 { // the leaning pole
			x, y := 280-int(t*60), 200-int(t*150)
			fill(x, y, x+5, y+2, color.RGBA{90, 70, 50, 255})
		}
	case strings.HasPrefix(name, "wilted"):
		fill(0, 0, 320, 240, color.RGBA{235, 225, 205, 255})
		fill(60, 150, 260, 240, color.RGBA{170, 140, 100, 255}) // the box
		for i := range 7 {
			a := -0.9 + float64(i)*0.3
			for r := 0.0; r < 110; r++ { // drooping stems
				x := 160 + int(r*math.Sin(a)) + int(r*r/200*math.Copysign(1, a))
				y := 160 - int(r*math.Cos(a)*0.8) + int(r*r/150)
				fill(x, y, x+3, y+3, color.RGBA{100, 110, 50, 255})
			}
			cx, cy := 160+int(110*math.Sin(a))+int(60*math.Copysign(1, a)), 160-int(88*math.Cos(a))+80
			fill(cx-12, cy-12, cx+12, cy+12, color.RGBA{110, 60, 40, 255}) // brown roses
		}
	default:
		fill(0, 0, 320, 240, color.RGBA{250, 250, 245, 255})
		for y := 30; y < 220; y += 22 {
			fill(30, y, 30+((y*37)%200)+60, y+6, color.RGBA{60, 60, 70, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// DemoStatusText is the status post Northwind Energy has made when the
// demo starts: the outage story begins with the brand speaking first.
const DemoStatusText = "We know about the power cuts in Riverside and Millbrook. Crews are on site; next update at 11:00. Hospitals and medical-equipment customers: call our priority line."

// SeedDemoStatus posts the demo's status post (once per store: a fixed id)
// and delivers it to the demo feed (in memory), so S lists it, {{.Status}}
// links to it and a customer answers under it a few seconds in. The
// interactive demo calls it (hark, hark --demo); nothing without the demo
// feed.
func (a *App) SeedDemoStatus(ctx context.Context) {
	if !a.Cfg.Demo || a.Demo == nil {
		return
	}
	brand := ""
	for _, b := range a.Cfg.Brands {
		if strings.Contains(b.Name, "Northwind") {
			brand = b.Name
		}
	}
	if brand == "" {
		return
	}
	text, err := a.SignStatus(brand, DemoStatusText)
	if err != nil {
		text = DemoStatusText
	}
	if _, err := a.Engine.PostStatus(ctx, brand, text, engine.StatusOptions{ID: "outage"}); err != nil {
		a.Log.Warn("demo status post", "err", err)
		return
	}
	a.Engine.Deliver(ctx)
}
