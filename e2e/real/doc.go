// Package real runs hark's binary against real servers on loopback:
// GoToSocial (a Mastodon-API server) and Bluesky's own AT Protocol stack
// (PDS, AppView, PLC), started by the scripts in ../shared/peers through
// `make e2e-real`. The tests carry the build tag e2ereal, so `make test`
// (and `go test ./...`) never needs the servers; fakes prove the logic,
// these prove the wire.
//
// Each scenario acts as the customer with the network's own API (a
// mention, an answer, a DM), runs hark (poll --once, reply, poll, the TUI
// under tmux) and reads the customer's view of the thread back from the
// server: exactly one reply, the right parent, mention and facets.
//
// Scenarios that mean the same on both networks are written once against
// the peer interface (peers_test.go) and run as a subtest per server;
// holdProxy (proxy_test.go) stands in front of either server to count the
// calls that create a post or upload an image and to hold one's answer
// while hark is SIGKILLed.
package real
