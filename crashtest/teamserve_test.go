package crashtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/jackc/pgx/v5"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hark-tui/hark/internal/testkit"
)

// sshTerm is an SSH session with a terminal on a `hark serve` process: it
// keeps everything the TUI writes.
type sshTerm struct {
	t    *testing.T
	c    *gossh.Client
	sess *gossh.Session
	in   io.Writer

	mu   sync.Mutex
	out  []byte
	mark int
}

func (s *sshTerm) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.out = append(s.out, p...)
	s.mu.Unlock()
	return len(p), nil
}

// text is what the TUI wrote since the mark, without escape sequences.
func (s *sshTerm) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(string(s.out[s.mark:]))
}

func (s *sshTerm) setMark() {
	s.mu.Lock()
	s.mark = len(s.out)
	s.mu.Unlock()
}

// frameWithout makes the TUI draw its whole screen again (a resize does)
// until a full frame lacks what: the renderer writes only what changed,
// so something gone shows only in a new full frame.
func (s *sshTerm) frameWithout(what string) {
	s.t.Helper()
	w := 140
	testkit.Eventually(s.t, 15*time.Second, "a full frame without "+what, func() bool {
		s.setMark()
		w ^= 1
		if err := s.sess.WindowChange(40, w); err != nil {
			s.t.Fatal(err)
		}
		// until the frame's last line arrives
		testkit.PollEvery(2*time.Second, 10*time.Millisecond, func() bool { return strings.Contains(s.text(), "? help") })
		t := s.text()
		return strings.Contains(t, "? help") && !strings.Contains(t, what)
	})
}

func (s *sshTerm) send(keys string) {
	if _, err := io.WriteString(s.in, keys); err != nil {
		s.t.Fatal(err)
	}
}

func sshOpen(t *testing.T, addr, user string, key gossh.Signer) *sshTerm {
	t.Helper()
	var c *gossh.Client
	testkit.Eventually(t, 30*time.Second, "hark serve on "+addr+" accepting SSH", func() bool {
		var err error
		c, err = gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}) // a loopback test server
		return err == nil
	})
	t.Cleanup(func() { c.Close() })
	st := &sshTerm{t: t, c: c}
	st.sess, st.in = testkit.SSHShell(t, c, "xterm-256color", 140, 40, st)
	return st
}

type teamMember struct {
	initials string
	key      gossh.Signer
}

// addOperators writes operators with their keys into the harness config.
func (h *harness) addOperators(t *testing.T, initials ...string) []teamMember {
	t.Helper()
	var out []teamMember
	var b strings.Builder
	b.WriteString("operators:\n")
	for _, in := range initials {
		k := testkit.SSHKey(t)
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
		fmt.Fprintf(&b, "  - name: Operator %s\n    initials: %s\n    keys: [%q]\n", in, in, line+" "+strings.ToLower(in)+"@test")
		out = append(out, teamMember{in, k})
	}
	f, err := os.OpenFile(h.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	return out
}

// teamRows reads the shared team from the database, as any other process
// sees it: live sessions' operators and the claims' holders by
// conversation.
func teamRows(t *testing.T, conn *pgx.Conn) (online []string, claims map[string]string) {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT convert_from(actor, 'UTF8')::json->>'initials' FROM team_sessions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	online, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	claims = map[string]string{}
	rows, err = conn.Query(ctx, `SELECT conv, convert_from(holder, 'UTF8')::json->>'initials' FROM team_claims`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, h string
		if err := rows.Scan(&c, &h); err != nil {
			t.Fatal(err)
		}
		claims[c] = h
	}
	return online, claims
}

// TestTeamAcrossServeProcesses: two `hark serve` processes on one
// PostgreSQL database, JD connected over SSH to the first and AK to the
// second. JD opening a reply shows "✎JD" on AK's screen without a key
// there (measured over several claims); after kill -9 of JD's process,
// JD's session and claim are gone for everyone else within 20 s (the
// default heartbeat 2 s and session time 10 s; measured).
func TestTeamAcrossServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hark as subprocesses; skipped with -short")
	}
	h := newHarness(t, uint64(time.Now().UnixNano()), 40)
	h.usePG(t)
	ms := h.addOperators(t, "JD", "AK")
	conn, err := pgx.Connect(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	h.fake.Release(6)

	addrA, addrB := freePort(t), freePort(t)
	pa := h.start("serve", "--listen", addrA, "--host-key", filepath.Join(h.dir, "hk-a"))
	pb := h.start("serve", "--listen", addrB, "--host-key", filepath.Join(h.dir, "hk-b"))
	defer func() {
		for _, p := range []*proc{pa, pb} {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}()
	testkit.Eventually(t, 60*time.Second, "the mentions stored", func() bool {
		var n int
		return conn.QueryRow(context.Background(), `SELECT count(*) FROM conversations`).Scan(&n) == nil && n >= 3
	})
	jd := sshOpen(t, addrA, "jd", ms[0].key)
	ak := sshOpen(t, addrB, "ak", ms[1].key)
	testkit.Eventually(t, 30*time.Second, "both operators online in the database", func() bool {
		on, _ := teamRows(t, conn)
		return len(on) == 2
	})
	testkit.Eventually(t, 30*time.Second, "JD's screen shows AK online (presence from the other process)", func() bool {
		return strings.Contains(jd.text(), "2 online")
	})

	// JD opens the composer (r) on the conversation under the cursor; AK's
	// screen, on the other process, marks the row ✎JD by itself
	const rounds = 8
	var lat []time.Duration
	var conv string
	for i := range rounds {
		ak.setMark()
		t0 := time.Now()
		jd.send("r")
		if !testkit.PollEvery(15*time.Second, 5*time.Millisecond, func() bool { return strings.Contains(ak.text(), "✎JD") }) {
			on, claims := teamRows(t, conn)
			t.Fatalf("round %d: no ✎JD on AK's screen in 15 s (online %v, claims %v); JD's screen:\n%s\nAK's:\n%s", i, on, claims, jd.text(), ak.text())
		}
		lat = append(lat, time.Since(t0))
		_, claims := teamRows(t, conn)
		if len(claims) != 1 {
			t.Fatalf("round %d: claims %v", i, claims)
		}
		for c, who := range claims {
			if who != "JD" {
				t.Fatalf("claim held by %q", who)
			}
			conv = c
		}
		if i == rounds-1 {
			break // JD keeps this one
		}
		jd.send("\x1b") // esc: the claim ends
		testkit.Eventually(t, 15*time.Second, "JD's claim released", func() bool {
			_, claims := teamRows(t, conn)
			return len(claims) == 0
		})
		ak.frameWithout("✎JD") // AK's screen follows
	}
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	t.Logf("JD's r on process A to ✎JD on AK's screen on process B, %d claims: p50 %v, max %v", rounds, sorted[rounds/2], sorted[rounds-1])

	// kill -9 of JD's process: everyone else sees JD and the claim go
	if err := pa.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-pa.done
	killed := time.Now()
	testkit.Eventually(t, 20*time.Second, "JD's session and claim gone within 20 s of kill -9", func() bool {
		on, claims := teamRows(t, conn)
		return len(on) == 1 && on[0] == "AK" && claims[conv] == ""
	})
	released := time.Since(killed)
	ak.frameWithout("✎JD")
	t.Logf("kill -9 of JD's hark serve: session and claim gone for the others after %v; AK's screen without ✎JD after %v", released, time.Since(killed))
	pa.done <- nil // for the deferred cleanup
}
