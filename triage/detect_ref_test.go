package triage

import (
	"strings"
	"testing"
)

// detectRef is detect as it was before its language masks: every
// language's indexes tried at every token, the scores in a map.
func detectRef(b *builtin, text string, toks []token) string {
	if l, latin := scriptLang(text); !latin {
		return l
	}
	score := map[string]float64{}
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		var stops []string // the languages that list the word
		for _, l := range builtinLangs {
			if b.lex[l].stop[t.raw] {
				stops = append(stops, l)
			}
		}
		if len(stops) > 0 {
			for _, l := range stops {
				score[l] += 1 / float64(len(stops))
			}
			continue
		}
		if ls := b.foldStop[t.fold]; len(ls) > 0 {
			for _, l := range ls {
				score[l] += 0.6 / float64(len(ls))
			}
			continue
		}
		var hits []string
		for _, l := range builtinLangs {
			if p, _ := matchAt(b.ixs[l], toks, nil, i, nil); p != nil {
				hits = append(hits, l)
			}
		}
		for _, l := range hits {
			score[l] += 1 / float64(len(hits))
		}
	}
	for _, r := range strings.ToLower(text) {
		for _, v := range letterVotes[r] {
			score[v.lang] += v.w
		}
	}
	return decide(func(_ int, l string) float64 { return score[l] })
}

// TestDetectSameAsRef: detect answers as detectRef for the demo corpus,
// every lexicon line and odd texts, whole and cut into pieces.
func TestDetectSameAsRef(t *testing.T) {
	b := mustBuiltin()
	var texts []string
	for _, p := range loadDemo(t) {
		texts = append(texts, p.Text)
	}
	for _, l := range builtinLangs {
		src, err := lexiconFiles.ReadFile("lexicon/" + l + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.Split(string(src), "\n")...)
	}
	texts = append(texts, "\xff\xfe ÀÉÎÕÜ Ő Ű ĄĘŁ ß ẞ ¿¡ K İ", "NOT HAPPY AT ALL!!", "l'avion n'est pas là", "prąd ... wysiadł")
	n := 0
	for _, s := range texts {
		for _, x := range []string{s, strings.ToUpper(s), s[:len(s)/2], s[len(s)/3:]} {
			toks := tokenize(x)
			if got, want := detect(b, x, toks), detectRef(b, x, toks); got != want {
				t.Errorf("detect(%q) = %q, before %q", x, got, want)
			}
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d texts", n)
	}
}
