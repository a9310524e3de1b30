// Package social holds hark's domain types: networks, posts, authors,
// conversations, replies and the typed errors that feeds return. It also
// defines the Source and Sender interfaces every network adapter implements.
//
// It has no dependencies beyond the standard library and must not import any
// other hark package.
package social
