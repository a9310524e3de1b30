// Package storetest builds large hark stores for benchmarks: n
// conversations as a long-running operator would have them (mostly
// resolved, the newest 500 open). It is imported only by tests.
//
// It must not be imported by non-test code.
package storetest
