package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
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
	ActRefresh    Action = "refresh"
	ActHelp       Action = "help"
	ActCancel     Action = "cancel"
	ActQuit       Action = "quit"
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
	{ActReply, []string{"r"}, "reply publicly", "Answer"},
	{ActDM, []string{"R"}, "reply by DM", "Answer"},
	{ActCanned, []string{"c"}, "canned responses", "Answer"},
	{ActSend, []string{"ctrl+s"}, "send reply (in composer)", "Answer"},
	{ActFollowUp, []string{"f"}, "public follow-up after DM", "Answer"},
	{ActBulk, []string{"B"}, "bulk reply to selection", "Answer"},
	{ActResolve, []string{"e"}, "resolve", "Workflow"},
	{ActPending, []string{"p"}, "mark pending (waiting on customer)", "Workflow"},
	{ActReopen, []string{"u"}, "reopen", "Workflow"},
	{ActSnooze, []string{"z"}, "snooze until…", "Workflow"},
	{ActVIP, []string{"v"}, "toggle VIP contact", "Workflow"},
	{ActNote, []string{"n"}, "note on contact", "Workflow"},
	{ActTags, []string{"t"}, "tags on contact", "Workflow"},
	{ActSelect, []string{"space"}, "select for bulk", "Workflow"},
	{ActSelectAll, []string{"V"}, "select all in view", "Workflow"},
	{ActSelectHot, []string{"*"}, "select all flagged (! and !!) in view", "Workflow"},
	{ActSearch, []string{"/"}, "search / filter", "View"},
	{ActNextView, []string{"w"}, "view: inbox → pending → snoozed → resolved → all", "View"},
	{ActBrand, []string{"b"}, "brand filter (cycle)", "View"},
	{ActBrandN, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "brand N of the config (0 = all brands)", "View"},
	{ActStats, []string{"s"}, "stats", "View"},
	{ActOutbox, []string{"O"}, "outbox (failed replies)", "View"},
	{ActOpenLink, []string{"o"}, "open post in browser", "View"},
	{ActCopyLink, []string{"y"}, "copy link (OSC 52)", "View"},
	{ActRefresh, []string{"ctrl+r"}, "poll all feeds now", "View"},
	{ActHelp, []string{"?"}, "this help", "General"},
	{ActCancel, []string{"esc"}, "close / cancel", "General"},
	{ActQuit, []string{"q", "ctrl+c"}, "quit", "General"},
}

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
		sort.Strings(unknown)
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

// HelpLines renders every binding grouped, for the `?` overlay.
func (km *Keymap) HelpLines() []string {
	var out []string
	group := ""
	for _, b := range km.bindings {
		if b.group != group {
			if group != "" {
				out = append(out, "")
			}
			group = b.group
			out = append(out, group)
		}
		out = append(out, fmt.Sprintf("  %-16s %s", strings.Join(b.keys, " "), b.help))
	}
	out = append(out, "", "Composer", "  ctrl+s           send", "  ctrl+t           toggle public / DM", "  esc              close (draft kept)")
	return out
}
