// Package stores opens a store by what the configuration names: a file
// path is bbolt (the default), a postgres:// URL is PostgreSQL. It is the
// one place that knows both backends; callers see only store.Store.
//
// It imports store and store/pg; it must not import engine, tui or app.
package stores
