package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Outgoing is s, a value from the network, made fit to go out again inside
// text hark sends: a customer's name or handle filled into a canned answer
// or a signature. Escape sequences (7-bit and UTF-8-encoded C1) are removed
// with their bodies, as Block removes them, so no "]0;title" is left of a
// title-setting name; control characters, bidi controls (an override in a
// name would turn the brand's words after it around on the customer's
// screen) and invisible format characters are dropped; line breaks and runs
// of white space become one space, trimmed; invalid UTF-8 becomes U+FFFD.
// What is text stays as it is: emoji with their joiners and tags, skin
// tones, letters and their marks. Unlike Line, this is not a display copy:
// it goes back to the customer.
func Outgoing(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		switch {
		case unicode.IsSpace(r): // (U+0085, a C1 control, too)
			space = b.Len() > 0
		case r == 0x1b || r >= 0x80 && r <= 0x9f: // with the sequence it starts
			j = skipSequence(s, r, j)
		case unicode.IsControl(r), bidiName(r) != "", isInvisible(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			if r == utf8.RuneError && n == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(s[i:j])
			}
		}
		i = j
	}
	return b.String()
}
