// Package web is the HTTP plumbing every network adapter shares: a client
// with a timeout and no retries, bounded response bodies, one way to send a
// call to a JSON API and decode its answer (Send, Decode), the lenient
// wire types the adapters decode answers into (Str, Count, Obj, List: a
// field of a surprising type never fails a page), and the mapping of HTTP
// failures onto social's typed errors (auth, rate-limited until T,
// transient, permanent).
//
// It must not import anything from hark but social.
package web
