package testkit

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// SSHKey is a new ed25519 key to log in over SSH with.
func SSHKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SSHShell opens a session on c with a pseudo-terminal of TERM termName,
// w×h cells, whose output and errors go to out, and starts its shell; it
// returns the session and its input. The session closes with the test.
func SSHShell(t testing.TB, c *gossh.Client, termName string, w, h int, out io.Writer) (*gossh.Session, io.WriteCloser) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	if err := sess.RequestPty(termName, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return sess, in
}
