package config

import (
	"strings"
	"testing"
	"time"
)

// outbox.undo_send: 5 s by default, 0 turns it off, a negative or long
// window is refused; theme.notify takes its modes only.
func TestUndoSendAndNotify(t *testing.T) {
	for _, tt := range []struct {
		yaml   string
		undo   time.Duration
		notify string
		err    string
	}{
		{yaml: "", undo: 5 * time.Second, notify: "auto"},
		{yaml: "outbox: {undo_send: 0s}\ntheme: {notify: osc9}\n", undo: 0, notify: "osc9"},
		{yaml: "outbox: {undo_send: 12s}\ntheme: {notify: \"off\"}\n", undo: 12 * time.Second, notify: "off"},
		{yaml: "outbox: {undo_send: 2h}\n", err: "outbox.undo_send"},
		{yaml: "theme: {notify: popup}\n", err: "theme.notify"},
	} {
		c, err := Load(writeFile(t, "agent: {name: Jane Doe}\ndemo: true\n"+tt.yaml))
		if err == nil {
			err = c.Validate()
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %s", tt.yaml, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if c.Outbox.UndoSend == nil || *c.Outbox.UndoSend != tt.undo || c.Theme.Notify != tt.notify {
			t.Errorf("%q: undo_send %v notify %q", tt.yaml, c.Outbox.UndoSend, c.Theme.Notify)
		}
	}
}
