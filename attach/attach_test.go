package attach_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/internal/testkit"
)

// Check refuses what no network takes with an error that says what is
// wrong in the operator's words (no "stat …: no such file or directory"),
// and takes a real image with its type and size.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	png := testkit.PNG(t, "map.png", 4, 3)
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not an image at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, alt string
		limit           int64
		want            string // in the error; "" = accepted
	}{
		{"an image", png, "Map of the outage", 0, ""},
		{"no alt text", png, "  ", 0, "alt text is required"},
		{"no file given", " ", "x", 0, "no file given"},
		{"missing", filepath.Join(dir, "gone.png"), "x", 0, "gone.png: no such file"},
		{"a folder", dir, "x", 0, "is not a regular file"},
		{"not an image", text, "x", 0, "notes.txt is text/plain; charset=utf-8, not an image"},
		{"too large", png, "x", 10, "the network takes at most 10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := attach.Check(tt.path, tt.alt, tt.limit)
			if tt.want == "" {
				if err != nil || a.MIME != "image/png" || a.Width != 4 || a.Height != 3 || a.Alt != tt.alt {
					t.Fatalf("Check = %+v, %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "stat ") {
				t.Fatalf("Check(%q) error = %v, want %q", tt.path, err, tt.want)
			}
		})
	}
}
