// Package fanout is the event fan-out hark's engine and team layer share:
// every subscriber gets its own buffered channel, and a slow one never
// blocks the publisher nor the others. When a subscriber's buffer is full
// its events are dropped and the next one it gets is the resync event the
// hub was made with (read everything again).
//
// It imports only the standard library.
package fanout
