package triage

import (
	"slices"
	"strings"
	"testing"
)

func TestBuiltinLexiconsAreRich(t *testing.T) {
	b, err := loadBuiltin()
	if err != nil {
		t.Fatalf("embedded lexicons: %v", err)
	}
	for _, lang := range builtinLangs {
		src, err := lexiconFiles.ReadFile("lexicon/" + lang + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		rl, err := parseLexicon(lang, lang, string(src))
		if err != nil {
			t.Fatal(err)
		}
		count := map[category]int{}
		for _, e := range rl.entries {
			count[e.cat]++
		}
		mins := []struct {
			name string
			got  int
			min  int
		}{
			{"stop", len(rl.stop), 50},
			{"negation", len(rl.neg), 7},
			{"intensifier", len(rl.inten), 14},
			{"positive", count[catPositive], 30},
			{"negative", count[catNegative], 50},
			{"compliment", count[catCompliment], 30},
			{"neutral", count[catNeutral], 10},
			{"urgent", count[catUrgent], 80},
			{"calm", count[catCalm], 5},
		}
		for _, m := range mins {
			if m.got < m.min {
				t.Errorf("%s: %d %s entries, want at least %d", lang, m.got, m.name, m.min)
			}
		}
		if b.lex[lang] == nil || len(b.lex[lang].urgPatterns) != count[catUrgent]+count[catCalm] {
			t.Errorf("%s: compiled lexicon missing or incomplete", lang)
		}
	}
	if got := Languages(); !slices.Equal(got, []string{"en", "es", "fr", "de", "pl", "hu", "et"}) {
		t.Errorf("Languages() = %v", got)
	}
}

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown section", "[feelings]\nhappy\n", "unknown section [feelings]"},
		{"entry before section", "happy\n", "entry before any [section]"},
		{"weight out of range", "[positive]\nhappy 9\n", "weight 9 out of range"},
		{"short stem", "[urgent]\nab*\n", `stem "ab" is shorter than 3`},
		{"gap first", "[urgent]\n... power\n", `misplaced "..."`},
		{"gap last", "[urgent]\npower ...\n", `misplaced "..."`},
		{"double gap", "[urgent]\npower ... ... out\n", `misplaced "..."`},
		{"not a word", "[urgent]\n!!!\n", "is not a word"},
		{"duplicate", "[positive]\nhappy 2\n[negative]\nhappy 1\n", `"happy" already listed at line 2`},
		{"duplicate urgent", "[urgent]\nurgent\n[calm]\nurgent\n", "already listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rl, err := parseLexicon("xx", "xx.txt", tt.src)
			if err == nil {
				_, err = compile(rl, map[string]bool{})
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// A negative weight is stored negative, a positive one positive.
	rl, err := parseLexicon("xx", "xx.txt", "[positive]\nnice 3\n[negative]\nawful 3\nbad\n")
	if err != nil {
		t.Fatal(err)
	}
	var ws []float64
	for _, e := range rl.entries {
		ws = append(ws, e.weight)
	}
	if !slices.Equal(ws, []float64{3, -3, -2}) {
		t.Errorf("weights = %v, want [3 -3 -2]", ws)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want string // words joined by space, "|" for a break, "E" for emoji
	}{
		{"Hello @brand@mastodon.social, see https://x.example/a?b", "hello | see"},
		{"#PowerOutage on #ElmStreet", "power outage on elm street"},
		{"l'avion n'est pas là", "l' avion n' est pas là"},
		{"I don't know O'Hare", "i don't know o'hare"},
		{"It’s bad", "it's bad"},
		{"Great!!! 😡👍 ❤️", "great | E E E"},
		{"ÚJRA nincs áram", "újra nincs áram"},
		{"line one\nline two", "line one | line two"},
		{"Stromausfall—seit 6 Uhr", "stromausfall | seit 6 uhr"},
		{"so sad :(", "so sad E"},
		{"\x1b[2Jclear", "2jclear"},
	}
	for _, tt := range tests {
		var parts []string
		for _, tok := range tokenize(tt.in) {
			switch tok.kind {
			case tWord:
				parts = append(parts, tok.raw)
			case tBreak:
				parts = append(parts, "|")
			case tEmoji:
				parts = append(parts, "E")
			}
		}
		got := strings.TrimSuffix(strings.Join(parts, " "), " |")
		if got != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	toks := tokenize("NOW please")
	if !toks[0].caps || toks[1].caps {
		t.Errorf("caps flags = %v %v, want true false", toks[0].caps, toks[1].caps)
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"utknąłem": "utknalem", "annulé": "annule", "törölték": "toroltek",
		"straße": "strasse", "tühistati": "tuhistati", "œuvre": "oeuvre",
		"plain": "plain", "niño": "nino", "sürgős": "surgos",
	}
	for in, want := range tests {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}
