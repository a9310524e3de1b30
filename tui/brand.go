package tui

import (
	"fmt"
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

// vars are the canned-response variables for a conversation, as hark
// reply --canned fills them in (app.CannedVars): the customer's name and
// handle as written on its network (canned cleans them: they come from the
// network), the brand, the operator, the ticket,
// the brand's own variables and the link to its latest status post on the
// customer's network. A status post has no customer: cv holds only its
// brand.
func (c *Common) vars(cv social.Conversation) canned.Vars {
	return canned.Vars{
		Name: cv.Contact.Name(), Handle: cv.Network.At(cv.Contact.Handle), Brand: cv.Brand,
		Agent: c.d.Agent, Initials: c.d.Initials, Ticket: cv.ID, Custom: c.brandOf(cv.Brand).Vars,
		Status: c.eng.StatusLink(cv.Brand, cv.Network),
	}
}

// signature renders the brand's signature for a conversation (a status
// post: a conversation of its brand only).
func (c *Common) signature(cv social.Conversation) (string, error) {
	b := c.brandOf(cv.Brand)
	if strings.TrimSpace(b.Signature) == "" {
		return "", nil
	}
	return canned.Signature(b.Signature, c.vars(cv))
}

// sign appends the brand's signature to body, a reply in conversation cv
// (a status post: cv holds only its brand).
func (c *Common) sign(cv social.Conversation, body string) (string, error) {
	sig, err := c.signature(cv)
	if err != nil {
		return "", fmt.Errorf("signature: %w", err)
	}
	return canned.Signed(body, sig), nil
}
