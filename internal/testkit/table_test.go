package testkit

import (
	"errors"
	"strings"
	"testing"
)

func TestTableRunsEachCase(t *testing.T) {
	var seen []string
	Table(t, "ToUpper", func(s string) string { seen = append(seen, s); return strings.ToUpper(s) }, []Case[string, string]{
		{"word", "ab", "AB"},
		{"empty", "", ""},
	})
	if strings.Join(seen, ",") != "ab," {
		t.Fatalf("f called with %q", seen)
	}
}

func TestCheckErr(t *testing.T) {
	boom := errors.New("boom: bad value")
	for _, tc := range []struct {
		name       string
		err        error
		want       string
		done, fail bool
	}{
		{"no error, none wanted", nil, "", false, false},
		{"the error wanted", boom, "bad value", true, false},
		{"another error", boom, "missing", true, true},
		{"no error, one wanted", nil, "bad value", true, true},
		{"an error, none wanted", boom, "", true, true},
	} {
		r := &errRecorder{TB: t}
		if done := CheckErr(r, "in", tc.err, tc.want); done != tc.done || (r.errs > 0) != tc.fail {
			t.Errorf("%s: done %v with %d errors, want %v failing %v", tc.name, done, r.errs, tc.done, tc.fail)
		}
	}
}
