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
		case r == 0x1b:
			j = skipEscape(s, j)
		case r == 0x9b: // CSI
			j = skipCSI(s, j)
		case r == 0x9d: // OSC
			j = skipString(s, j, true)
		case r == 0x90, r == 0x98, r == 0x9e, r == 0x9f: // DCS, SOS, PM, APC
			j = skipString(s, j, false)
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unicode.IsControl(r), dropOutgoing(r):
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

// dropOutgoing reports the bidi controls and invisible format characters
// Outgoing drops. The zero-width joiner and the tag characters stay: they
// belong to emoji sequences (👩‍💻, subdivision flags).
func dropOutgoing(r rune) bool {
	switch {
	case unicode.Is(unicode.Bidi_Control, r), bidiName(r) != "",
		r == 0x00ad, r == 0x180e, r == 0x200b, r == 0xfeff,
		r >= 0x2060 && r <= 0x2064, r >= 0x206a && r <= 0x206f,
		r >= 0xe0000 && r <= 0xe001f:
		return true
	}
	return false
}
