package testkit

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// PNG writes a grey w×h PNG image named name into a new temporary folder
// and returns its path.
func PNG(t testing.TB, name string, w, h int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return p
}
