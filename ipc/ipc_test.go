package ipc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
)

type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }
func (e exitCode) ExitCode() int { return int(e) }

func TestServeAndAsk(t *testing.T) {
	testkit.NoLeaks(t) // the server ends its goroutines with its context
	state := t.TempDir()
	path := Path(state, filepath.Join(state, "x.db"), "")
	if len(path) > maxPath {
		t.Skipf("temp dir too long for a socket: %s", path)
	}
	// a folder someone made too open is closed before use
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Lstat(path); fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a 0600 socket", fi.Mode())
	}
	if _, err := Listen(path, nil); !errors.Is(err, ErrInUse) {
		t.Fatalf("a second server on a live socket: %v, want ErrInUse", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hung, hanging := make(chan error, 1), make(chan struct{})
	go srv.Serve(ctx, func(ctx context.Context, req Request, stdout, stderr io.Writer) error {
		switch req.Cmd {
		case "echo":
			fmt.Fprintf(stdout, "%q\x1b[31m\xff", req.Args)
			fmt.Fprint(stderr, "warning")
			return nil
		case "fail":
			return errors.New("no such view")
		case "exit":
			return exitCode(3)
		case "panic":
			fmt.Fprint(stdout, "half a line")
			panic("runtime error: index out of range [3] with length 3")
		case "hang":
			close(hanging)
			<-ctx.Done() // ends when the client goes
			hung <- ctx.Err()
			return nil
		}
		return nil
	})

	var out, errb bytes.Buffer
	if err := Do(ctx, path, Request{Cmd: "echo", Args: []string{"--view=all"}}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[\"--view=all\"]\x1b[31m\xff" || errb.String() != "warning" {
		t.Fatalf("stdout %q stderr %q: the exact bytes, each on its stream", out.String(), errb.String())
	}
	var re *RemoteError
	if err := Do(ctx, path, Request{Cmd: "fail"}, io.Discard, io.Discard); !errors.As(err, &re) || re.Msg != "no such view" || re.Code != 1 {
		t.Fatalf("fail: %v", err)
	}
	if err := Do(ctx, path, Request{Cmd: "exit"}, io.Discard, io.Discard); !errors.As(err, &re) || re.Code != 3 || re.Msg != "" {
		t.Fatalf("exit: %v", err)
	}
	// a command that panics fails, and the server goes on (it is an
	// operator's TUI)
	out.Reset()
	if err := Do(ctx, path, Request{Cmd: "panic"}, &out, io.Discard); !errors.As(err, &re) || re.Msg != "internal error in the running hark (panic): its log has the details" || out.String() != "half a line" {
		t.Fatalf("panic: %v, printed %q", err, out.String())
	}
	if err := Do(ctx, path, Request{Cmd: "exit"}, io.Discard, io.Discard); !errors.As(err, &re) || re.Code != 3 {
		t.Fatalf("after a panic: %v", err)
	}
	// a client that gives up ends the request
	cctx, ccancel := context.WithCancel(ctx)
	go func() { <-hanging; ccancel() }() // gives up once the request is being served
	if err := Do(cctx, path, Request{Cmd: "hang"}, io.Discard, io.Discard); err == nil {
		t.Fatal("a cancelled request returned no error")
	}
	select {
	case <-hung:
	case <-time.After(10 * time.Second):
		t.Fatal("the request went on after the client left")
	}

	srv.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left after Close: %v", err)
	}
	if err := Do(ctx, path, Request{Cmd: "echo"}, io.Discard, io.Discard); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("no server: %v, want ErrNotRunning", err)
	}
}

// A socket file whose process died (nobody listens) is not running, and
// the next server replaces it.
func TestStaleSocket(t *testing.T) {
	state := t.TempDir()
	path := Path(state, "", "demo")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close() // the file stays, as after a SIGKILL
	if err := Do(context.Background(), path, Request{Cmd: "x"}, io.Discard, io.Discard); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("stale socket: %v, want ErrNotRunning", err)
	}
	srv, err := Listen(path, nil)
	if err != nil {
		t.Fatalf("replacing a stale socket: %v", err)
	}
	srv.Close()
}
