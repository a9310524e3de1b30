package stores

import (
	"context"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// Options tune Open.
type Options struct {
	ReadOnly bool
	NoSync   bool // bbolt only (tests)
	// Warn hears of a bbolt file that fails its page check (bbolt only).
	Warn func(msg string)
	// Password is the PostgreSQL password, already resolved ("" = libpq's
	// PGPASSWORD or ~/.pgpass, or none).
	Password string
}

// IsPostgres reports whether target names a PostgreSQL database.
func IsPostgres(target string) bool { return pg.IsURL(target) }

// Open opens the store target names.
func Open(ctx context.Context, target string, o Options) (store.Store, error) {
	if pg.IsURL(target) {
		s, err := pg.Open(ctx, target, pg.Options{Password: o.Password, ReadOnly: o.ReadOnly})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return store.Open(target, store.Options{ReadOnly: o.ReadOnly, NoSync: o.NoSync, Warn: o.Warn})
}

// Describe is target without a password, for messages.
func Describe(target string) string {
	if pg.IsURL(target) {
		return pg.Redact(target)
	}
	return target
}
