package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokKind says what a token is.
type tokKind uint8

const (
	tWord  tokKind = iota // a word, lower-cased
	tEmoji                // an emoji or emoticon carrying sentiment
	tBreak                // a clause boundary: . , ; : ! ? line break …
)

// token is one unit of text as the lexicons see it.
type token struct {
	kind tokKind
	raw  string  // lower-cased NFC text
	fold string  // raw without diacritics (see fold)
	caps bool    // written in capitals (three letters or more)
	val  float64 // sentiment of an emoji token
}

// apostrophes maps the typographic apostrophes people type to '.
var apostrophes = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u02bc", "'", "`", "'", "\u00b4", "'")

// elisions are the French (and Italian) elided articles and pronouns that are
// split off the word they are glued to: "l'avion" → "l'", "avion".
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "n": true, "m": true, "t": true, "s": true,
	"c": true, "qu": true, "jusqu": true, "lorsqu": true, "puisqu": true,
}

// tokenize splits text into words, emoji and clause boundaries. Mentions
// (@user, @user@domain) and URLs are skipped; hashtags are read as words,
// split at camel-case humps (#PowerOutage → power, outage).
func tokenize(text string) []token {
	text = apostrophes.Replace(norm.NFC.String(text))
	toks := make([]token, 0, len(text)/5+2)
	for line := range strings.Lines(text) {
		for _, f := range strings.Fields(line) {
			toks = appendField(toks, f)
		}
		toks = appendBreak(toks)
	}
	return toks
}

func appendBreak(toks []token) []token {
	if len(toks) == 0 || toks[len(toks)-1].kind == tBreak {
		return toks
	}
	return append(toks, token{kind: tBreak})
}

// appendField tokenizes one whitespace-separated field.
func appendField(toks []token, f string) []token {
	if v, ok := emoticons[strings.TrimRight(f, ".,;!?")]; ok {
		toks = append(toks, token{kind: tEmoji, raw: f, val: v})
		if strings.ContainsAny(f[len(strings.TrimRight(f, ".,;!?")):], ".,;!?") {
			toks = appendBreak(toks)
		}
		return toks
	}
	switch {
	case f[0] == '@', strings.Contains(f, "://"), hasPrefixFold(f, "www."):
		// A mention or a link: no words, but keep the sentence end.
		if r, _ := utf8.DecodeLastRuneInString(f); isBreakRune(r) {
			toks = appendBreak(toks)
		}
		return toks
	case f[0] == '#' && len(f) > 1:
		return scanWords(toks, f[1:], true)
	}
	return scanWords(toks, f, false)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scanWords splits a field into words, boundaries and emoji.
func scanWords(toks []token, f string, camel bool) []token {
	start := -1 // byte offset of the current word
	var prev rune
	flush := func(end int) {
		if start >= 0 {
			toks = appendWord(toks, f[start:end])
			start = -1
		}
	}
	for i, r := range f {
		switch {
		case isWordRune(r) && (start >= 0 || !unicode.Is(unicode.Mn, r)):
			if start >= 0 && camel && unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush(i)
			}
			if start < 0 {
				start = i
			}
		case r == '\'' && start >= 0 && unicode.IsLetter(prev) && nextIsLetter(f[i+1:]):
			// inside a word: don't, O'Hare, l'avion
		default:
			flush(i)
			if isBreakRune(r) {
				toks = appendBreak(toks)
			} else if v, ok := emojiSentiment[r]; ok {
				toks = append(toks, token{kind: tEmoji, raw: string(r), val: v})
			}
		}
		prev = r
	}
	flush(len(f))
	return toks
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isBreakRune(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', '¿', '¡', '…', '(', ')', '[', ']', '–', '—', '"', '«', '»', '“', '”', '„':
		return true
	}
	return false
}

// appendWord lower-cases a word, splits French elisions and appends it.
func appendWord(toks []token, w string) []token {
	lower := strings.ToLower(w)
	if i := strings.IndexByte(lower, '\''); i > 0 && elisions[lower[:i]] {
		toks = append(toks, token{kind: tWord, raw: lower[:i+1], fold: fold(lower[:i+1])})
		rest := w[i+1:]
		if rest == "" {
			return toks
		}
		return appendWord(toks, rest)
	}
	return append(toks, token{kind: tWord, raw: lower, fold: fold(lower), caps: isCaps(w, lower)})
}

// isCaps reports whether w is a word of three letters or more written in
// capitals ("NOW", "URGENT").
func isCaps(w, lower string) bool {
	if w == lower {
		return false
	}
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 3
}

// fold strips diacritics so that text typed without accents still matches:
// "utknalem" matches "utknąłem", "annule" matches "annulé". Letters that do
// not decompose are mapped by hand (ł → l, ß → ss, ø → o, œ → oe).
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ł':
			b.WriteByte('l')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'đ':
			b.WriteByte('d')
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ı':
			b.WriteByte('i')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// firstRunes returns the first n runes of s (all of s if shorter).
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
