package termimg

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		mode  string
		want  Protocol
		probe bool
	}{
		{"kitty", map[string]string{"TERM": "xterm-kitty"}, "", Kitty, false},
		{"kitty window", map[string]string{"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "auto", Kitty, false},
		{"wezterm", map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "", Kitty, false},
		{"ghostty", map[string]string{"TERM": "xterm-ghostty"}, "", Kitty, false},
		{"iterm2", map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "", ITerm2, false},
		{"unknown xterm: ask for sixel", map[string]string{"TERM": "xterm-256color"}, "", None, true},
		{"dumb", map[string]string{"TERM": "dumb"}, "", None, false},
		{"kitty over ssh", map[string]string{"TERM": "xterm-kitty", "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}, "", None, false},
		{"iterm2 over ssh", map[string]string{"TERM_PROGRAM": "iTerm.app", "SSH_TTY": "/dev/pts/1"}, "auto", None, false},
		{"in tmux", map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "KITTY_WINDOW_ID": "1"}, "", None, false},
		{"forced over ssh", map[string]string{"SSH_CONNECTION": "x"}, "kitty", Kitty, false},
		{"forced sixel", map[string]string{}, "sixel", Sixel, false},
		{"off", map[string]string{"TERM": "xterm-kitty"}, "off", None, false},
		{"bad mode", map[string]string{"TERM": "xterm-kitty"}, "png", None, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, probe, why := Detect(func(k string) string { return tc.env[k] }, tc.mode)
			if p != tc.want || probe != tc.probe || why == "" {
				t.Fatalf("Detect = %q, probe %v (%s); want %q, probe %v", p, probe, why, tc.want, tc.probe)
			}
		})
	}
	if !HasSixel([]int{62, 4, 22}) || HasSixel([]int{4}) || HasSixel([]int{62, 22}) {
		t.Fatal("HasSixel")
	}
}

func pngBytes(t *testing.T, w, h int, text string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 40), 100, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	b := buf.Bytes()
	if text == "" {
		return b
	}
	// a tEXt chunk after IHDR carrying hostile bytes
	data := append([]byte("Comment\x00"), text...)
	chunk := make([]byte, 8+len(data)+4)
	binary.BigEndian.PutUint32(chunk, uint32(len(data)))
	copy(chunk[4:], "tEXt")
	copy(chunk[8:], data)
	binary.BigEndian.PutUint32(chunk[8+len(data):], crc32.ChecksumIEEE(chunk[4:8+len(data)]))
	ihdrEnd := 8 + 8 + 13 + 4
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}

func TestFetchIsBounded(t *testing.T) {
	img := pngBytes(t, 4, 4, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.png":
			w.Write(img)
		case "/big.png":
			w.Header().Set("Content-Length", "99999999")
			w.Write(img)
		case "/chunked.png":
			w.(http.Flusher).Flush() // no Content-Length
			for range 100 {
				w.Write(bytes.Repeat([]byte{1}, 1000))
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if b, err := Fetch(ctx, srv.Client(), srv.URL+"/ok.png", 0); err != nil || !bytes.Equal(b, img) {
		t.Fatalf("ok: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/big.png", "more than"}, {"/chunked.png", "more than"}, {"/missing.png", "HTTP 404"},
	} {
		if _, err := Fetch(ctx, srv.Client(), srv.URL+tc.path, 50_000); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	for _, u := range []string{"file:///etc/passwd", "javascript:alert(1)", "//host/x.png"} {
		if _, err := Fetch(ctx, srv.Client(), u, 0); err == nil {
			t.Errorf("%s fetched", u)
		}
	}
}

func TestDecodeRefusesHugeImages(t *testing.T) {
	b := pngBytes(t, 2, 2, "")
	// declare 100000×100000 in IHDR (and fix its CRC)
	binary.BigEndian.PutUint32(b[16:], 100000)
	binary.BigEndian.PutUint32(b[20:], 100000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("huge: %v", err)
	}
	if _, err := Decode([]byte("\x1b]52;c;aGk=\a not an image")); err == nil {
		t.Fatal("garbage decoded")
	}
}

var b64 = regexp.MustCompile(`^[A-Za-z0-9+/=]*$`)

// The terminal gets only hark's own encoding of the pixels: hostile bytes
// in the file (a PNG text chunk holding escape sequences) never reach it.
func TestEncodeIsOurOwn(t *testing.T) {
	hostile := "\x1b]52;c;cHduZWQ=\a\x1b[2J\x1bP+q\x1b\\"
	img, err := Decode(pngBytes(t, 300, 200, hostile))
	if err != nil {
		t.Fatal(err)
	}
	fit, cols, rows := Fit(img, 20, 5)
	if cols > 20 || rows > 5 || fit.Bounds().Dx() > 200 || fit.Bounds().Dy() > 100 {
		t.Fatalf("fit %v in %d×%d cells", fit.Bounds(), cols, rows)
	}
	for _, p := range []Protocol{Kitty, ITerm2, Sixel} {
		seq, err := Encode(p, fit, cols, rows, 7)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(seq, "\x1b]52") || strings.Contains(seq, "\x1b[2J") || strings.Contains(seq, "cHduZWQ") {
			t.Fatalf("%s: hostile bytes reached the output", p)
		}
		switch p {
		case Kitty:
			chunks := regexp.MustCompile("\x1b_G([^;]*);([^\x1b]*)\x1b\\\\").FindAllStringSubmatch(seq, -1)
			if len(chunks) < 1 || !strings.HasPrefix(chunks[0][1], "a=T,f=100,q=2,i=7,") || !strings.HasSuffix(chunks[len(chunks)-1][1], "m=0") {
				t.Fatalf("kitty chunks %d: first %q", len(chunks), chunks[0][1])
			}
			var all string
			for _, c := range chunks {
				if len(c[2]) > 4096 || !b64.MatchString(c[2]) {
					t.Fatalf("kitty payload chunk of %d bytes", len(c[2]))
				}
				all += c[2]
			}
			raw, err := base64.StdEncoding.DecodeString(all)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := png.Decode(bytes.NewReader(raw)); err != nil || got.Bounds() != fit.Bounds() {
				t.Fatalf("kitty payload is not the fitted PNG: %v", err)
			}
		case ITerm2:
			if !strings.HasPrefix(seq, "\x1b]1337;File=inline=1;") || !strings.HasSuffix(seq, "\a") {
				t.Fatalf("iterm2 %q…", seq[:40])
			}
		case Sixel:
			if !strings.HasPrefix(seq, "\x1bPq") || !strings.HasSuffix(seq, "\x1b\\") {
				t.Fatal("sixel framing")
			}
			body := seq[3 : len(seq)-2]
			for _, r := range body {
				if r < 0x20 || r > 0x7e {
					t.Fatalf("sixel body holds %q", r)
				}
			}
		}
	}
	if got := At("X", 4, 2); got != "\x1b7\x1b[3;5HX\x1b8" {
		t.Fatalf("At %q", got)
	}
	if Clear(Kitty, 7) != "\x1b_Ga=d,d=I,i=7,q=2\x1b\\" || Clear(Sixel, 7) != "" {
		t.Fatal("Clear")
	}
}

func TestKittyChunks(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	x := uint32(1)
	for i := range img.Pix {
		x = x*1664525 + 1013904223 // noise: the PNG does not compress
		img.Pix[i] = uint8(x >> 24)
	}
	seq, err := Encode(Kitty, img, 20, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	chunks := regexp.MustCompile("\x1b_G([^;]*);([^\x1b]*)\x1b\\\\").FindAllStringSubmatch(seq, -1)
	if len(chunks) < 10 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for i, c := range chunks {
		want := "m=1"
		if i == len(chunks)-1 {
			want = "m=0"
		}
		if i > 0 && c[1] != want || len(c[2]) > 4096 {
			t.Fatalf("chunk %d: %q, %d bytes", i, c[1], len(c[2]))
		}
	}
}
