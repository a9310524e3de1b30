// Command fakenet serves the fake Mastodon, Bluesky, X and RSS servers of
// package fakenet on loopback, writes a hark config pointing at them, and
// prints how to run hark against it. It serves until interrupted.
// It imports internal/fakenet only: a tool for trying hark by hand.
//
//	go run ./internal/fakenet/cmd/fakenet [-dir DIR] [-q]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hark-tui/hark/internal/fakenet"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakenet:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "folder for config.yaml, the store and the log (default: a new temporary folder)")
	quiet := flag.Bool("q", false, "do not log requests to stderr")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "hark-fakenet-")
		if err != nil {
			return fmt.Errorf("temporary folder: %w", err)
		}
		*dir = d
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("folder %s: %w", *dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("folder %s: %w", abs, err)
	}
	var log io.Writer = os.Stderr
	if *quiet {
		log = nil
	}
	nets := fakenet.New(fakenet.Options{Log: log})
	defer nets.Close()
	cfg := filepath.Join(abs, "config.yaml")
	if err := os.WriteFile(cfg, []byte(nets.Config(abs)), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", cfg, err)
	}
	fmt.Printf(`fakenet is serving:
  mastodon  %s
  bluesky   %s (entryway), %s (PDS)
  x         %s
  rss       %s

In another shell, from the repository:

%s
  go run . --config %s poll --once
  go run . --config %s doctor
  go run . --config %s

ctrl+c stops the servers.
`, nets.Mastodon.URL, nets.Bluesky.URL, nets.Bluesky.PDSURL, nets.X.URL, nets.RSS.MastodonTag,
		indent(nets.EnvLines()), cfg, cfg, cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}
