package textsafe

import (
	"strconv"
	"strings"
	"unicode"
)

const (
	zwnj = '\u200c'
	zwj  = '\u200d'
)

// bidiName is the marker name of a bidi control (unicode.Bidi_Control), or
// "" for any other rune.
func bidiName(r rune) string {
	switch r {
	case 0x061c:
		return "ALM"
	case 0x200e:
		return "LRM"
	case 0x200f:
		return "RLM"
	case 0x202a:
		return "LRE"
	case 0x202b:
		return "RLE"
	case 0x202c:
		return "PDF"
	case 0x202d:
		return "LRO"
	case 0x202e:
		return "RLO"
	case 0x2066:
		return "LRI"
	case 0x2067:
		return "RLI"
	case 0x2068:
		return "FSI"
	case 0x2069:
		return "PDI"
	}
	return ""
}

// isInvisible reports format characters that have no business on screen:
// Block and Line remove them, Handle marks them. ZWJ/ZWNJ, bidi controls
// and tag characters are handled separately; the visible format characters
// (Arabic number signs, Egyptian hieroglyph controls) are kept.
func isInvisible(r rune) bool {
	switch {
	case r == 0x00ad, // soft hyphen
		r == 0x180e,                  // Mongolian vowel separator
		r == 0x200b,                  // zero width space
		r >= 0x2060 && r <= 0x2064,   // word joiner, invisible operators
		r >= 0x206a && r <= 0x206f,   // deprecated format characters
		r == 0xfeff,                  // BOM / zero width no-break space
		r >= 0xfff9 && r <= 0xfffb,   // interlinear annotation
		r >= 0x1bca0 && r <= 0x1bca3, // shorthand format controls
		r >= 0x1d173 && r <= 0x1d17a, // musical symbol format controls
		r == 0xe0001:                 // language tag
		return true
	}
	return false
}

// isBlankLetter reports letters that render as blank space and are used for
// empty-looking or padded display names.
func isBlankLetter(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800:
		return true
	}
	return false
}

// isVS reports variation selectors (VS1–VS16 and VS17–VS256).
func isVS(r rune) bool {
	return (r >= 0xfe00 && r <= 0xfe0f) || (r >= 0xe0100 && r <= 0xe01ef)
}

// isMark reports combining marks that take no cell of their own.
func isMark(r rune) bool {
	return r >= 0x300 && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r))
}

// isSpace reports Unicode whitespace other than C0/C1 controls and the line
// and paragraph separators, which have their own rules.
func isSpace(r rune) bool {
	return r != 0x2028 && r != 0x2029 && unicode.IsSpace(r)
}

// formatName is the marker name of an invisible character.
func formatName(r rune) string {
	switch r {
	case 0x00ad:
		return "SHY"
	case 0x180e:
		return "MVS"
	case 0x200b:
		return "ZWSP"
	case zwnj:
		return "ZWNJ"
	case zwj:
		return "ZWJ"
	case 0x2060:
		return "WJ"
	case 0xfeff:
		return "BOM"
	}
	switch {
	case r >= 0xfe00 && r <= 0xfe0f:
		return "VS" + strconv.Itoa(int(r-0xfe00)+1)
	case r >= 0xe0100 && r <= 0xe01ef:
		return "VS" + strconv.Itoa(int(r-0xe0100)+17)
	}
	return "U+" + strings.ToUpper(strconv.FormatInt(int64(r), 16))
}

// isPictographic approximates Extended_Pictographic (UTS #51), which Go's
// unicode package does not carry: the ranges emoji ZWJ and tag sequences are
// built from.
func isPictographic(r rune) bool {
	switch {
	case r < 0xa9:
		return false
	case r >= 0x1f000 && r <= 0x1faff, r >= 0x2600 && r <= 0x27bf:
		return true
	case r == 0x00a9, r == 0x00ae, r == 0x203c, r == 0x2049, r == 0x2122,
		r == 0x2139, r >= 0x2194 && r <= 0x2199, r >= 0x21a9 && r <= 0x21aa,
		r >= 0x231a && r <= 0x231b, r == 0x2328, r == 0x2388, r == 0x23cf,
		r >= 0x23e9 && r <= 0x23f3, r >= 0x23f8 && r <= 0x23fa, r == 0x24c2,
		r >= 0x25aa && r <= 0x25ab, r == 0x25b6, r == 0x25c0,
		r >= 0x25fb && r <= 0x25fe, r >= 0x2934 && r <= 0x2935,
		r >= 0x2b05 && r <= 0x2b07, r >= 0x2b1b && r <= 0x2b1c, r == 0x2b50,
		r == 0x2b55, r == 0x3030, r == 0x303d, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}

// isEmojiBase reports what may precede a ZWJ or a variation selector in an
// emoji sequence: a pictograph, VS16, a skin-tone modifier (inside the
// pictographic block) or a keycap.
func isEmojiBase(r rune) bool {
	return r == 0xfe0f || r == 0x20e3 || isPictographic(r)
}

func isKeycapBase(r rune) bool {
	return (r >= '0' && r <= '9') || r == '#' || r == '*'
}

func isIdeograph(r rune) bool {
	return unicode.Is(unicode.Ideographic, r)
}

// isJoiningScript reports letters of scripts that use ZWJ/ZWNJ in ordinary
// text (Arabic-script cursive joining, Indic half forms and conjuncts).
func isJoiningScript(r rune) bool {
	return r >= 0x600 && unicode.In(r,
		unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko,
		unicode.Mongolian, unicode.Devanagari, unicode.Bengali,
		unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya, unicode.Tamil,
		unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala,
		unicode.Myanmar, unicode.Khmer, unicode.Tibetan)
}

// isSkinTone reports the emoji modifiers (Fitzpatrick skin tones).
func isSkinTone(r rune) bool { return r >= 0x1f3fb && r <= 0x1f3ff }
