package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/hark-tui/hark/textsafe"
)

// Action names a thing the operator can do; keys map to actions.
type Action string

// Actions, in help order.
const (
	ActDown       Action = "down"
	ActUp         Action = "up"
	ActTop        Action = "top"
	ActBottom     Action = "bottom"
	ActPageDown   Action = "page_down"
	ActPageUp     Action = "page_up"
	ActOpen       Action = "open"
	ActSwitchPane Action = "switch_pane"
	ActToQueue    Action = "to_queue"
	ActReply      Action = "reply"
	ActDM         Action = "reply_dm"
	ActCanned     Action = "canned"
	ActSend       Action = "send"
	ActResolve    Action = "resolve"
	ActPending    Action = "pending"
	ActReopen     Action = "reopen"
	ActSnooze     Action = "snooze"
	ActFollowUp   Action = "follow_up"
	ActVIP        Action = "vip"
	ActNote       Action = "note"
	ActTags       Action = "tags"
	ActSearch     Action = "search"
	ActNextView   Action = "next_view"
	ActBack       Action = "back"
	ActBrand      Action = "brand"
	ActSelect     Action = "select"
	ActSelectAll  Action = "select_all"
	ActSelectHot  Action = "select_urgent"
	ActBrandN     Action = "brand_number"
	ActBulk       Action = "bulk_reply"
	ActOpenLink   Action = "open_link"
	ActCopyLink   Action = "copy_link"
	ActStats      Action = "stats"
	ActOutbox     Action = "outbox"
	ActScheduled  Action = "scheduled"
	ActStatusPost Action = "status_post"
	ActStatuses   Action = "statuses"
	ActMedia      Action = "media"
	ActRefresh    Action = "refresh"
	ActHelp       Action = "help"
	ActMessages   Action = "messages"
	ActJump       Action = "jump"
	ActPalette    Action = "palette"
	ActUndo       Action = "undo"
	ActCancel     Action = "cancel"
	ActQuit       Action = "quit"
)

// Actions of one component's own keys (local tables below; not
// configurable, except that a local binding of an action of the main
// table follows that action's keys).
const (
	ActToggleDM    Action = "toggle_dm"
	ActClose       Action = "close"
	ActPickNext    Action = "pick_next"
	ActPickPrev    Action = "pick_prev"
	ActPickInsert  Action = "pick_insert"
	ActPickReplace Action = "pick_replace"
	ActScrollDown  Action = "scroll_down"
	ActScrollUp    Action = "scroll_up"
	ActPageFwd     Action = "scroll_page_down"
	ActPageBack    Action = "scroll_page_up"
	ActRetry       Action = "retry"
	ActDiscard     Action = "discard"
	ActEdit        Action = "edit"
	ActYes         Action = "yes"
	ActNo          Action = "no"
	ActApply       Action = "apply"
	ActSkipFollow  Action = "skip_follow_up"
	ActRecall      Action = "recall"
	ActPrevPost    Action = "prev_post"
	ActNextPost    Action = "next_post"
	ActSendLater   Action = "send_later"
	ActMove        Action = "move"
	ActAnyway      Action = "send_anyway"
	ActSendNow     Action = "send_now"
	ActStatusNew   Action = "status_new"
	ActAttach      Action = "attach"
	ActSentLog     Action = "sent_log"
	ActOlder       Action = "older_page"
	ActNewer       Action = "newer_page"
)

type binding struct {
	act   Action
	keys  []string
	help  string
	group string
}

// defaultBindings is the key table; `?` help is generated from it.
var defaultBindings = []binding{
	{ActDown, []string{"j", "down"}, "next conversation / scroll down", "Move"},
	{ActUp, []string{"k", "up"}, "previous conversation / scroll up", "Move"},
	{ActTop, []string{"g", "home"}, "top of the queue", "Move"},
	{ActBottom, []string{"G", "end"}, "bottom of the queue", "Move"},
	{ActPageDown, []string{"ctrl+d", "pgdown"}, "page down", "Move"},
	{ActPageUp, []string{"ctrl+u", "pgup"}, "page up", "Move"},
	{ActOpen, []string{"enter", "l"}, "open conversation", "Move"},
	{ActSwitchPane, []string{"tab"}, "switch pane", "Move"},
	{ActToQueue, []string{"h", "left"}, "back to the queue", "Move"},
	{ActReply, []string{"r"}, "reply publicly", "Answer"},
	{ActDM, []string{"R"}, "reply by DM", "Answer"},
	{ActPrevPost, []string{"["}, "pick an earlier post to answer", "Answer"},
	{ActNextPost, []string{"]"}, "pick a later post to answer", "Answer"},
	{ActCanned, []string{"c"}, "canned responses", "Answer"},
	{ActSend, []string{"ctrl+s"}, "send reply (in composer)", "Answer"},
	{ActFollowUp, []string{"f"}, "public follow-up after DM", "Answer"},
	{ActBulk, []string{"B"}, "bulk reply to selection", "Answer"},
	{ActStatusPost, []string{"P"}, "status post for the brand (not a reply)", "Answer"},
	{ActResolve, []string{"e"}, "resolve", "Workflow"},
	{ActPending, []string{"p"}, "mark pending (waiting on customer)", "Workflow"},
	{ActReopen, []string{"u"}, "reopen", "Workflow"},
	{ActSnooze, []string{"z"}, "snooze until…", "Workflow"},
	{ActVIP, []string{"v"}, "toggle VIP contact", "Workflow"},
	{ActNote, []string{"n"}, "note on contact", "Workflow"},
	{ActTags, []string{"t"}, "tags on contact", "Workflow"},
	{ActUndo, []string{"U"}, "undo the last resolve, snooze, state change, tag, note, VIP or bulk action; take back a reply in its send window", "Workflow"},
	{ActSelect, []string{"space"}, "select for bulk", "Workflow"},
	{ActSelectAll, []string{"V"}, "select all in view", "Workflow"},
	{ActSelectHot, []string{"*"}, "select all flagged (! and !!) in view", "Workflow"},
	{ActSearch, []string{"/"}, "search / filter", "View"},
	{ActNextView, []string{"w"}, "view: inbox → pending → snoozed → resolved → all", "View"},
	{ActBack, []string{"W", "backspace"}, "back to the previous view, brand and search", "View"},
	{ActBrand, []string{"b"}, "brand filter (cycle)", "View"},
	{ActBrandN, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "brand N of the config (0 = all brands)", "View"},
	{ActStats, []string{"s"}, "stats", "View"},
	{ActOutbox, []string{"O"}, "outbox (failed replies)", "View"},
	{ActScheduled, []string{"L"}, "scheduled messages (edit, move, cancel)", "View"},
	{ActStatuses, []string{"S"}, "status posts of the brand (links, resolve)", "View"},
	{ActOpenLink, []string{"o"}, "open post in browser", "View"},
	{ActCopyLink, []string{"y"}, "copy link (OSC 52)", "View"},
	{ActMedia, []string{"m"}, "next attachment (o/y act on it; after the last, the post again)", "View"},
	{ActRefresh, []string{"ctrl+r"}, "poll all feeds now", "View"},
	{ActJump, []string{"#"}, "go to a conversation by its number (#42)", "General"},
	{ActPalette, []string{":"}, "run any action by name (tab completes)", "General"},
	{ActHelp, []string{"?"}, "this help", "General"},
	{ActMessages, []string{"M"}, "message log: past messages and errors in full", "General"},
	{ActCancel, []string{"esc"}, "close / cancel", "General"},
	{ActQuit, []string{"q", "ctrl+c"}, "quit", "General"},
}

// listKeys are the keys a scrolling box's help lists first, under group:
// close (esc, q and the keys that opened it), then next and previous (j/k,
// down/up) with their help.
func listKeys(group, next, prev string, opener ...string) []binding {
	return []binding{
		{ActClose, append([]string{"esc", "q"}, opener...), "close", group},
		{ActScrollDown, []string{"j", "down"}, next, group},
		{ActScrollUp, []string{"k", "up"}, prev, group},
	}
}

// The components' own keys, in the order their help shows them.
var (
	composerKeys = []binding{
		{ActSend, []string{"ctrl+s"}, "send", "Composer"},
		{ActToggleDM, []string{"ctrl+t"}, "toggle public / DM", "Composer"},
		{ActSendLater, []string{"ctrl+l"}, "send later (asks when: 3d, tue 10:00, …)", "Composer"},
		{ActAttach, []string{"ctrl+o"}, "attach an image (with alt text)", "Composer"},
		{ActClose, []string{"esc"}, "close (draft kept)", "Composer"},
	}
	pickerKeys = []binding{
		{ActPickNext, []string{"down", "ctrl+n", "ctrl+j"}, "next answer", "Canned responses"},
		{ActPickPrev, []string{"up", "ctrl+p", "ctrl+k"}, "previous answer", "Canned responses"},
		{ActPickInsert, []string{"enter"}, "insert into the reply", "Canned responses"},
		{ActPickReplace, []string{"tab"}, "replace the reply with it", "Canned responses"},
		{ActClose, []string{"esc"}, "close", "Canned responses"},
	}
	scrollKeys = append(listKeys("Scroll", "scroll down", "scroll up", "?", "enter", "s"), []binding{
		{ActPageFwd, []string{"space", "pgdown", "ctrl+d"}, "page down", "Scroll"},
		{ActPageBack, []string{"pgup", "ctrl+u"}, "page up", "Scroll"},
	}...)
	outboxKeys = append(listKeys("Outbox", "next entry", "previous entry", "O"), []binding{
		{ActRetry, []string{"enter"}, "retry (checked first if it may have been sent)", "Outbox"},
		{ActDiscard, []string{"d"}, "discard", "Outbox"},
		{ActEdit, []string{"E"}, "edit a failed reply in the composer", "Outbox"},
		{ActSentLog, []string{"s"}, "sent log: what was delivered, newest first (s again: back)", "Outbox"},
		{ActOlder, []string{"]", "pgdown"}, "sent log: older page", "Outbox"},
		{ActNewer, []string{"[", "pgup"}, "sent log: newer page", "Outbox"},
	}...)
	scheduledKeys = append(listKeys("Scheduled", "next message", "previous message", "L"), []binding{
		{ActEdit, []string{"E"}, "edit the text", "Scheduled"},
		{ActMove, []string{"m"}, "move to another time", "Scheduled"},
		{ActSendNow, []string{"enter"}, "send now", "Scheduled"},
		{ActAnyway, []string{"a"}, "send anyway (even if they write again)", "Scheduled"},
		{ActDiscard, []string{"d"}, "cancel it", "Scheduled"},
	}...)
	statusComposeKeys = []binding{
		{ActSend, []string{"ctrl+s"}, "post", "Status post"},
		{ActAttach, []string{"ctrl+o"}, "attach an image (with alt text)", "Status post"},
		{ActClose, []string{"esc"}, "cancel", "Status post"},
	}
	statusListKeys = append(listKeys("Status posts", "next", "previous", "S"), []binding{
		{ActStatusNew, []string{"n"}, "new status post", "Status posts"},
		{ActResolve, []string{"e"}, "resolve: a follow-up threaded under it", "Status posts"},
		{ActOpenLink, []string{"o"}, "open its link", "Status posts"},
		{ActCopyLink, []string{"y"}, "copy its link", "Status posts"},
	}...)
	confirmKeys = []binding{
		{ActYes, []string{"y", "enter"}, "go", "Confirm"},
		{ActNo, []string{"n", "esc", "q"}, "cancel", "Confirm"},
	}
	promptKeys = []binding{
		{ActApply, []string{"enter"}, "apply", "Prompts (snooze, search, note, tags, #, :)"},
		{ActClose, []string{"esc"}, "cancel", "Prompts (snooze, search, note, tags, #, :)"},
		{ActRecall, []string{"up"}, "search: bring back the search in force to edit it", "Prompts (snooze, search, note, tags, #, :)"},
	}
	// rootKeys are keys of the root that the help does not list (F: an
	// alternative answer to the follow-up hint, which names it).
	rootKeys = []binding{
		{ActSkipFollow, []string{"F"}, "skip the public follow-up", "Answer"},
	}
)

// Keymap resolves keys to actions.
type Keymap struct {
	bindings []binding
	byKey    map[string]Action
	byAct    map[Action]key.Binding
}

// NewKeymap builds the keymap; overrides map an action name to
// comma-separated keys ("reply": "r,ctrl+r").
func NewKeymap(overrides map[string]string) (*Keymap, error) {
	km := &Keymap{byKey: map[string]Action{}, byAct: map[Action]key.Binding{}}
	known := map[Action]bool{}
	for _, b := range defaultBindings {
		known[b.act] = true
	}
	var unknown []string
	for name := range overrides {
		if !known[Action(name)] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("keys: unknown action %s (see `?` in hark for the names)", strings.Join(unknown, ", "))
	}
	for _, b := range defaultBindings {
		if o, ok := overrides[string(b.act)]; ok {
			var ks []string
			for _, k := range strings.Split(o, ",") {
				if k = strings.TrimSpace(k); k != "" {
					ks = append(ks, k)
				}
			}
			if len(ks) > 0 {
				b.keys = ks
			}
		}
		km.bindings = append(km.bindings, b)
	}
	for _, b := range km.bindings {
		for _, k := range b.keys {
			if prev, dup := km.byKey[k]; dup && prev != b.act {
				return nil, fmt.Errorf("keys: %q is bound to both %s and %s", k, prev, b.act)
			}
			km.byKey[k] = b.act
		}
		km.byAct[b.act] = key.NewBinding(key.WithKeys(b.keys...), key.WithHelp(strings.Join(b.keys, "/"), b.help))
	}
	return km, nil
}

// Action returns the action of a key ("" if none).
func (km *Keymap) Action(k string) Action { return km.byKey[k] }

// Keys returns the label of an action's keys ("r", "j/down").
func (km *Keymap) Keys(a Action) string { return km.byAct[a].Help().Key }

// Local returns the action of a key in a component's own table ("" if
// none). A local binding of a main-table action (send) has that action's
// configured keys.
func (km *Keymap) Local(table []binding, k string) Action {
	for _, b := range table {
		if kb, ok := km.byAct[b.act]; ok {
			if km.byKey[k] == b.act && slices.Contains(kb.Keys(), k) {
				return b.act
			}
			continue
		}
		if slices.Contains(b.keys, k) {
			return b.act
		}
	}
	return ""
}

// HelpLines renders every binding grouped, then the composer's, for the
// `?` overlay.
func (km *Keymap) HelpLines() []string {
	all := make([]Action, len(km.bindings))
	for i, b := range km.bindings {
		all[i] = b.act
	}
	return km.Help(all, composerKeys)
}

// Help renders the bindings of the given main-table actions grouped in
// table order, then each local table (a component's own keys) as a group.
func (km *Keymap) Help(acts []Action, locals ...[]binding) []string {
	var out []string
	group := ""
	for _, b := range km.bindings {
		if !slices.Contains(acts, b.act) {
			continue
		}
		if b.group != group {
			if group != "" {
				out = append(out, "")
			}
			group = b.group
			out = append(out, group)
		}
		out = appendHelp(out, b.keys, b.help)
	}
	for _, t := range locals {
		for i, b := range t {
			if i == 0 {
				out = append(out, "", b.group)
			}
			keys := b.keys
			if kb, ok := km.byAct[b.act]; ok {
				keys = kb.Keys()
			}
			out = appendHelp(out, keys, b.help)
		}
	}
	return out
}

// helpLine is a binding's line of the help: its keys, then what they do
// from column 19. Keys wider than their column ("1 2 3 4 5 6 7 8 9 0")
// stand on a line of their own, the help under it in its column, so that
// no help is pushed out of line.
func helpLine(keys []string, help string) string {
	k := strings.Join(keys, " ")
	if textsafe.Width(k) > helpKeysWidth {
		return "  " + k + "\n" + strings.Repeat(" ", helpIndent) + help
	}
	return fmt.Sprintf("  %-*s %s", helpKeysWidth, k, help)
}

// helpKeysWidth is the width of the help's keys column.
const helpKeysWidth = 16

// helpIndent is where a help line's help text starts: after the indent,
// the keys column and a space.
const helpIndent = 2 + helpKeysWidth + 1

// appendHelp appends a binding's help line (or two: see helpLine).
func appendHelp(out []string, keys []string, help string) []string {
	return append(out, strings.Split(helpLine(keys, help), "\n")...)
}

// localAction looks a key up in a table of fixed keys.
func localAction(table []binding, k string) Action {
	for _, b := range table {
		if slices.Contains(b.keys, k) {
			return b.act
		}
	}
	return ""
}
