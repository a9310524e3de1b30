package config

import (
	"strings"
	"testing"
)

// A YAML mistake is reported at its own line, not at the line where the
// enclosing block starts (issue 15: a mis-indented key on line 5 was
// reported on line 3).
func TestYAMLErrorLine(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       string
	}{
		{"mis-indented key", "agent:\n  name: Jane\nbrands:\n  - name: Acme\n   sla_minutes: 5\n  - name: B\n", "line 5:"},
		{"tab", "agent:\n  name: Jane\n\tinitials: JD\nbrands:\n  - name: Acme\n", "line 3:"},
		{"unclosed quote", "agent:\n  name: Jane\nbrands:\n  - name: Acme\n    signature: \"x\n  - name: B\n", "line 5:"},
		{"after a multi-line list", "brands:\n  - name: Acme\n    vips: [a,\n      b]\n    sla_minutes: 5\n   hours: x\n", "line 6:"},
		{"unclosed list", "agent:\n  name: Jane\nbrands: [\n  - name: Acme\n", "line 3:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tt.yaml))
			if err == nil || !strings.Contains(err.Error(), "not valid YAML: "+tt.want) {
				t.Fatalf("error %v, want the mistake at %s", err, tt.want)
			}
		})
	}
}
