// Package storetest holds what the tests of every store backend share: the
// contract suite (Run) that bbolt and PostgreSQL both pass, the
// differential property test (Differential) that drives two backends with
// one random sequence of operations and compares them byte for byte, and
// big stores for benchmarks (Big, Fill).
//
// It must not be imported by non-test code.
package storetest
