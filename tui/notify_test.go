package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/tui"
)

func TestNotifySequences(t *testing.T) {
	hostile := "boss\x1b]0;pwned\x07; rm -rf\x9b31m\u202e"
	for _, tt := range []struct {
		mode       string
		tmux       bool
		start, end string
	}{
		{"osc9", false, "\x1b]9;hark: ", "\x07"},
		{"auto", false, "\x1b]9;hark: ", "\x07"},
		{"osc777", false, "\x1b]777;notify;hark;", "\x07"},
		{"osc9", true, "\x1bPtmux;\x1b\x1b]9;hark: ", "\x07\x1b\\"},
		{"osc777", true, "\x1bPtmux;\x1b\x1b]777;notify;hark;", "\x07\x1b\\"},
	} {
		seq := tui.NotifySeq(tt.mode, tt.tmux, "hark", hostile)
		if !strings.HasPrefix(seq, tt.start) || !strings.HasSuffix(seq, tt.end) {
			t.Errorf("%s tmux=%v: %q", tt.mode, tt.tmux, seq)
			continue
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(seq, tt.start), tt.end)
		for _, bad := range []string{"\x1b", "\x07", "\x9b", ";", "\u202e"} {
			if strings.Contains(inner, bad) {
				t.Errorf("%s tmux=%v: %q inside %q", tt.mode, tt.tmux, bad, inner)
			}
		}
		if !strings.Contains(inner, "boss") || !strings.Contains(inner, "rm -rf") {
			t.Errorf("%s: the text is lost: %q", tt.mode, inner)
		}
	}
	for _, mode := range []string{"bell", "off"} {
		if seq := tui.NotifySeq(mode, false, "hark", "x"); seq != "" {
			t.Errorf("%s: %q", mode, seq)
		}
	}
}

// A new urgent post and an SLA about to be missed are notified (once),
// with the bell when it is on; notify: off sends nothing.
func TestNotifications(t *testing.T) {
	for _, tt := range []struct {
		mode string
		bell bool
		want string // in what was written
	}{
		{"osc9", false, "\x1b]9;hark: urgent post: (+14 more) @"},
		{"osc777", true, "\x1b]777;notify;hark: urgent post;(+14 more) @"},
		{"off", true, ""},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			tui.Instant(t)
			a, clk := demoApp(t)
			d := a.TUIDeps("test", nil)
			d.Mono, d.Notify, d.Bell, d.UndoSend = true, tt.mode, tt.bell, 0
			m, err := tui.New(d)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(m.Close)
			m.Start(120, 40)
			// the outage: urgent posts arrive
			clk.Advance(5 * time.Minute)
			if r := a.Engine.PollOnce(context.Background()); r[0].Err != nil {
				t.Fatal(r[0].Err)
			}
			m.PumpEvents()
			got := strings.Join(m.Written, "")
			if tt.want == "" {
				if got != "" {
					t.Fatalf("notify off wrote %q", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("urgent post: wrote %q, want %q", got, tt.want)
			}
			if bells := strings.Count(got, "\a") - 1; bells != map[bool]int{true: 1, false: 0}[tt.bell] { // one ends the OSC
				t.Fatalf("bell %v: wrote %q", tt.bell, got)
			}
			// an SLA about to be missed: notified once
			m.Written = nil
			clk.Advance(50 * time.Minute)
			m.Tick()
			got = strings.Join(m.Written, "")
			if !strings.Contains(got, "SLA about to be missed") || !strings.Contains(got, "due in") {
				t.Fatalf("SLA: wrote %q", got)
			}
			m.Written = nil
			m.Tick()
			if got := strings.Join(m.Written, ""); strings.Contains(got, "SLA") {
				t.Fatalf("notified twice: %q", got)
			}
		})
	}
}
