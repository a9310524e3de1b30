package fold

import (
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"My flight was CANCELLED!", []string{"my", "flight", "was", "cancelled"}},
		{"reprogramación ¿Dónde?", []string{"reprogramacion", "donde"}},
		{"Élodie a été débitée, Noël", []string{"elodie", "a", "ete", "debitee", "noel"}},
		{"Łukasz: zwiędnięty, Wiśniewska", []string{"lukasz", "zwiedniety", "wisniewska"}},
		{"átfoglalásról Ő ű", []string{"atfoglalasrol", "o", "u"}},
		{"ümberbroneerimisest Õnne Tõnu", []string{"umberbroneerimisest", "onne", "tonu"}},
		{"Straße Störung Schröder ẞ", []string{"strasse", "storung", "schroder", "ss"}},
		{"@maria.k@mastodon.social", []string{"maria", "k", "mastodon", "social"}},
		{"e\u0301te\u0301 (decomposed)", []string{"ete", "decomposed"}},
		{"6am 2026-11-20", []string{"6am", "2026", "11", "20"}},
		{"\x1b[31mred\x1b[0m", []string{"31mred", "0m"}},
		{"", nil},
	} {
		if got := Words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPhrase(t *testing.T) {
	if !Phrase("No power in our street since 6am", []string{"power", "in", "our"}) {
		t.Error("phrase not found")
	}
	if Phrase("power outage in our street", []string{"power", "in"}) {
		t.Error("words apart matched as a phrase")
	}
}

func TestWordLength(t *testing.T) {
	long := ""
	for range 40 {
		long += "é"
	}
	if w := Word(long); len(w) > MaxWord {
		t.Errorf("%d bytes", len(w))
	}
}
