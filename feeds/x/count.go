package x

import (
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Text limits (twitter-text config v3).
const (
	MaxWeighted = 280   // weighted length of a post
	MaxDM       = 10000 // characters of a direct message
	URLWeight   = 23    // every URL, whatever its length (t.co)
)

// WeightedLength counts text the way X does (twitter-text v3): the text is
// NFC-normalised; every URL counts URLWeight; an emoji, including ZWJ
// sequences, skin tones, keycaps and flags, counts 2; any other code point
// counts 1 in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037,
// and 2 elsewhere (CJK, most symbols).
func WeightedLength(text string) int {
	s := norm.NFC.String(text)
	spans := urlSpans(s)
	n := 0
	for i, k := 0, 0; i < len(s); {
		if k < len(spans) && i >= spans[k][0] {
			n += URLWeight
			i = spans[k][1]
			k++
			continue
		}
		stop := len(s)
		if k < len(spans) {
			stop = spans[k][0]
		}
		cluster, _, _, _ := uniseg.FirstGraphemeClusterInString(s[i:stop], -1)
		if cluster == "" { // cannot happen for non-empty input; never loop forever
			_, size := utf8.DecodeRuneInString(s[i:])
			cluster = s[i : i+size]
		}
		if isEmojiSequence(cluster) {
			n += 2
		} else {
			for _, r := range cluster {
				n += runeWeight(r)
			}
		}
		i += len(cluster)
	}
	return n
}

// runeWeight is twitter-text v3's per-code-point weight (scaled to 1 or 2).
func runeWeight(r rune) int {
	switch {
	case r >= 0 && r <= 4351,
		r >= 8192 && r <= 8205,
		r >= 8208 && r <= 8223,
		r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

// isEmojiSequence reports whether a multi-code-point grapheme cluster is an
// emoji sequence (counted 2 as a whole). Single code points need no test:
// every emoji-presentation code point lies outside the weight-1 ranges, so
// it weighs 2 on its own, while text-presentation ones such as © weigh as
// the character they are.
func isEmojiSequence(cluster string) bool {
	first, size := utf8.DecodeRuneInString(cluster)
	if size == len(cluster) {
		return false
	}
	if isRegionalIndicator(first) {
		second, _ := utf8.DecodeRuneInString(cluster[size:])
		return isRegionalIndicator(second)
	}
	keycapBase := first == '#' || first == '*' || (first >= '0' && first <= '9')
	if keycapBase {
		return strings.ContainsRune(cluster, 0x20E3)
	}
	if !pictographicBase(first) {
		return false
	}
	for _, r := range cluster[size:] {
		switch {
		case r == 0xFE0F, r == 0x200D, r == 0x20E3,
			r >= 0x1F3FB && r <= 0x1F3FF, // skin tones
			r >= 0xE0020 && r <= 0xE007F: // tag sequences (subdivision flags)
			return true
		}
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// pictographicBase approximates Extended_Pictographic for the first code
// point of an emoji sequence.
func pictographicBase(r rune) bool {
	switch r {
	case 0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299:
		return true
	}
	return (r >= 0x2190 && r <= 0x2BFF) || (r >= 0x1F000 && r <= 0x1FAFF)
}

// Count implements social.Limiter: weighted length and 280 for posts,
// characters (code points after NFC) and 10,000 for direct messages.
func (c *Client) Count(text string, direct bool) (n, limit int) {
	return count(text, direct)
}

func count(text string, direct bool) (n, limit int) {
	if direct {
		return utf8.RuneCountInString(norm.NFC.String(text)), MaxDM
	}
	return WeightedLength(text), MaxWeighted
}

// urlSpans returns the byte ranges of the URLs twitter-text would extract
// from s: http(s):// URLs, and bare domains with a known top-level domain
// (a one-label domain under a country code, like "foo.jp", only with a
// path, except .co and .tv). E-mail addresses and @handles are not URLs.
func urlSpans(s string) [][2]int {
	var spans [][2]int
	prev := rune(-1) // rune before i, -1 at the start
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isASCIIAlnum(r) && !invalidURLPreceding(prev) {
			if end, ok := schemeURL(s, i); ok {
				spans = append(spans, [2]int{i, end})
				prev, i = lastRune(s[:end]), end
				continue
			}
			if !invalidBareURLPreceding(prev) {
				if end, ok := bareURL(s, i); ok {
					spans = append(spans, [2]int{i, end})
					prev, i = lastRune(s[:end]), end
					continue
				}
			}
		}
		prev = r
		i += size
	}
	return spans
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func isASCIIAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// invalidURLPreceding: a URL cannot follow a letter, digit, @, $ or # (nor
// the full-width @ and #, nor bidi embedding controls).
func invalidURLPreceding(r rune) bool {
	return isASCIIAlnum(r) || r == '@' || r == '$' || r == '#' || r == '＠' || r == '＃' ||
		(r >= 0x202A && r <= 0x202E)
}

// invalidBareURLPreceding: a URL without scheme cannot follow - _ . or /.
func invalidBareURLPreceding(r rune) bool {
	return r == '-' || r == '_' || r == '.' || r == '/'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// schemeURL matches http:// or https:// plus a host at i.
func schemeURL(s string, i int) (int, bool) {
	j := i
	switch {
	case hasPrefixFold(s[i:], "https://"):
		j += len("https://")
	case hasPrefixFold(s[i:], "http://"):
		j += len("http://")
	default:
		return 0, false
	}
	hostStart := j
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !(isASCIIAlnum(r) || r == '.' || r == '-' || r == '_' || (r > 0x7F && isPathLetter(r))) {
			break
		}
		j += size
	}
	if j == hostStart || !strings.Contains(s[hostStart:j], ".") {
		return 0, false
	}
	return urlRest(s, j), true
}

// bareURL matches a domain with a known TLD (and optional port and path) at i.
func bareURL(s string, i int) (int, bool) {
	// Labels: [a-z0-9]([a-z0-9-]*[a-z0-9])? separated by single dots.
	var ends []int // end offset of each label
	j := i
	for {
		start := j
		for j < len(s) && (isASCIIAlnum(rune(s[j])) || s[j] == '-') {
			j++
		}
		if j == start || s[start] == '-' || s[j-1] == '-' {
			j = start
			break
		}
		ends = append(ends, j)
		if j+1 < len(s) && s[j] == '.' && isASCIIAlnum(rune(s[j+1])) {
			j++
			continue
		}
		break
	}
	// Longest prefix of labels that ends in a valid TLD.
	for k := len(ends); k >= 2; k-- {
		end := ends[k-1]
		tldStart := ends[k-2] + 1
		tld := strings.ToLower(s[tldStart:end])
		if end < len(s) {
			if next, _ := utf8.DecodeRuneInString(s[end:]); isASCIIAlnum(next) || next == '@' || next == '_' || next == '-' {
				continue
			}
		}
		gtld, cctld := genericTLDs[tld], countryTLDs[tld]
		if !gtld && !cctld {
			continue
		}
		rest := urlRest(s, end)
		if cctld && !gtld && k == 2 && rest == end && tld != "co" && tld != "tv" {
			return 0, false // "foo.jp" without a path is not a URL
		}
		return rest, true
	}
	return 0, false
}

// urlRest extends a URL from the end of its host over port, path, query
// and fragment, then drops trailing punctuation (keeping a ")" that closes
// a "(" of the URL).
func urlRest(s string, j int) int {
	if j < len(s) && s[j] == ':' {
		k := j + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j+1 {
			j = k
		}
	}
	if j >= len(s) || (s[j] != '/' && s[j] != '?' && s[j] != '#') {
		return j
	}
	hostEnd := j
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isPathRune(r) {
			break
		}
		j += size
	}
	for j > hostEnd {
		r, size := utf8.DecodeLastRuneInString(s[hostEnd:j])
		if r == ')' && strings.Count(s[hostEnd:j], "(") >= strings.Count(s[hostEnd:j], ")") {
			break
		}
		if !strings.ContainsRune(".,;:!?'\")]}*|–", r) {
			break
		}
		j -= size
	}
	return j
}

func isPathRune(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r != '"' && r != '<' && r != '>' && r != '{' && r != '}' &&
			r != '^' && r != '`' && r != '\\' && r != 0x7F
	}
	return r == '–' || isPathLetter(r)
}

// isPathLetter: Latin-1/Latin Extended letters and Cyrillic may appear in
// URL paths; CJK and other scripts end a URL.
func isPathLetter(r rune) bool {
	return (r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7) || (r >= 0x400 && r <= 0x4FF)
}

func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// genericTLDs is a subset of IANA's generic TLDs: the ones people write in
// customer-care posts. Unknown TLDs are counted as text (slightly short).
var genericTLDs = setOf(`com net org edu gov mil int info biz name pro aero coop museum mobi asia tel
travel jobs cat app dev page blog shop store online site tech xyz club top news live life world
email cloud design agency digital media network social today art link click space website fun guru
coffee cafe team tools solutions services support company center global love studio help care
express delivery market shopping sale deals money bank finance pay group family foundation one
new`)

// countryTLDs are the two-letter country-code TLDs.
var countryTLDs = setOf(`ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi
bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm
do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw
gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la
lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na
nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa
sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt
tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw`)
