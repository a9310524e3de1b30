// Package langtag reads the BCP 47 language tags networks, feeds and
// canned answers carry ("en-US", "pt_BR", "eng", "und") with
// golang.org/x/text/language: Base is the primary language hark compares
// by, Valid whether a tag names a language at all.
//
// It imports only the standard library and golang.org/x/text.
package langtag
