package web

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The lenient wire types decode what a surprising server sends without
// failing the document: each case decodes {"v": <raw>} and compares.
func TestLenientTypes(t *testing.T) {
	type item struct {
		N Str `json:"n"`
	}
	for _, tc := range []struct {
		name string
		raw  string
		str  Str
		cnt  Count
		obj  Obj[item]
		list List[item]
	}{
		{"a string", `"12"`, "12", 12, Obj[item]{}, nil},
		{"an integer", `42`, "42", 42, Obj[item]{}, nil},
		{"a large id", `2124212497415839751`, "2124212497415839751", MaxCount, Obj[item]{}, nil},
		{"a float", `12.9`, "12.9", 12, Obj[item]{}, nil},
		{"an exponent", `1.5e3`, "1.5e3", 1500, Obj[item]{}, nil},
		{"too large for a float", `1e400`, "1e400", MaxCount, Obj[item]{}, nil},
		{"negative", `-5`, "-5", 0, Obj[item]{}, nil},
		{"a numeric string with spaces", `" 1200 "`, " 1200 ", 1200, Obj[item]{}, nil},
		{"the word Inf", `"Inf"`, "Inf", 0, Obj[item]{}, nil},
		{"the word NaN", `"NaN"`, "NaN", 0, Obj[item]{}, nil},
		{"a word", `"many"`, "many", 0, Obj[item]{}, nil},
		{"true", `true`, "true", 0, Obj[item]{}, nil},
		{"null", `null`, "", 0, Obj[item]{}, nil},
		{"an object", `{"n":"x"}`, "", 0, Obj[item]{V: item{N: "x"}, OK: true}, nil},
		{"an object of the wrong shape", `{"n":{"deep":1}}`, "", 0, Obj[item]{OK: true}, nil},
		{"an array", `[{"n":"a"},7,"s",null,{"n":2}]`, "", 0, Obj[item]{}, List[item]{{N: "a"}, {N: "2"}}},
		{"an empty array", `[]`, "", 0, Obj[item]{}, List[item]{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte(`{"v":` + tc.raw + `}`)
			var s struct{ V Str }
			var c struct{ V Count }
			var o struct{ V Obj[item] }
			var l struct{ V List[item] }
			for _, v := range []any{&s, &c, &o, &l} {
				if err := json.Unmarshal(doc, v); err != nil {
					t.Fatalf("%T: %v", v, err)
				}
			}
			if s.V != tc.str || c.V != tc.cnt || !reflect.DeepEqual(o.V, tc.obj) || !reflect.DeepEqual(l.V, tc.list) {
				t.Errorf("Str %q Count %d Obj %+v List %+v,\nwant %q %d %+v %+v", s.V, c.V, o.V, l.V, tc.str, tc.cnt, tc.obj, tc.list)
			}
		})
	}
}

func TestCompareIDs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"10", "9", 1},
		{"117654091669176322", "117655181721600004", -1},
		{"117655181721600004", "117655181721600004", 0},
		{"01M7Z565301V5P412Q3PD8AJB8", "01M81J4M1FBC40SECMGZ23GHHP", -1},
		{"01M81J4M1FBC40SECMGZ23GHHP", "01M7Z565301V5P412Q3PD8AJB8", 1},
		{"", "1", -1},
		{"", "", 0},
	}
	for _, tt := range tests {
		if got := CompareIDs(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
