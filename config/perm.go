package config

import (
	"fmt"
	"os"
)

// CheckPermissions returns warnings when the config file at path can be
// read or written by group or others (mode & 0o077). The file names the
// commands hark runs to fetch secrets, so others must not be able to change
// it (or read which vault entries hold them). A missing file gives none.
func CheckPermissions(path string) []string {
	fi, err := os.Stat(expandHome(path))
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	mode := fi.Mode().Perm()
	var out []string
	if mode&0o022 != 0 {
		out = append(out, fmt.Sprintf("config %s is writable by group or others (mode %04o): anyone who can edit it can make hark run commands as you; fix with: chmod 600 %s", path, mode, path))
	}
	if mode&0o044 != 0 {
		out = append(out, fmt.Sprintf("config %s is readable by group or others (mode %04o): fix with: chmod 600 %s", path, mode, path))
	}
	if len(out) == 0 && mode&0o077 != 0 {
		out = append(out, fmt.Sprintf("config %s is accessible by group or others (mode %04o): fix with: chmod 600 %s", path, mode, path))
	}
	return out
}

// CheckWritable refuses a config file that group or others can write
// (mode & 0o022): whoever can edit it can make hark run commands as you
// (cmd: secrets) and send your tokens to a server of theirs. hark stops
// before it resolves any secret; the error names the fix. A missing file
// gives nil.
func CheckWritable(path string) error {
	fi, err := os.Stat(expandHome(path))
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if mode := fi.Mode().Perm(); mode&0o022 != 0 {
		return fmt.Errorf("config %s is writable by group or others (mode %04o): anyone who can edit it can make hark run commands as you, "+
			"so hark will not use it; fix with: chmod 600 %s", path, mode, path)
	}
	return nil
}
