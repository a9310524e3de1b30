package textsafe

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Control reports whether r must never reach a terminal as it is: C0
// controls (tab and newline included), DEL, C1 controls, bidi controls,
// format characters (unicode.Cf: zero-width and invisible characters, tag
// characters) and the line and paragraph separators.
func Control(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r < 0xa0:
		return false
	case r == 0x2028, r == 0x2029, bidiName(r) != "":
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// EscapeJSON rewrites JSON text (as encoding/json writes it) so that no
// rune Control reports stays raw: each becomes a \uXXXX escape (a
// surrogate pair above U+FFFF), and invalid UTF-8 becomes \ufffd. Inside a
// JSON string an escape decodes to the same rune, so the data is exact;
// outside strings encoding/json writes only ASCII, and the newline, tab
// and carriage return it may put between values are kept. The result is
// safe to print on a terminal.
func EscapeJSON(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
				clean = false
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || Control(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
				out = appendU(out, rune(c))
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case Control(r):
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				out = appendU(appendU(out, r1), r2)
			} else {
				out = appendU(out, r)
			}
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func appendU(b []byte, r rune) []byte {
	s := strconv.FormatInt(int64(r), 16)
	b = append(b, `\u`...)
	for n := len(s); n < 4; n++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Scan checks output bound for a terminal byte by byte and returns the
// first byte sequence that could drive it or hide itself: ESC, C0 controls
// other than newline (and tab when tabs is true), DEL, C1 controls (as
// UTF-8 or as raw 8-bit bytes), bidi controls, the line and paragraph
// separators, invisible format characters and invalid UTF-8 (ZWJ and tag
// characters, which Block and Line keep inside emoji, are allowed). It returns nil when out is safe. Tests use it on
// everything hark prints.
func Scan(out []byte, tabs bool) error {
	for i := 0; i < len(out); {
		c := out[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n', c == '\t' && tabs:
			case c < 0x20 || c == 0x7f:
				return fmt.Errorf("byte %d: control 0x%02x in %q", i, c, context(out, i))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(out[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("byte %d: 0x%02x is not UTF-8 (a raw 8-bit control?) in %q", i, c, context(out, i))
		}
		if r < 0xa0 || r == 0x2028 || r == 0x2029 || bidiName(r) != "" || isInvisible(r) {
			return fmt.Errorf("byte %d: %U raw in %q", i, r, context(out, i))
		}
		i += size
	}
	return nil
}

func context(b []byte, i int) string {
	lo, hi := max(i-30, 0), min(i+30, len(b))
	return string(b[lo:hi])
}
