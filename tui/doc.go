// Package tui is hark's Bubble Tea program: the prioritized queue (left),
// the conversation with its thread and contact (right, top) and the
// composer or canned-response picker (right, bottom), with a status line,
// help generated from the key tables, and overlays. Below 70 columns one
// pane shows at a time, the whole width; below 40×12, a word to make the
// terminal bigger (layout.go).
//
// The screen is a tree of components, each in its own file, each owning
// its state, its keys and its view:
//
//	Model (model.go, update.go, actions.go, layout.go)
//	│   lays out, routes messages and keys, talks to the engine
//	├── queue       queue*.go    pane: list, cursor, selection, view/brand/search
//	├── conv        conv.go      pane: posts, reasons, contact history, links;
//	│                            media.go: attachment lines, m; preview.go: the image
//	├── composer    composer.go  pane: reply, DM, follow-up; bulk.go: bulk reply;
//	│                            schedule.go: ctrl+l send later; attach.go: ctrl+o;
//	│                            seen.go: the last check (news since the text began)
//	├── picker      picker.go    pane: canned responses ranked, preview
//	└── stack []overlay          help.go, snooze.go, search.go, note.go,
//	                             tags.go, confirm.go, stats.go, outbox.go,
//	                             palette.go (: and #), the message log,
//	                             schedule.go (L), statuspost.go (P, S)
//	                             (prompt.go: the input line they share)
//
// The root also keeps the status line and its message log (status.go),
// the undo stack (undo.go: U takes back the last action, or a reply still
// in its undo-send window), desktop notifications (notify.go) and the
// legend of `?` (legend.go).
//
// Every component gets the same *Common (deps, engine, store, keymap,
// styles, clock, size: common.go), which only the root changes, and a host
// (the root) for what crosses panes: open a conversation, move the focus,
// push or pop an overlay, flash a message. No component touches another's
// fields. A key goes to the top overlay if any, else along the focus chain
// (composer | picker | conversation → queue | queue), then to the root.
// Every other message is routed, not unpacked: the root offers it to its
// handlers in turn (update.go) — its own part (size, theme, clock, the
// engine's and the team's events, the reloaded list, an action's result),
// the preview, the overlays top first, the panes, the outbox — and each
// component's Update takes the results of its own Cmds. Cmds that do I/O
// run under the session's context (Common.ctx), which ends with the
// program (Close).
// Keys are data (keys.go): the main table is configurable, each
// component's own keys are a table of their own, and `?` lists what the
// focused chain declares.
//
// It reads the store through store.Reader (short read transactions, a
// screenful at a time) and changes state only through the engine: it never
// holds a handle it could write with. The times typed in its prompts
// (snooze, send later) are read by package when. All untrusted text goes
// through textsafe before it is drawn. It holds no globals: every Model has
// its own styles and keymap, so several can run in one process.
package tui
