package termimg

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	_ "image/gif" // decoders
	_ "image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Protocol is a terminal graphics protocol ("" = none).
type Protocol string

// Protocols.
const (
	None   Protocol = ""
	Kitty  Protocol = "kitty"
	ITerm2 Protocol = "iterm2"
	Sixel  Protocol = "sixel"
)

// Detect chooses the protocol for mode: "off"; "kitty", "iterm2" or
// "sixel" (forced, also over SSH: the operator knows their terminal); or
// "auto"/"" — from the environment, and none over SSH (the remote shell's
// variables describe a terminal hark cannot see) or inside tmux (which
// drops graphics unless configured to pass them through). probeSixel says
// to ask the terminal's primary device attributes (a reply with 4 means
// sixel), for a terminal the environment does not name.
func Detect(getenv func(string) string, mode string) (p Protocol, probeSixel bool, why string) {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "off", "none", "no", "false":
		return None, false, "image preview is off (media.preview)"
	case "kitty":
		return Kitty, false, "kitty graphics (forced by media.preview)"
	case "iterm2":
		return ITerm2, false, "iTerm2 inline images (forced by media.preview)"
	case "sixel":
		return Sixel, false, "sixel (forced by media.preview)"
	case "", "auto":
	default:
		return None, false, fmt.Sprintf("media.preview %q is not auto, off, kitty, iterm2 or sixel", mode)
	}
	if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" || getenv("SSH_CLIENT") != "" {
		return None, false, "no image preview over SSH (set media.preview to your terminal's protocol to force it)"
	}
	if getenv("TMUX") != "" || strings.HasPrefix(getenv("TERM"), "tmux") || strings.HasPrefix(getenv("TERM"), "screen") {
		return None, false, "no image preview inside tmux or screen (set media.preview to force it)"
	}
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case term == "xterm-kitty" || getenv("KITTY_WINDOW_ID") != "" || term == "xterm-ghostty" || prog == "ghostty" || prog == "WezTerm":
		return Kitty, false, "kitty graphics (" + firstOf(prog, term) + ")"
	case prog == "iTerm.app" || getenv("LC_TERMINAL") == "iTerm2":
		return ITerm2, false, "iTerm2 inline images"
	case term == "dumb" || term == "":
		return None, false, "no image preview on this terminal"
	}
	return None, true, "asking the terminal whether it speaks sixel"
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// HasSixel reads a primary device attributes reply: attribute 4 is sixel.
func HasSixel(attrs []int) bool {
	for i, a := range attrs {
		if i > 0 && a == 4 {
			return true
		}
	}
	return false
}

// MaxBytes bounds a fetched image.
const MaxBytes = 8 << 20

// maxPixels bounds a decoded image (a small file can declare a huge one).
const maxPixels = 40_000_000

// Fetch GETs an http(s) image of at most limit bytes (0: MaxBytes).
func Fetch(ctx context.Context, client *http.Client, rawURL string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = MaxBytes
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not a web link")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/*")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the image: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the image: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("the image is %d bytes, more than the %d a preview fetches", resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetching the image: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the image is more than the %d bytes a preview fetches", limit)
	}
	return b, nil
}

// Decode decodes JPEG, PNG or GIF bytes, refusing an image that declares
// more than 40 million pixels before decoding it.
func Decode(b []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not an image hark can show: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("image of %d×%d pixels is too large to preview", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding the image: %w", err)
	}
	return img, nil
}

// Cell is the pixel size assumed for one terminal cell.
const cellW, cellH = 10, 20

// Fit scales img to fit cols×rows cells (keeping its aspect) and returns
// it with the cells it covers.
func Fit(img image.Image, cols, rows int) (image.Image, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 || cols <= 0 || rows <= 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1)), 1, 1
	}
	maxW, maxH := cols*cellW, rows*cellH
	scale := min(float64(maxW)/float64(w), float64(maxH)/float64(h), 1)
	tw, th := max(int(float64(w)*scale), 1), max(int(float64(h)*scale), 1)
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		sy := b.Min.Y + y*h/th
		for x := range tw {
			out.Set(x, y, img.At(b.Min.X+x*w/tw, sy))
		}
	}
	return out, max((tw+cellW-1)/cellW, 1), max((th+cellH-1)/cellH, 1)
}

func pngBase64(img image.Image) (string, int, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", 0, err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), buf.Len(), nil
}

// Encode renders img for p in cols×rows cells: kitty (a PNG transmitted
// and shown in 4096-byte chunks, image id id), iTerm2 (an inline PNG) or
// sixel. The caller places it (At) and removes it (Clear).
func Encode(p Protocol, img image.Image, cols, rows int, id uint32) (string, error) {
	switch p {
	case Kitty:
		b64, _, err := pngBase64(img)
		if err != nil {
			return "", err
		}
		var sb strings.Builder
		for i := 0; i < len(b64); i += 4096 {
			chunk := b64[i:min(i+4096, len(b64))]
			more := 0
			if i+4096 < len(b64) {
				more = 1
			}
			if i == 0 {
				fmt.Fprintf(&sb, "\x1b_Ga=T,f=100,q=2,i=%d,c=%d,r=%d,C=1,m=%d;%s\x1b\\", id, cols, rows, more, chunk)
			} else {
				fmt.Fprintf(&sb, "\x1b_Gm=%d;%s\x1b\\", more, chunk)
			}
		}
		return sb.String(), nil
	case ITerm2:
		b64, n, err := pngBase64(img)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("\x1b]1337;File=inline=1;size=%d;width=%d;height=%d;preserveAspectRatio=1:%s\a", n, cols, rows, b64), nil
	case Sixel:
		return sixel(img), nil
	}
	return "", errors.New("no image protocol")
}

// At wraps an encoded image to draw it with its top left corner at cell
// (x, y), 0-based, leaving the cursor where it was.
func At(seq string, x, y int) string {
	return fmt.Sprintf("\x1b7\x1b[%d;%dH%s\x1b8", y+1, x+1, seq)
}

// Clear removes a kitty image by id ("" for the other protocols: their
// pixels live in the cells, which the next full repaint overwrites).
func Clear(p Protocol, id uint32) string {
	if p == Kitty {
		return fmt.Sprintf("\x1b_Ga=d,d=I,i=%d,q=2\x1b\\", id)
	}
	return ""
}

// sixel encodes img with the 216-colour web-safe palette.
func sixel(img image.Image) string {
	b := img.Bounds()
	pal := color.Palette(palette.WebSafe)
	pm := image.NewPaletted(image.Rect(0, 0, b.Dx(), b.Dy()), pal)
	draw.FloydSteinberg.Draw(pm, pm.Bounds(), img, b.Min)
	w, h := pm.Bounds().Dx(), pm.Bounds().Dy()
	var sb strings.Builder
	fmt.Fprintf(&sb, "\x1bPq\"1;1;%d;%d", w, h)
	for i, c := range pal {
		r, g, bl, _ := c.RGBA()
		fmt.Fprintf(&sb, "#%d;2;%d;%d;%d", i, r*100/0xffff, g*100/0xffff, bl*100/0xffff)
	}
	row := make([]byte, w)
	for band := 0; band < h; band += 6 {
		used := map[uint8]bool{}
		for y := band; y < min(band+6, h); y++ {
			for x := range w {
				used[pm.ColorIndexAt(x, y)] = true
			}
		}
		first := true
		for ci := range len(pal) {
			if !used[uint8(ci)] {
				continue
			}
			for x := range w {
				var bits byte
				for dy := 0; dy < 6 && band+dy < h; dy++ {
					if pm.ColorIndexAt(x, band+dy) == uint8(ci) {
						bits |= 1 << dy
					}
				}
				row[x] = 63 + bits
			}
			if !first {
				sb.WriteByte('$')
			}
			first = false
			fmt.Fprintf(&sb, "#%d", ci)
			writeRLE(&sb, row)
		}
		sb.WriteByte('-')
	}
	sb.WriteString("\x1b\\")
	return sb.String()
}

func writeRLE(sb *strings.Builder, row []byte) {
	for i := 0; i < len(row); {
		j := i
		for j < len(row) && row[j] == row[i] {
			j++
		}
		if n := j - i; n > 3 {
			fmt.Fprintf(sb, "!%d%c", n, row[i])
		} else {
			for range n {
				sb.WriteByte(row[i])
			}
		}
		i = j
	}
}
