package serve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hark-tui/hark/config"
)

// maxKeysFile bounds what is read of an authorized_keys file.
const maxKeysFile = 1 << 20

// loadHostKey reads the server's private host key, or creates an ed25519
// key there (mode 0600, its folder 0700) with the public half next to it
// as path+".pub". An existing key readable by others is refused, as sshd
// does.
func loadHostKey(path string) (signer gossh.Signer, created bool, err error) {
	data, err := readPrivate(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createHostKey(path); err != nil {
			return nil, false, err
		}
		created = true
		data, err = readPrivate(path)
	}
	if err != nil {
		return nil, false, err
	}
	signer, err = gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, created, nil
}

// checkMode refuses a key file (what, at path) that is not a regular file
// or whose mode has a bit of others, which would leave it how ("open to",
// "writable by") other users.
func checkMode(fi fs.FileInfo, what, path string, others fs.FileMode, how string) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s: not a regular file", what, path)
	}
	if perm := fi.Mode().Perm(); perm&others != 0 {
		return fmt.Errorf("%s %s is %s other users (mode %04o): run chmod 600 %s", what, path, how, perm, path)
	}
	return nil
}

func readPrivate(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := checkMode(fi, "host key", path, 0o077, "open to"); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	return data, nil
}

func createHostKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("host key: generate: %w", err)
	}
	blk, err := gossh.MarshalPrivateKey(priv, "hark serve host key")
	if err != nil {
		return fmt.Errorf("host key: encode: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // another hark made it first: use that one
	}
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(blk)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("host key %s: %w", path, err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	// The public half is a convenience (known_hosts); failing to write it
	// does not stop the server.
	_ = os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sp), 0o644)
	return nil
}

// authorizedKeys is the parsed content of an authorized_keys file.
type authorizedKeys struct {
	keys []gossh.PublicKey
	// problems are lines that authorize nobody (not a key, or a key with
	// options hark does not enforce), for the log.
	problems []string
}

// readAuthorizedKeys parses path. The file must not be writable by other
// users (anyone who can write it can let themselves in). A line hark
// cannot parse, or a key with options (from=, command=, restrict, …) that
// hark would not enforce, authorizes nobody and is reported as a problem;
// the other keys still work.
func readAuthorizedKeys(path string) (authorizedKeys, error) {
	var ak authorizedKeys
	f, err := os.Open(path)
	if err != nil {
		return ak, fmt.Errorf("authorized keys: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ak, fmt.Errorf("authorized keys: %w", err)
	}
	if err := checkMode(fi, "authorized keys", path, 0o022, "writable by"); err != nil {
		return ak, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeysFile+1))
	if err != nil {
		return ak, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	if len(data) > maxKeysFile {
		return ak, fmt.Errorf("authorized keys %s: larger than %d bytes", path, maxKeysFile)
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		switch {
		case err != nil:
			ak.problems = append(ak.problems, fmt.Sprintf("%s line %d: not a public key", path, i+1))
		case len(options) > 0:
			ak.problems = append(ak.problems, fmt.Sprintf("%s line %d: key options (%s) are not supported by hark serve; key ignored", path, i+1, strings.Join(optionNames(options), ",")))
		default:
			ak.keys = append(ak.keys, key)
		}
	}
	return ak, nil
}

// optionNames keeps only option names (values such as command="…" may
// hold anything).
func optionNames(opts []string) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		name, _, _ := strings.Cut(o, "=")
		out[i] = name
	}
	return out
}

// has reports whether key is one of the authorized keys.
func (ak authorizedKeys) has(key gossh.PublicKey) bool {
	if key == nil {
		return false
	}
	want := key.Marshal()
	for _, k := range ak.keys {
		if subtle.ConstantTimeCompare(k.Marshal(), want) == 1 {
			return true
		}
	}
	return false
}

// fingerprint is the SHA256 fingerprint ssh-keygen -l prints.
func fingerprint(key gossh.PublicKey) string {
	if key == nil {
		return "none"
	}
	return gossh.FingerprintSHA256(key)
}

// operators maps the configured operators' public keys to them.
type operators struct {
	ops  []config.Operator
	keys []gossh.PublicKey
	idx  []int // keys[i] belongs to ops[idx[i]]
}

// operatorKeys parses the operators' keys (the config's validation has
// explained any problem; here one is an error).
func operatorKeys(ops []config.Operator) (operators, error) {
	out := operators{ops: ops}
	for i, o := range ops {
		for j, line := range o.Keys {
			k, err := config.ParseKey(line)
			if err != nil {
				return out, fmt.Errorf("serve: operators[%d].keys[%d] (%s): %w", i, j, o.Name, err)
			}
			out.keys = append(out.keys, k)
			out.idx = append(out.idx, i)
		}
	}
	return out, nil
}

// lookup finds the operator a key belongs to.
func (o operators) lookup(key gossh.PublicKey) (config.Operator, bool) {
	if key == nil {
		return config.Operator{}, false
	}
	want := key.Marshal()
	for i, k := range o.keys {
		if subtle.ConstantTimeCompare(k.Marshal(), want) == 1 {
			return o.ops[o.idx[i]], true
		}
	}
	return config.Operator{}, false
}
