package testkit

import (
	"reflect"
	"strings"
	"testing"
)

// Case is one named input of a function under test and the result it
// should give (an alias of a struct type, so that tables list their cases
// without field names).
type Case[In, Out any] = struct {
	Name string
	In   In
	Want Out
}

// Table checks f on each case, in a subtest named by the case: f(c.In)
// must equal c.Want (reflect.DeepEqual). fname names f in the failures.
func Table[In, Out any](t *testing.T, fname string, f func(In) Out, cases []Case[In, Out]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if got := f(c.In); !reflect.DeepEqual(got, c.Want) {
				t.Errorf("%s(%#v)\n got %#v\nwant %#v", fname, c.In, got, c.Want)
			}
		})
	}
}

// CheckErr checks the error a case of a table ended with against want,
// the text it must contain ("": no error), and reports a mismatch naming
// the case by its input in. It returns whether the case ends there: with
// an error, expected or not.
func CheckErr(t testing.TB, in string, err error, want string) (done bool) {
	t.Helper()
	switch {
	case want != "":
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
		return true
	case err != nil:
		t.Errorf("%q: %v", in, err)
		return true
	}
	return false
}
