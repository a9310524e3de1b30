package tui

import (
	"strings"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/social"
)

// Brand is what the TUI needs to know of a brand.
type Brand struct {
	Name      string
	Signature string            // template, e.g. "^{{.Initials}}"
	Vars      map[string]string // custom canned variables
}

func (c *Common) brandOf(name string) Brand {
	for _, b := range c.d.Brands {
		if b.Name == name {
			return b
		}
	}
	return Brand{Name: name}
}

// vars are the canned-response variables for a conversation.
func (c *Common) vars(cv social.Conversation) canned.Vars {
	b := c.brandOf(cv.Brand)
	return canned.Vars{
		Name: cv.Contact.Name(), Handle: displayHandle(cv.Contact.Handle), Brand: cv.Brand,
		Agent: c.d.Agent, Initials: c.d.Initials, Ticket: cv.ID, Custom: b.Vars,
		Status: c.eng.StatusLink(cv.Brand, cv.Network),
	}
}

// signature renders the brand's signature for a conversation.
func (c *Common) signature(cv social.Conversation) (string, error) {
	b := c.brandOf(cv.Brand)
	if strings.TrimSpace(b.Signature) == "" {
		return "", nil
	}
	return canned.Signature(b.Signature, c.vars(cv))
}

func displayHandle(h string) string {
	if h == "" || strings.HasPrefix(h, "@") {
		return h
	}
	return "@" + h
}
