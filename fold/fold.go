package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWord is the longest word kept, in bytes (longer ones are cut).
const MaxWord = 48

// special are letters that do not decompose into a base and a mark.
var special = map[rune]string{
	'ł': "l", 'Ł': "l", 'ß': "ss", 'ẞ': "ss", 'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ı': "i", 'þ': "th", 'ð': "d",
}

// Word folds one word: lower case, no accents. It keeps letters and digits
// only.
func Word(s string) string {
	if w, ok := asciiWord(s); ok {
		return w
	}
	var b strings.Builder
	appendFolded(&b, s)
	return cut(b.String())
}

func appendFolded(b *strings.Builder, s string) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				b.WriteRune(r)
			}
		case unicode.Is(unicode.Mn, r):
		case special[r] != "":
			b.WriteString(special[r])
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
}

// asciiWord is Word of a word of ASCII letters and digits alone (most
// words of most texts), without a builder: s itself when it is lower case
// already. ok is false for any other s.
func asciiWord(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			upper = true
		default:
			return "", false
		}
	}
	if len(s) > MaxWord {
		s = s[:MaxWord] // ASCII: cut anywhere
	}
	if !upper {
		return strings.Clone(s), true // not a window on a long text
	}
	return strings.ToLower(s), true
}

func cut(w string) string {
	if len(w) <= MaxWord {
		return w
	}
	w = w[:MaxWord]
	for len(w) > 0 && !utf8.ValidString(w) {
		w = w[:len(w)-1]
	}
	return w
}

// Words splits text into folded words, in order, repeats included.
func Words(text string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if w := Word(text[start:end]); w != "" {
				out = append(out, w)
			}
			start = -1
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

// Unique is Words without repeats, in first-seen order.
func Unique(text string) []string {
	ws := Words(text)
	seen := make(map[string]bool, len(ws))
	out := ws[:0]
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Phrase reports whether the folded words of text contain words as a
// contiguous run (a quoted phrase).
func Phrase(text string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	ws := Words(text)
	for i := 0; i+len(words) <= len(ws); i++ {
		ok := true
		for j, w := range words {
			if ws[i+j] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
