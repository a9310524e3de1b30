package tui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The tags overlay: comma-separated tags on the contact (duplicates and
// blanks dropped).

func openTags(c *Common, h host, cv social.Conversation, tags []string) tea.Cmd {
	return newPrompt(c, h, "Tags on contact (comma-separated)", "tags › ", strings.Join(tags, ", "), nil, func(val string) tea.Cmd {
		tags := parseTags(val)
		return editContact(c, cv, "tags", func(ct *store.Contact) { ct.Tags = tags })
	}).open()
}

func parseTags(val string) []string {
	var tags []string
	for _, t := range strings.Split(val, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}
