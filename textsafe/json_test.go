package textsafe

import (
	"encoding/json"
	"strings"
	"testing"
)

// EscapeJSON leaves nothing a terminal acts on and keeps the data exact.
func TestEscapeJSON(t *testing.T) {
	names, data := corpus(t)
	for _, n := range names {
		in := data[n] + "\u0085\u009b31m\u202e\u2066\u200b\u2028\U000E0041\x7f"
		raw, err := json.Marshal(map[string]string{"text": in})
		if err != nil {
			t.Fatal(err)
		}
		out := EscapeJSON(append(raw, '\n'))
		if err := Scan(out, false); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: %v in %q", n, err, out)
		}
		var want map[string]string
		json.Unmarshal(raw, &want)
		if back["text"] != want["text"] {
			t.Errorf("%s: decodes to %q, want %q", n, back["text"], want["text"])
		}
	}
	if got := string(EscapeJSON([]byte(`{"a":"plain é 👍"}`))); got != `{"a":"plain é 👍"}` {
		t.Errorf("clean JSON changed: %s", got)
	}
	if got := string(EscapeJSON([]byte("\"\u202e\U000E0041\x9b\""))); got != `"\u202e\udb40\udc41\ufffd"` {
		t.Errorf("escapes: %s", got)
	}
}

func TestScan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		tabs bool
		bad  string
	}{
		{"plain\nline 👨‍👩‍👧 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", false, ""},
		{"a\tb", true, ""},
		{"a\tb", false, "0x09"},
		{"a\x1b[2Jb", false, "0x1b"},
		{"a\x9bb", false, "not UTF-8"},
		{"a\u009bb", false, "U+009B"},
		{"a\u202eb", false, "U+202E"},
		{"a\u200bb", false, "U+200B"},
		{"a\u2028b", false, "U+2028"},
		{"a\x7fb", false, "0x7f"},
	} {
		err := Scan([]byte(tc.in), tc.tabs)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%q: %v, want %s", tc.in, err, tc.bad)
		}
	}
}
