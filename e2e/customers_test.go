package e2e

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
)

// Two customers in one thread: kasia mentions the brand, maria answers in
// kasia's thread with her own order. A reply to kasia does not answer
// maria: the conversation stays in the inbox, waiting for maria; the next
// reply goes to maria's post, mentioning maria; then nobody waits. --to
// picks a post by its id (issue 17, item 6).
func TestSeveralCustomersInOneThread(t *testing.T) {
	w := newWorld(t)
	c := mastodonKasia(t, w)
	const maria = "117653664138002437" // maria's mention: her account is the template
	second := w.nets.Mastodon.AddStatus(maria, kasiaMention, "@acmecoffee same here, order A777 never came", true)
	w.pollOnce(t)
	if got := w.conv(t, second); got.ID != c.ID {
		t.Fatalf("maria's post went to conversation %s, want kasia's %s", got.ID, c.ID)
	}
	out, stderr, err := w.hark(t, "reply", c.ID, "Kasia, your parcel left today")
	if err != nil || !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("first reply: %v\n%s\n%s", err, out, stderr)
	}
	created := w.nets.Mastodon.Created()
	if r := created[len(created)-1]; r.InReplyToID != kasiaMention || !strings.HasPrefix(r.Text, "@kasia ") {
		t.Errorf("first reply went to %s as %q, want kasia's mention, @kasia", r.InReplyToID, r.Text)
	}
	c = w.conv(t, kasiaMention)
	if !c.State.Actionable() || c.WaitingSince.IsZero() {
		t.Errorf("after answering kasia only: %s, waiting since %v; want maria still waiting in the inbox", c.State, c.WaitingSince)
	}
	out, stderr, err = w.hark(t, "reply", c.ID, "Maria, A777 is on its way")
	if err != nil || !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("second reply: %v\n%s\n%s", err, out, stderr)
	}
	created = w.nets.Mastodon.Created()
	if r := created[len(created)-1]; r.InReplyToID != second || !strings.HasPrefix(r.Text, "@maria@tooters.example ") {
		t.Errorf("second reply went to %s as %q, want maria's post %s, @maria@tooters.example", r.InReplyToID, r.Text, second)
	}
	if c = w.conv(t, kasiaMention); c.State != social.StatePending {
		t.Errorf("with both answered: %s, want pending", c.State)
	}
	// --to answers a chosen post, here kasia's again.
	out, stderr, err = w.hark(t, "reply", "--to", kasiaMention, c.ID, "Kasia, tracking link sent")
	if err != nil || !strings.HasPrefix(out, "sent: ") {
		t.Fatalf("reply --to: %v\n%s\n%s", err, out, stderr)
	}
	created = w.nets.Mastodon.Created()
	if r := created[len(created)-1]; r.InReplyToID != kasiaMention {
		t.Errorf("reply --to %s went to %s", kasiaMention, r.InReplyToID)
	}
	if _, _, err := w.hark(t, "reply", "--to", "nope", c.ID, "x"); err == nil || !strings.Contains(err.Error(), "has no post nope") {
		t.Errorf("reply --to an unknown post: %v", err)
	}
}
