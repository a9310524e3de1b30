package langtag

import (
	"strings"

	"golang.org/x/text/language"
)

// Base is the lower-case primary language of a tag, canonical: "en-US",
// "EN" and "eng" are "en", "pt_BR" is "pt", "iw" is "he". A tag that is not
// well-formed or names no language ("und", "mul", "zxx", an unknown
// subtag) gives "".
func Base(tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return ""
	}
	b, conf := t.Base()
	if conf != language.Exact {
		return "" // und
	}
	switch s := b.String(); s {
	case "mul", "zxx":
		return ""
	default:
		return s
	}
}

// Valid reports whether tag is a well-formed BCP 47 tag of a known
// language ("en", "est", "pt-br", "zh-hant"; "_" counts as "-").
func Valid(tag string) bool { return Base(tag) != "" }
