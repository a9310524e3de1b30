// Package textsafe is hark's one sanitizer at the render boundary: every
// piece of untrusted text (post bodies, handles, display names, feed titles)
// passes through Block, Line or Handle before it reaches a terminal — TUI
// cells, CLI output, the window title and notifications alike. It follows
// reference/charm-v2.md §4.4:
//
//   - escape sequences (7-bit ESC and 8-bit C1: CSI, OSC incl. OSC 8 and
//     OSC 52, DCS, APC, PM, SOS, terminated or not) are removed with their
//     bodies; every other C0, DEL and C1 control is dropped;
//   - bidi controls are shown as visible markers such as ⟨RLO⟩ (never
//     removed silently, never passed through), so a Trojan-Source post shows
//     what it is doing and cannot reorder hark's own columns;
//   - invisible format characters (ZWSP, word joiner, BOM, soft hyphen, …)
//     are removed by Block and Line and shown as markers by Handle; emoji
//     tag characters survive inside emoji sequences;
//   - emoji sequences are taken apart for display: the ZWJ between emoji,
//     skin-tone modifiers and the emoji presentation selector (U+FE0F) are
//     dropped. Terminals disagree on the width of the joined glyphs (tmux
//     3.3 draws 👍🏽 in 4 cells and ❤️ in 1, Bubble Tea measures by wcwidth
//     unless the terminal clusters graphemes, lipgloss by graphemes); the
//     parts have one width for all of them, so borders stay put;
//   - invalid UTF-8 becomes U+FFFD; runs of combining marks are capped.
//
// Width and Truncate measure the sanitized text, in terminal cells, with the
// same function lipgloss uses (charmbracelet/x/ansi), so truncation cannot be
// fooled by invisible bytes.
//
// EscapeJSON makes JSON text terminal-safe without changing its data (every
// control, bidi and invisible character as a \u escape), for exports and
// --json; Scan checks output byte by byte (tests of every CLI format).
//
// Outgoing is the one cleaning that is not for display: a customer's name
// or handle going back out inside a reply (canned answers, signatures)
// loses escape sequences with their bodies, controls, bidi and invisible
// characters, and keeps its emoji and letters as they are.
//
// The store keeps the exact original bytes; only display copies are made
// here. This package is a leaf: it must not import any other hark package.
package textsafe
