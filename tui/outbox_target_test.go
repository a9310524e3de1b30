package tui

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The outbox and its sent log say where each entry goes: a reply names
// its conversation and customer, a status post's copy (no customer: it
// printed "→ :") names the status post and the account.
func TestEntryTarget(t *testing.T) {
	reply := func(conv, handle string) store.OutboxEntry {
		return store.OutboxEntry{Reply: social.Reply{Network: social.Mastodon, Account: "acme", ConvID: conv,
			To: social.Post{Author: social.Author{Handle: handle}}}}
	}
	for _, tt := range []struct {
		name string
		e    store.OutboxEntry
		want string
	}{
		{"reply", reply("12", "ann@example.social"), "#12 → @ann@example.social"},
		{"status copy", reply("status:outage", ""), "status outage on mastodon/acme"},
		{"status follow-up", reply("status:outage:follow", ""), "status outage follow-up on mastodon/acme"},
		{"hostile status id", reply("status:x\x1b]0;pwn\x07", ""), "status x on mastodon/acme"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := entryTarget(tt.e)
			if strings.ContainsAny(got, "\x1b\x07") || got != tt.want {
				t.Errorf("entryTarget = %q, want %q", got, tt.want)
			}
		})
	}
}
