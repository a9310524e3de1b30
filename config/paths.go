package config

import (
	"os"
	"path/filepath"
	"strings"
)

// AppName is the folder name under the XDG config and state directories.
const AppName = "hark"

// Paths returns the default config file, $XDG_CONFIG_HOME/hark/config.yaml
// (~/.config/hark/config.yaml), and the state directory,
// $XDG_STATE_HOME/hark (~/.local/state/hark). Relative XDG values are
// ignored, as the XDG spec requires.
func Paths() (configFile, stateDir string) {
	configFile = filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), AppName, "config.yaml")
	stateDir = filepath.Join(xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")), AppName)
	return configFile, stateDir
}

func xdgDir(env, fallback string) string {
	if v := os.Getenv(env); v != "" && filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(home(), fallback)
}

func home() string {
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return h
	}
	return "."
}

// expandHome turns a leading "~/" into the home directory.
func expandHome(p string) string {
	if p == "~" {
		return home()
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home(), p[2:])
	}
	return p
}
