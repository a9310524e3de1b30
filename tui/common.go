package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Common is the context every component shares, as soft-serve's Common
// is: the collaborators, the keymap, the styles, the clock and the screen
// size. Components read it; only the root model changes it (a resize, a
// theme that follows the terminal), and only between frames.
type Common struct {
	d Deps
	// ctx is the session's: every Cmd that does I/O (store reads, media
	// and thread fetches, stats, the actions handed to the engine) runs
	// under it, and it ends when the
	// program does (Model.Close: the user quit, or the SSH session
	// closed), so a closed session's fetches stop with it.
	ctx context.Context
	eng *engine.Engine
	// op is the engine as this session's operator: every state change and
	// reply goes through it, so the store records who did it (solo: the
	// config's agent) and a reply respects the team's claims.
	op   *engine.Operator
	team *teamState   // claims and presence under hark serve (solo: inert)
	st   store.Reader // read-only: changes go through op (the engine)
	km   *Keymap
	sty  Styles
	now  func() time.Time
	// feeds are the feeds' statuses (the status line, an empty queue)
	feeds []store.FeedStatus

	w, h int // the screen hark draws: the terminal, at least minWidth×minHeight
	// termW, termH are the terminal's own size (smaller than w, h when
	// it is too small to draw in)
	termW, termH int
}

// pane is one of the three panes of the screen (queue, conversation,
// composer or picker). It owns its state and its keys; everything that
// crosses panes goes through the host.
type pane interface {
	// Key handles a key meant for the pane; false: not its key, the root
	// offers it to the next in line.
	Key(k tea.KeyPressMsg) (tea.Cmd, bool)
	// View renders the pane's content in w×h cells (the root draws the
	// frame around it).
	View(w, h int) string
	// Help names the actions of the keymap the pane gives a meaning to;
	// `?` is generated from them.
	Help() []Action
}

// overlay is a box drawn over the screen that takes every key while it
// is on top of the stack: help, snooze, search, note, tags, confirm,
// stats, outbox.
type overlay interface {
	// Key handles a key; the overlay closes itself through host.pop.
	Key(k tea.KeyPressMsg) tea.Cmd
	// View renders the box's title and lines for a box at most w wide
	// and h high (the root draws the box and places it).
	View(w, h int) (title string, body []string)
	// SetWidth follows a resize (overlays with an input field).
	SetWidth(w int)
}

// focus names the pane that takes the keys.
type focus int

const (
	fQueue focus = iota
	fConv
	fComposer
	fPicker
)

// host is what a component may ask of the root model: the one way from a
// pane to the rest of the screen, so that no component reaches into
// another's fields.
type host interface {
	// flash shows a message in the status line.
	flash(s string, isErr bool)
	// failText is the one line an error shows (an unreachable database
	// is said so, and marked on the status line).
	failText(err error) string
	// current is the open conversation, from the cache (no I/O).
	current() (social.Conversation, bool)
	// pickedPost is the post of the open conversation the operator
	// picked to answer ([ and ] in the conversation pane), if any.
	pickedPost() (store.StoredPost, bool)
	// open shows a conversation (and fetches its thread when asked).
	open(id string, fetch bool) tea.Cmd
	// focusOn gives the keys to a pane and lays the screen out again.
	focusOn(f focus)
	// push opens an overlay on top; pop closes the top one.
	push(o overlay) tea.Cmd
	pop()
	// pickCanned puts a chosen canned answer into the composer: text is the
	// answer rendered for the open conversation (a bulk selection gets the
	// template, rendered per conversation at send); replace empties the
	// composer first.
	// asked are the operator's values of the answer's ask: fields.
	pickCanned(r canned.Response, text string, replace bool, asked map[string]string) tea.Cmd
	// clearSelection ends a bulk selection.
	clearSelection()
	// pushUndo remembers how to take an action back (nil: it cannot be).
	pushUndo(u *undo)
	// loadOutbox re-reads the outbox (the status line's count, O).
	loadOutbox() tea.Cmd
	// reloadConv re-reads the posts of conversation id if it is the open
	// one (news shown over it, seen.go).
	reloadConv(id string) tea.Cmd
	// layout gives the components their sizes again (a pane grew or
	// shrank).
	layout()
	// remember keeps a conversation read by a component in the queue's
	// cache, so rows and actions see it without a read.
	remember(c social.Conversation)
	// moveOn opens the conversation under the cursor if the open one has
	// left the view.
	moveOn() tea.Cmd
	// restoreDraft gives the composer the saved draft of a conversation
	// just shown.
	restoreDraft(id, draft string)
}

// Geometry of the panes (outer sizes, borders included).

// The smallest screen hark draws; a smaller terminal is told so (a frame
// cut by the terminal would lose its status line and borders).
const minWidth, minHeight = 40, 12

// tooSmall is true when the terminal is smaller than hark draws (false
// until its size is known).
func (c *Common) tooSmall() bool {
	return c.termW > 0 && (c.termW < minWidth || c.termH < minHeight)
}

// narrowWidth: a terminal narrower shows one pane at a time, the whole
// width: the queue, or the conversation with the composer (enter and tab
// go from one to the other, esc back to the queue). Side by side, a phone's
// SSH session of 50 columns left the conversation 18 columns for its text.
const narrowWidth = 70

// narrow is true when the screen shows one pane at a time.
func (c *Common) narrow() bool { return c.w < narrowWidth }

// queueWidth is the queue's width beside the conversation.
func (c *Common) queueWidth() int {
	w := c.w * 42 / 100
	return max(30, min(w, 60))
}

func (c *Common) bodyHeight() int { return c.h - 2 } // header + status line

// queueRows is how many conversations fit (two lines each).
func (c *Common) queueRows() int { return max(1, (c.bodyHeight()-2)/2) }
