package ipc

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

// Dir is the socket folder's name under the state directory.
const Dir = "run"

// maxPath is the longest socket path every unix accepts (sun_path is 104
// bytes on the BSDs, 108 on Linux, with a NUL).
const maxPath = 103

// Path is the socket of the process holding store, under stateDir. name
// overrides the name derived from the store's path ("demo" for the demo's
// throw-away store, which has no fixed path).
func Path(stateDir, store, name string) string {
	if name == "" {
		abs, err := filepath.Abs(store)
		if err != nil {
			abs = store
		}
		sum := sha256.Sum256([]byte(abs))
		name = hex.EncodeToString(sum[:6])
	}
	return filepath.Join(stateDir, Dir, name+".sock")
}

// Request is one command: its name and its flags, as on the command line.
type Request struct {
	Cmd  string   `json:"cmd"`
	Args []string `json:"args,omitempty"`
}

// frame is one piece of the answer.
type frame struct {
	Out   []byte `json:"out,omitempty"` // stdout bytes (exact)
	Err   []byte `json:"err,omitempty"` // stderr bytes
	Done  bool   `json:"done,omitempty"`
	Code  int    `json:"code,omitempty"`  // exit status (0 = success)
	Error string `json:"error,omitempty"` // the command's error, if any
}

// Handler runs a request, writing what the command prints to stdout and
// stderr. An error with an ExitCode() int method sets the exit status.
type Handler func(ctx context.Context, req Request, stdout, stderr io.Writer) error

// Server answers requests on the socket.
type Server struct {
	ln   *net.UnixListener
	path string
	ino  uint64
	log  *slog.Logger

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// ErrInUse: another live process serves this socket.
var ErrInUse = errors.New("another hark process serves this socket")

// Listen creates the folder (0700, the user's own), removes a stale socket
// left by a process that died, and listens (0600).
func Listen(path string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(path) > maxPath {
		return nil, fmt.Errorf("socket %s: path longer than %d bytes", path, maxPath)
	}
	if err := privateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("socket %s: %w", path, ErrInUse)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("socket %s: removing a stale one: %w", path, err)
		}
	}
	// the folder is 0700: nobody else can reach the socket in the moment
	// before the chmod below
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false) // Close removes it only if it is still ours
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	s := &Server{ln: ln, path: path, log: log}
	if fi, err := os.Lstat(path); err == nil {
		s.ino = inode(fi)
	}
	return s, nil
}

// privateDir makes dir (and its parents) and insists that it is the
// user's own and closed to everyone else.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("socket folder %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket folder %s: not a folder", dir)
	}
	if uid, ok := owner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("socket folder %s: belongs to uid %d, not to you", dir, uid)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket folder %s: %w", dir, err)
		}
	}
	return nil
}

// Serve answers connections with h until ctx ends or Close. Each
// connection is one request.
func (s *Server) Serve(ctx context.Context, h Handler) {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || ctx.Err() != nil {
				return
			}
			s.log.Warn("ipc: accept", "err", err)
			time.Sleep(50 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		if uid, ok := peerUID(c); ok && uid != os.Getuid() {
			s.log.Warn("ipc: refused a connection of another user", "uid", uid)
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.answer(ctx, c, h)
		}()
	}
}

func (s *Server) answer(ctx context.Context, c *net.UnixConn, h Handler) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var req Request
	line, err := bufio.NewReaderSize(c, 64<<10).ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &req) != nil {
		s.log.Warn("ipc: bad request", "err", err)
		return
	}
	c.SetReadDeadline(time.Time{})
	// the request ends when the client hangs up (ctrl+c on export)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		var b [1]byte
		c.Read(b[:]) // returns at EOF or when c closes
		cancel()
	}()
	w := &frameWriter{enc: json.NewEncoder(c)}
	s.log.Info("ipc: request", "cmd", req.Cmd)
	// frames of up to 32 KiB, not one per Write (an export writes a line
	// at a time)
	out := bufio.NewWriterSize(w.stream(false), 32<<10)
	err = s.run(rctx, h, req, out, w.stream(true))
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	done := frame{Done: true}
	if err != nil {
		done.Code = 1
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			done.Code = ec.ExitCode()
		} else {
			done.Error = err.Error()
		}
	}
	w.write(done)
}

// run runs h for req. A panic in it is the request's, not the process's:
// the hark that answers is an operator's TUI or a team's server, so it is
// logged with its stack and the command is told; the process goes on.
func (s *Server) run(ctx context.Context, h Handler, req Request, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ipc: the command panicked", "cmd", req.Cmd, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("internal error in the running hark (%s): its log has the details", req.Cmd)
		}
	}()
	return h(ctx, req, stdout, stderr)
}

// Close stops listening and removes the socket (if it is still this
// server's: a newer process may have replaced a socket it took for stale).
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.ln.Close()
	if fi, e := os.Lstat(s.path); e == nil && inode(fi) == s.ino {
		os.Remove(s.path)
	}
	s.wg.Wait()
	return err
}

type frameWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error
}

func (w *frameWriter) write(f frame) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.enc.Encode(f)
	}
	return w.err
}

func (w *frameWriter) stream(stderr bool) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		b := append([]byte(nil), p...)
		f := frame{Out: b}
		if stderr {
			f = frame{Err: b}
		}
		if err := w.write(f); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ErrNotRunning: no process serves the socket (none, or a stale file).
var ErrNotRunning = errors.New("no running hark serves this store")

// RemoteError is a command that failed in the serving process.
type RemoteError struct {
	Code int
	Msg  string
}

func (e *RemoteError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Do sends req to the process serving path and copies what it prints to
// stdout and stderr. It returns ErrNotRunning when no process answers
// (the caller then opens the store itself), *RemoteError when the command
// failed there.
func Do(ctx context.Context, path string, req Request, stdout, stderr io.Writer) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return ErrNotRunning
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s is not a socket", path)
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	conn, err := d.DialContext(dctx, "unix", path)
	cancel()
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) {
			return ErrNotRunning // a stale socket of a process that died
		}
		return fmt.Errorf("socket %s: %w", path, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	raw, err := json.Marshal(req)
	if err != nil {
		return err
	}
	// the connection stays open both ways: the server takes its end
	// (EOF) as the client leaving, and stops the command
	if _, err := conn.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(conn, 64<<10))
	for {
		var f frame
		if err := dec.Decode(&f); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("the running hark (socket %s) stopped answering: %w", path, err)
		}
		if len(f.Out) > 0 {
			if _, err := stdout.Write(f.Out); err != nil {
				return err
			}
		}
		if len(f.Err) > 0 {
			if _, err := stderr.Write(f.Err); err != nil {
				return err
			}
		}
		if f.Done {
			if f.Code != 0 || f.Error != "" {
				return &RemoteError{Code: max(f.Code, 1), Msg: f.Error}
			}
			return nil
		}
	}
}
