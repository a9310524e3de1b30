// Package pgtest starts a throwaway PostgreSQL server for tests, from the
// distribution's binaries (Debian: /usr/lib/postgresql/<major>/bin; or
// HARK_PG_BIN): one cluster per test binary (initdb into a temporary
// directory, a free port on 127.0.0.1, fsync off unless asked for), one
// database per test, created from a template the caller prepares once (the
// migrations). Running as root (CI), it hands the data directory to the
// postgres user and starts the server with that uid. The server is stopped
// by PID from Stop (call it from TestMain) and killed with the test binary.
//
// Without binaries the tests skip with a message naming HARK_PG_BIN;
// HARK_PG_REQUIRED=1 (set by .ci/run) makes that a failure.
//
// It is imported only by tests. It must not import other hark packages.
package pgtest
