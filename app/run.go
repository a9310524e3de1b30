package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
)

// Operator is the engine as the config's agent: the one way the CLI and
// the solo TUI act (reply, resolve, VIP, notes, tags), so the trail
// records who did it. hark serve's sessions act as their operator instead
// (team.Session.Operator).
func (a *App) Operator() *engine.Operator { return a.Engine.As(social.Actor{}) }

// Run runs the engine and, beside it, a user interface on it: the local
// TUI of `hark` or the SSH server of `hark serve` — the one place where the
// two are put together, in this order:
//
//  1. the engine starts;
//  2. ui runs with ctx (it builds its UI there: a tui.New that fails simply
//     returns its error);
//  3. however ui ends — an error, a quit, a panic — the engine is stopped and
//     waited for before Run returns.
//
// So the caller's Close, which releases the store, never runs under a
// running engine. The engine's context is not ctx: it stops after ui is
// done, because a UI that is ending (sessions saving their drafts) may still
// call into it. Run returns ui's error.
func (a *App) Run(ctx context.Context, ui func(ctx context.Context) error) (err error) {
	if a == nil || a.Engine == nil {
		return errors.New("app: no engine to run")
	}
	ectx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Engine.Run(ectx) }()
	defer func() {
		stop()
		if eerr := <-done; eerr != nil && err == nil {
			err = fmt.Errorf("engine: %w", eerr)
		}
	}()
	return ui(ctx)
}
