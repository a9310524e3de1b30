package triage

import (
	"math/bits"
	"unicode"
	"unicode/utf8"

	"github.com/hark-tui/hark/langtag"
)

// Lang returns the language of a post: the language the network declared
// when there is one ("en-US" → "en", "und" counts as none), otherwise the
// detected language ("" when unsure).
func Lang(declared, text string) string {
	if l := langtag.Base(declared); l != "" {
		return l
	}
	return DetectLang(text)
}

// DetectLang guesses the language of text: en, es, fr, de, pl, hu or et from
// stop words, lexicon words and letters (ő ű → hu; ą ę ł … → pl; õ → et; ñ ¿
// ¡ → es; ç œ è … → fr; ß → de), or a few languages from their script (ja,
// ko, zh, ru, uk, el, ar, he, th, hi). It returns "" when unsure.
func DetectLang(text string) string {
	return detect(mustBuiltin(), text, tokenize(text))
}

// letterVotes are the letters that point to languages, with their weight.
var letterVotes = map[rune][]vote{
	'ő': {{"hu", 1.5}}, 'ű': {{"hu", 1.5}},
	'ą': {{"pl", 1.5}}, 'ę': {{"pl", 1.5}}, 'ł': {{"pl", 1.5}}, 'ś': {{"pl", 1.5}},
	'ż': {{"pl", 1.5}}, 'ź': {{"pl", 1.5}}, 'ć': {{"pl", 1.5}}, 'ń': {{"pl", 1.5}},
	'õ': {{"et", 1.5}}, 'š': {{"et", 0.3}}, 'ž': {{"et", 0.3}},
	'ñ': {{"es", 1.5}}, '¿': {{"es", 1.5}}, '¡': {{"es", 1.5}},
	'ß': {{"de", 1.5}},
	'ç': {{"fr", 1.5}}, 'œ': {{"fr", 1.5}},
	'è': {{"fr", 0.75}}, 'ê': {{"fr", 0.75}}, 'à': {{"fr", 0.75}}, 'ù': {{"fr", 0.75}},
	'û': {{"fr", 0.75}}, 'î': {{"fr", 0.75}}, 'ï': {{"fr", 0.75}}, 'ë': {{"fr", 0.5}},
	'â': {{"fr", 0.75}}, 'ô': {{"fr", 0.75}}, 'ÿ': {{"fr", 0.75}},
	'ä': {{"de", 0.4}, {"et", 0.4}},
	'ö': {{"de", 0.25}, {"et", 0.25}, {"hu", 0.25}},
	'ü': {{"de", 0.25}, {"et", 0.25}, {"hu", 0.25}},
	'é': {{"fr", 0.3}, {"es", 0.2}, {"hu", 0.3}},
	'á': {{"es", 0.3}, {"hu", 0.3}},
	'í': {{"es", 0.3}, {"hu", 0.3}},
	'ú': {{"es", 0.3}, {"hu", 0.3}},
	'ó': {{"es", 0.3}, {"hu", 0.3}, {"pl", 0.3}},
}

type vote struct {
	lang string
	w    float64
}

// scripts names the languages guessed from a non-Latin script.
var scripts = []struct {
	table *unicode.RangeTable
	lang  string
}{
	{unicode.Hiragana, "ja"}, {unicode.Katakana, "ja"}, {unicode.Hangul, "ko"},
	{unicode.Han, "zh"}, {unicode.Cyrillic, "ru"}, {unicode.Greek, "el"},
	{unicode.Arabic, "ar"}, {unicode.Hebrew, "he"}, {unicode.Thai, "th"},
	{unicode.Devanagari, "hi"}, {unicode.Georgian, "ka"}, {unicode.Armenian, "hy"},
}

// detect scores every built-in language and returns the clear winner.
// The scores are kept by the language's place in builtinLangs, each
// summed in the order of the text.
func detect(b *builtin, text string, toks []token) string {
	if l, latin := scriptLang(text); !latin {
		return l
	}
	var score [8]float64
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		if m := b.stopMask[t.raw]; m != 0 {
			n := bits.OnesCount8(m) // the languages that list the word
			for k := range builtinLangs {
				if m&(1<<k) != 0 {
					score[k] += 1 / float64(n)
				}
			}
			continue
		}
		if ls := b.foldStop[t.fold]; len(ls) > 0 {
			for _, l := range ls {
				score[langIndex(l)] += 0.6 / float64(len(ls))
			}
			continue
		}
		// A word or phrase of a language's lexicons starting here: only
		// the languages with a pattern that may start at the token
		m := b.startExact[t.fold]
		if len(b.startPrefix) > 0 {
			m |= b.startPrefix[firstRunes(t.fold, minStem)]
		}
		if m == 0 {
			continue
		}
		var hits [8]bool
		nhits := 0
		for k, l := range builtinLangs {
			if m&(1<<k) == 0 {
				continue
			}
			if p, _ := matchAt(b.ixs[l], toks, nil, i, nil); p != nil {
				hits[k] = true
				nhits++
			}
		}
		for k := range builtinLangs {
			if hits[k] {
				score[k] += 1 / float64(nhits)
			}
		}
	}
	for _, r := range text { // as strings.ToLower(text) reads, rune by rune
		if r < utf8.RuneSelf {
			continue // an ASCII letter lower-cased votes for nothing
		}
		for _, v := range letterVotes[unicode.ToLower(r)] {
			score[langIndex(v.lang)] += v.w
		}
	}
	return decide(func(k int, _ string) float64 { return score[k] })
}

// decide picks the language of builtinLangs whose score (scoreOf, by
// index and tag) wins clearly over the next, or "" when none does.
func decide(scoreOf func(k int, l string) float64) string {
	best, bestScore, second := "", 0.0, 0.0
	for k, l := range builtinLangs {
		switch s := scoreOf(k, l); {
		case s > bestScore:
			best, bestScore, second = l, s, bestScore
		case s > second:
			second = s
		}
	}
	if bestScore < 1 || bestScore < 1.3*second || bestScore-second < 0.5 {
		return ""
	}
	return best
}

// langIndex is l's place in builtinLangs.
func langIndex(l string) int {
	for k, x := range builtinLangs {
		if x == l {
			return k
		}
	}
	panic("triage: not a built-in language: " + l)
}

// scriptLang reports whether text is mostly in Latin letters and, if not,
// guesses the language from its dominant script ("" when there are no
// letters or the script is not one we name).
func scriptLang(text string) (lang string, latin bool) {
	var nLatin, nOther int
	counts := map[string]int{}
	ukrainian := false
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		if unicode.Is(unicode.Latin, r) {
			nLatin++
			continue
		}
		nOther++
		for _, s := range scripts {
			if unicode.Is(s.table, r) {
				counts[s.lang]++
				break
			}
		}
		switch r {
		case 'і', 'ї', 'є', 'ґ', 'І', 'Ї', 'Є', 'Ґ':
			ukrainian = true
		}
	}
	if nLatin == 0 && nOther == 0 {
		return "", false
	}
	if nLatin >= nOther {
		return "", true
	}
	if counts["ja"] > 0 {
		return "ja", false // kana with kanji is Japanese
	}
	best, n := "", 0
	for _, s := range scripts {
		if c := counts[s.lang]; c > n {
			best, n = s.lang, c
		}
	}
	if best == "ru" && ukrainian {
		best = "uk"
	}
	return best, false
}
