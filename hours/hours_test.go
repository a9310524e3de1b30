package hours

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestParseSpans(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []Span
		problem Problem // when err
		text    string
		err     bool
	}{
		{in: "09:00-17:00", want: []Span{{9 * 60, 17 * 60}}},
		{in: " 13:00-17:00, 8:00-12:00 ", want: []Span{{8 * 60, 12 * 60}, {13 * 60, 17 * 60}}},
		{in: "08:00-12:00,12:00-17:00", want: []Span{{8 * 60, 17 * 60}}}, // touching ranges merge
		{in: "closed"}, {in: ""}, {in: "off"},
		{in: "24h", want: []Span{{0, 24 * 60}}},
		{in: "22:00-24:00", want: []Span{{22 * 60, 24 * 60}}},
		{in: "9-17", err: true, problem: BadRange, text: "9-17"},
		{in: "24:00-24:00", err: true, problem: BadRange, text: "24:00-24:00"},
		{in: "09:60-10:00", err: true, problem: BadRange, text: "09:60-10:00"},
		{in: "nine", err: true, problem: BadRange, text: "nine"},
		{in: "22:00-06:00", err: true, problem: Backwards, text: "22:00-06:00"},
		{in: "09:00-12:00, 11:00-13:00", err: true, problem: Overlap, text: "11:00-13:00"},
	} {
		got, err := ParseSpans(tt.in)
		if !tt.err {
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseSpans(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		var he *Error
		if !errors.As(err, &he) || he.Problem != tt.problem || he.Text != tt.text {
			t.Errorf("ParseSpans(%q) error = %#v, want problem %d on %q", tt.in, err, tt.problem, tt.text)
		}
	}
}

func TestParseDay(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []time.Weekday
	}{
		{"mon", []time.Weekday{time.Monday}},
		{" Thursday ", []time.Weekday{time.Thursday}},
		{"mon-wed", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday}},
		{"fri-mon", []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday}},
	} {
		if got, err := ParseDay(tt.in); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseDay(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"mo", "mon-", "-fri", "weekday"} {
		var he *Error
		if _, err := ParseDay(in); !errors.As(err, &he) || he.Problem != BadDay || he.Text != in {
			t.Errorf("ParseDay(%q) error = %v, want BadDay on %q", in, err, in)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("mon-fri", "09:00-17:00"); err != nil {
		t.Errorf("Check(mon-fri, 09:00-17:00) = %v", err)
	}
	var he *Error
	if err := Check("mondey", "09:00-17:00"); !errors.As(err, &he) || he.Problem != BadDay {
		t.Errorf("a bad day: %v", err)
	}
	if err := Check("mon", "17:00-09:00"); !errors.As(err, &he) || he.Problem != Backwards {
		t.Errorf("a backwards range: %v", err)
	}
}
