package testkit

import (
	"reflect"
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
