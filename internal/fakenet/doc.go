// Package fakenet runs in-process fakes of the networks hark talks to —
// a Mastodon instance, a Bluesky entryway and PDS, the X API v2 and a few
// RSS/Atom feeds — on loopback httptest servers. They answer with the real
// response shapes recorded in testdata/ (copied from the shared fixtures;
// the one fixture set: the adapters' and crash tests read theirs through
// Fixture and Fixtures too),
// check credentials the way the real servers do (bearer tokens, app
// passwords, OAuth 1.0a signatures), page notifications with the networks'
// own cursor semantics, accept replies, and record every request so tests
// can assert on what reached the wire.
//
// For the adapters' unit tests it has scripted fakes built on Script
// (routes a test answers itself, a failure injected into the nth request,
// every request recorded): MastodonScript, BlueskyScript and XScript
// answer from the same fixtures, and FaultServer switches a network's
// polled endpoint between healthy answers and the faults a server shows
// (rate limits, error bodies, cut connections, huge or broken bodies).
//
// For crash-safety tests it has CrashMastodon (a GoToSocial-like Mastodon
// with latency, answers held back after the post exists and a trickle of
// new mentions) and CrashLayer, the same knobs in front of the Bluesky and
// X fakes.
//
// It owns only the fakes. It must not import any other hark package: it
// stands for the outside world, so sharing code with the adapters would let
// a bug on one side hide the same bug on the other.
package fakenet
