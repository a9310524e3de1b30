package attach

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig knows GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/hark-tui/hark/social"
)

// imageTypes are the formats every network takes.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// Check reads the file at path and returns it as an attachment
// with its type and size, or a clear error. limit is the largest file the
// network takes (0: no limit known).
func Check(path, alt string, limit int64) (social.Attachment, error) {
	alt = strings.TrimSpace(alt)
	if alt == "" {
		return social.Attachment{}, errors.New("alt text is required: describe the image for people who cannot see it")
	}
	if strings.TrimSpace(path) == "" {
		return social.Attachment{}, errors.New("no file given")
	}
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return social.Attachment{}, fmt.Errorf("attachment %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return social.Attachment{}, fmt.Errorf("attachment %s: no such file", abs)
	case errors.Is(err, fs.ErrPermission):
		return social.Attachment{}, fmt.Errorf("attachment %s: not allowed to read it", abs)
	case err != nil:
		return social.Attachment{}, fmt.Errorf("attachment: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return social.Attachment{}, fmt.Errorf("attachment %s is not a regular file", abs)
	}
	if limit > 0 && fi.Size() > limit {
		return social.Attachment{}, fmt.Errorf("attachment %s is %d bytes; the network takes at most %d", filepath.Base(abs), fi.Size(), limit)
	}
	f, err := os.Open(abs)
	if err != nil {
		return social.Attachment{}, fmt.Errorf("attachment: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	mime := http.DetectContentType(head[:n])
	if !imageTypes[mime] {
		return social.Attachment{}, fmt.Errorf("attachment %s is %s, not an image (JPEG, PNG, GIF or WebP)", filepath.Base(abs), mime)
	}
	a := social.Attachment{Path: abs, Alt: alt, MIME: mime}
	if _, err := f.Seek(0, io.SeekStart); err == nil {
		if cfg, _, err := image.DecodeConfig(io.LimitReader(f, 1<<20)); err == nil {
			a.Width, a.Height = cfg.Width, cfg.Height
		}
	}
	return a, nil
}

// Read reads an attachment's file for an upload, bounded by
// limit (0: 64 MiB), checking it is still the image that was queued.
func Read(a social.Attachment, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = 64 << 20
	}
	f, err := os.Open(a.Path)
	if err != nil {
		return nil, &social.Error{Kind: social.Permanent, Msg: "attachment " + filepath.Base(a.Path) + " can no longer be read", Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &social.Error{Kind: social.Permanent, Msg: "reading attachment " + filepath.Base(a.Path), Err: err}
	}
	if int64(len(b)) > limit {
		return nil, &social.Error{Kind: social.Permanent, Msg: fmt.Sprintf("attachment %s grew past %d bytes", filepath.Base(a.Path), limit)}
	}
	if mime := http.DetectContentType(b); a.MIME != "" && mime != a.MIME {
		return nil, &social.Error{Kind: social.Permanent, Msg: fmt.Sprintf("attachment %s changed: now %s", filepath.Base(a.Path), mime)}
	}
	return bytes.Clone(b), nil
}
