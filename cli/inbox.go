package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/tui"
)

func runTUI(ctx context.Context, f *flags, stderr io.Writer) error {
	a, err := openApp(ctx, f, stderr, app.Options{Kind: "tui"})
	if err != nil {
		return err
	}
	defer a.Close()
	a.SeedDemoStatus(ctx) // the demo's outage story starts with a status post
	defer serveReads(ctx, a)()
	d := a.TUIDeps(Version, openURL)
	// on a store shared by several processes (PostgreSQL), hark on a
	// laptop is a member of the team: its claims and presence are seen by
	// every hark serve on the database, and it sees theirs
	if reg := team.New(a.Engine, team.Options{Idle: a.Cfg.Team.ClaimIdle, Log: a.Log}); reg.Shared() {
		tctx, tcancel := context.WithCancel(ctx)
		tdone := make(chan struct{})
		go func() { defer close(tdone); reg.Run(tctx) }()
		defer func() { tcancel(); <-tdone }()
		ts := reg.Join(ctx, a.Cfg.Agent.Actor(), nil)
		defer ts.Close()
		d.Team = ts
	}
	d.Tmux = os.Getenv("TMUX") != "" || strings.HasPrefix(os.Getenv("TERM"), "tmux")
	d.Images, d.ProbeSixel, _ = a.ImageProtocol(false)
	// the engine runs while the TUI does, and stops before a.Close
	// releases the store, also when the TUI cannot start (app.Run)
	return a.Run(ctx, func(ctx context.Context) error {
		m, err := tui.New(d)
		if err != nil {
			return err
		}
		if err := needTerminal(); err != nil {
			m.Close()
			return err
		}
		if err := tui.Run(ctx, m); !errors.Is(err, tui.ErrHangup) {
			return err
		}
		a.Log.Info("the terminal hung up: hark quit (drafts kept)")
		return nil
	})
}

// needTerminal says why the inbox cannot be drawn here, if it cannot:
// standard output must be a terminal (nothing is drawn into a pipe or a
// file), and keys come from standard input or, when that is redirected,
// from the controlling terminal, as Bubble Tea reads them.
func needTerminal() error {
	const others = "for scripts: hark queue, hark search, hark reply, hark poll --once; for a server: hark engine or hark serve"
	if !term.IsTerminal(os.Stdout.Fd()) {
		return fmt.Errorf("the inbox needs a terminal, and standard output is not one (%s)", others)
	}
	if !term.IsTerminal(os.Stdin.Fd()) && runtime.GOOS != "windows" {
		tty, err := os.Open("/dev/tty")
		if err != nil {
			return fmt.Errorf("the inbox needs a terminal to read keys from: standard input is not one and there is no controlling terminal (%s)", others)
		}
		tty.Close()
	}
	return nil
}

// openURL opens a link with the desktop's opener; over SSH (no display)
// it fails and the TUI shows the link instead.
func openURL(u string) error {
	if !tui.WebLink(u) { // the TUI checks too: only web links reach the opener
		return fmt.Errorf("not a web link")
	}
	if os.Getenv("SSH_CONNECTION") != "" {
		return fmt.Errorf("remote session")
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return fmt.Errorf("no display")
		}
		cmd = exec.Command("xdg-open", u)
	}
	return cmd.Start()
}
