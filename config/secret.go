package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// SecretTimeout bounds a cmd: secret's command.
const SecretTimeout = 10 * time.Second

// maxSecretOutput bounds what a cmd: secret may print on each stream.
const maxSecretOutput = 1 << 20

const (
	envPrefix = "env:"
	cmdPrefix = "cmd:"
)

var envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsRef reports whether s is a reference ("env:…" or "cmd:…") rather than
// a literal value.
func (s Secret) IsRef() bool {
	return strings.HasPrefix(string(s), envPrefix) || strings.HasPrefix(string(s), cmdPrefix)
}

// String prints the reference ("env:HARK_X_TOKEN", "cmd:pass show hark/x"),
// never a value: a literal secret prints as "(literal secret, hidden)".
func (s Secret) String() string {
	switch {
	case s == "":
		return ""
	case s.IsRef():
		return string(s)
	}
	return "(literal secret, hidden)"
}

// GoString keeps %#v from printing a literal value.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// MarshalText keeps encoders (JSON, YAML, slog) from printing a literal
// value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// check reports whether s is a well-formed reference.
func (s Secret) check() error {
	str := string(s)
	switch {
	case strings.HasPrefix(str, envPrefix):
		name := strings.TrimSpace(strings.TrimPrefix(str, envPrefix))
		if !envVarRE.MatchString(name) {
			return errBadEnvRef
		}
	case strings.HasPrefix(str, cmdPrefix):
		if strings.TrimSpace(strings.TrimPrefix(str, cmdPrefix)) == "" {
			return errEmptyCmd
		}
	default:
		return ErrLiteralSecret
	}
	return nil
}

// ErrLiteralSecret is returned for a secret written into the file as a
// value instead of a reference.
var ErrLiteralSecret = errors.New("literal secret")

var (
	errBadEnvRef = errors.New("bad env reference")
	errEmptyCmd  = errors.New("empty command")
)

// secretAdvice explains a bad reference without ever echoing its value.
// env is the variable name to suggest.
func secretAdvice(field, env string, err error) string {
	switch err {
	case errBadEnvRef:
		return fmt.Sprintf("the env: reference needs a variable name, e.g. %s: env:%s", field, env)
	case errEmptyCmd:
		return fmt.Sprintf("the cmd: reference needs a command, e.g. %s: \"cmd:pass show hark/%s\"", field, field)
	}
	return fmt.Sprintf("looks like a literal secret (value not shown); hark never reads secrets from the config file: "+
		"put it in an environment variable and write %s: env:%s, or fetch it with a command: %s: \"cmd:pass show hark/%s\"",
		field, env, field, field)
}

// Resolve returns the secret's value. env:VAR reads the environment (a
// missing or empty variable is an error naming the variable); cmd:COMMAND
// runs COMMAND with `sh -c` (10 s timeout) and returns its standard output
// without the trailing newline. Errors name the reference, the exit status
// and the first line of the command's stderr, never its stdout.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	return s.resolve(ctx, SecretTimeout, 2*time.Second)
}

func (s Secret) resolve(ctx context.Context, timeout, waitDelay time.Duration) (string, error) {
	if s == "" {
		return "", errors.New("secret is empty: set it to env:VAR or \"cmd:COMMAND\"")
	}
	if err := s.check(); err != nil {
		if errors.Is(err, ErrLiteralSecret) {
			return "", fmt.Errorf("secret is not a reference (value not shown): use env:VAR or \"cmd:COMMAND\": %w", err)
		}
		return "", fmt.Errorf("secret %s: %s", s, secretAdvice("secret", "HARK_SECRET", err))
	}
	str := string(s)
	if name, ok := strings.CutPrefix(str, envPrefix); ok {
		name = strings.TrimSpace(name)
		v, set := os.LookupEnv(name)
		switch {
		case !set:
			return "", fmt.Errorf("secret %s: environment variable %s is not set: export it before starting hark", s, name)
		case v == "":
			return "", fmt.Errorf("secret %s: environment variable %s is empty", s, name)
		}
		return v, nil
	}
	command := strings.TrimSpace(strings.TrimPrefix(str, cmdPrefix))
	return runSecret(ctx, s, command, timeout, waitDelay)
}

func runSecret(ctx context.Context, s Secret, command string, timeout, waitDelay time.Duration) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "sh", "-c", command)
	stdout := &boundedBuffer{max: maxSecretOutput}
	stderr := &boundedBuffer{max: maxSecretOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	if ctx.Err() != nil { // the caller gave up
		return "", fmt.Errorf("secret %s: %w", s, ctx.Err())
	}
	if cctx.Err() != nil {
		return "", fmt.Errorf("secret %s: command did not finish within %s%s: %w", s, timeout, stderrLine(stderr), context.DeadlineExceeded)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("secret %s: command failed (%s)%s", s, ee.ProcessState.String(), stderrLine(stderr))
		}
		return "", fmt.Errorf("secret %s: running the command: %w", s, err)
	}
	if stdout.over {
		return "", fmt.Errorf("secret %s: command printed more than %d bytes", s, maxSecretOutput)
	}
	out := strings.TrimSuffix(stdout.String(), "\n")
	out = strings.TrimSuffix(out, "\r")
	if out == "" {
		return "", fmt.Errorf("secret %s: command printed nothing on stdout%s", s, stderrLine(stderr))
	}
	return out, nil
}

// stderrLine is ": <first non-empty line of stderr>", shortened, or "".
func stderrLine(b *boundedBuffer) string {
	for line := range strings.SplitSeq(b.String(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 200 {
			line = string(r[:200]) + "…"
		}
		return ": " + line
	}
	return ""
}

// boundedBuffer keeps at most max bytes and notes when more arrived; the
// rest is read and dropped, so the command is not blocked on a full pipe.
// It must not embed bytes.Buffer: os/exec copies a command's output with
// io.Copy, which prefers the writer's ReadFrom — a promoted
// bytes.Buffer.ReadFrom read everything, past the cap (issue 16).
type boundedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if len(p) > room {
		b.over = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *boundedBuffer) String() string { return b.buf.String() }

func (b *boundedBuffer) Len() int { return b.buf.Len() }
