package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed example.yaml
var example []byte

// Example returns the commented example config (config.example.yaml), the
// file `hark init` writes.
func Example() []byte { return append([]byte(nil), example...) }

// Init writes the example config to path ("" = the XDG default), creating
// its folder (0700) and the file (0600). It refuses to replace an existing
// file unless force is set. It returns the path written.
func Init(path string, force bool) (string, error) {
	if path == "" {
		path, _ = Paths()
	}
	path = expandHome(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return path, fmt.Errorf("config init: creating %s: %w", filepath.Dir(path), err)
	}
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return path, fmt.Errorf("config init: %s already exists: edit it, or run `hark init --force` to replace it with the example", path)
		}
		if err != nil {
			return path, fmt.Errorf("config init: %w", err)
		}
		if _, err := f.Write(example); err != nil {
			f.Close()
			return path, fmt.Errorf("config init: writing %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return path, fmt.Errorf("config init: writing %s: %w", path, err)
		}
		return path, nil
	}
	// force: write a temporary file beside the target and rename it over,
	// so a failure never leaves half a config.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return path, fmt.Errorf("config init: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return path, fmt.Errorf("config init: %w", err)
	}
	if _, err := tmp.Write(example); err != nil {
		tmp.Close()
		return path, fmt.Errorf("config init: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return path, fmt.Errorf("config init: writing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return path, fmt.Errorf("config init: replacing %s: %w", path, err)
	}
	return path, nil
}
