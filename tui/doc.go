// Package tui is hark's Bubble Tea program: the prioritized queue (left),
// the conversation with its thread and contact (right, top) and the
// composer or canned-response picker (right, bottom), with a status line,
// help generated from the key table, and overlays for snooze, search and
// confirmation.
//
// It reads the store directly (short read transactions, a screenful at a
// time) and changes state only through the engine. All untrusted text goes
// through textsafe before it is drawn. It holds no globals: every Model has
// its own styles and keymap, so several can run in one process.
package tui
