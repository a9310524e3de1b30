package triage

import (
	"bufio"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed lexicon/*.txt
var lexiconFiles embed.FS

// builtinLangs are the languages with embedded lexicons, in the order used
// when a text's language is unknown and every lexicon is consulted.
var builtinLangs = []string{"en", "es", "fr", "de", "pl", "hu", "et"}

// Languages returns the language codes with built-in lexicons.
func Languages() []string { return slices.Clone(builtinLangs) }

// category is what a lexicon entry means.
type category uint8

const (
	catPositive category = iota
	catNegative
	catCompliment
	catNeutral
	catUrgent
	catCalm
)

var sectionCats = map[string]category{
	"positive": catPositive, "negative": catNegative, "compliment": catCompliment,
	"neutral": catNeutral, "urgent": catUrgent, "calm": catCalm,
}

// maxGap is how many words "..." in a phrase may skip.
const maxGap = 2

// minStem is the shortest stem a "word*" entry may have, in runes.
const minStem = 3

// part is one word of a pattern.
type part struct {
	raw, fold string
	prefix    bool // "word*": matches words starting with raw
	gap       bool // "...": skips up to maxGap words
	foldOK    bool // an accent-less spelling may match
}

func (p *part) matches(t *token) bool {
	if t.kind != tWord {
		return false
	}
	if p.prefix {
		return strings.HasPrefix(t.raw, p.raw) || (p.foldOK && strings.HasPrefix(t.fold, p.fold))
	}
	return t.raw == p.raw || (p.foldOK && t.fold == p.fold)
}

// pattern is one compiled lexicon entry.
type pattern struct {
	parts  []part
	cat    category
	weight float64 // signed sentiment weight; 0 for neutral, urgent, calm
	text   string  // as written in the lexicon
	words  int     // literal (non-gap) parts
	exact  int     // literal parts that are not prefixes
	chars  int     // runes in literal parts
}

// better reports whether a is a more specific match than b.
func (a *pattern) better(b *pattern) bool {
	if a.words != b.words {
		return a.words > b.words
	}
	if a.exact != b.exact {
		return a.exact > b.exact
	}
	return a.chars > b.chars
}

// index finds the patterns that may start at a token.
type index struct {
	exact  map[string][]*pattern // by the fold of the first word
	prefix map[string][]*pattern // by the first minStem runes of the fold of the first stem
}

func newIndex() index {
	return index{exact: map[string][]*pattern{}, prefix: map[string][]*pattern{}}
}

func (ix *index) add(p *pattern) {
	first := p.parts[0]
	if first.prefix {
		k := firstRunes(first.fold, minStem)
		ix.prefix[k] = append(ix.prefix[k], p)
		return
	}
	ix.exact[first.fold] = append(ix.exact[first.fold], p)
}

// each calls fn with every pattern whose first word may match t.
func (ix *index) each(t *token, fn func(*pattern)) {
	for _, p := range ix.exact[t.fold] {
		fn(p)
	}
	if len(ix.prefix) > 0 {
		for _, p := range ix.prefix[firstRunes(t.fold, minStem)] {
			fn(p)
		}
	}
}

// matchParts matches parts against toks from j and returns the end of the
// match. Literal words must not be used already; gaps stay inside a clause.
func matchParts(parts []part, toks []token, used []bool, j int) (int, bool) {
	if len(parts) == 0 {
		return j, true
	}
	p := &parts[0]
	if p.gap {
		for skip := 0; skip <= maxGap; skip++ {
			if skip > 0 && (j+skip-1 >= len(toks) || toks[j+skip-1].kind != tWord) {
				break
			}
			if end, ok := matchParts(parts[1:], toks, used, j+skip); ok {
				return end, true
			}
		}
		return 0, false
	}
	if j >= len(toks) || (used != nil && used[j]) || !p.matches(&toks[j]) {
		return 0, false
	}
	return matchParts(parts[1:], toks, used, j+1)
}

// matchAt returns the most specific pattern of the indexes that starts at
// toks[i] and whose category passes want (nil: any), and where it ends.
func matchAt(ixs []*index, toks []token, used []bool, i int, want func(category) bool) (*pattern, int) {
	t := &toks[i]
	if t.kind != tWord || (used != nil && used[i]) {
		return nil, i
	}
	var best *pattern
	bestEnd := i
	for _, ix := range ixs {
		ix.each(t, func(p *pattern) {
			if want != nil && !want(p.cat) {
				return
			}
			if best != nil && !p.better(best) {
				return
			}
			if end, ok := matchParts(p.parts, toks, used, i); ok {
				best, bestEnd = p, end
			}
		})
	}
	return best, bestEnd
}

// lexicon is one language's compiled word lists. It is immutable once built.
type lexicon struct {
	lang  string
	stop  map[string]bool // raw
	neg   map[string]bool // raw and fold
	inten map[string]bool // raw and fold
	sent  index           // positive, negative, compliment, neutral
	urg   index           // urgent, calm
	// urgPatterns are the urgent and calm patterns, kept to rebuild urg
	// with a brand's extra keywords.
	urgPatterns []*pattern
}

// rawEntry is a lexicon line before compilation.
type rawEntry struct {
	cat    category
	text   string
	weight float64
	line   int
}

type rawLexicon struct {
	lang             string
	file             string
	stop, neg, inten []string
	entries          []rawEntry
}

// parseLexicon reads the text format described in lexicon/en.txt.
func parseLexicon(lang, file, src string) (*rawLexicon, error) {
	rl := &rawLexicon{lang: lang, file: file}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			switch section {
			case "stop", "negation", "intensifier":
			default:
				if _, ok := sectionCats[section]; !ok {
					return nil, fmt.Errorf("%s:%d: unknown section [%s]", file, n, section)
				}
			}
			continue
		}
		line = strings.ToLower(line)
		switch section {
		case "":
			return nil, fmt.Errorf("%s:%d: entry before any [section]", file, n)
		case "stop":
			rl.stop = append(rl.stop, strings.Fields(line)...)
		case "negation":
			rl.neg = append(rl.neg, line)
		case "intensifier":
			rl.inten = append(rl.inten, line)
		default:
			cat := sectionCats[section]
			e := rawEntry{cat: cat, text: line, line: n}
			if cat <= catCompliment {
				e.weight = 2
				if i := strings.LastIndexByte(line, ' '); i > 0 {
					if w, err := strconv.Atoi(line[i+1:]); err == nil {
						if w < 1 || w > 5 {
							return nil, fmt.Errorf("%s:%d: weight %d out of range 1-5", file, n, w)
						}
						e.weight, e.text = float64(w), strings.TrimSpace(line[:i])
					}
				}
				if cat == catNegative {
					e.weight = -e.weight
				}
			}
			rl.entries = append(rl.entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return rl, nil
}

// parseParts turns an entry's text into pattern parts, tokenized exactly as
// posts are so that "l'heure" or "ras-le-bol" match what people write.
func parseParts(text string) ([]part, error) {
	var parts []part
	for _, f := range strings.Fields(text) {
		if f == "..." {
			if len(parts) == 0 || parts[len(parts)-1].gap {
				return nil, fmt.Errorf("%q: misplaced \"...\"", text)
			}
			parts = append(parts, part{gap: true})
			continue
		}
		prefix := strings.HasSuffix(f, "*")
		f = strings.TrimSuffix(f, "*")
		var words []token
		for _, t := range scanWords(nil, apostrophes.Replace(f), false) {
			if t.kind != tWord {
				return nil, fmt.Errorf("%q: %q is not a word", text, f)
			}
			words = append(words, t)
		}
		if len(words) == 0 {
			return nil, fmt.Errorf("%q: %q is not a word", text, f)
		}
		for k, w := range words {
			p := part{raw: w.raw, fold: w.fold}
			if prefix && k == len(words)-1 {
				if utf8.RuneCountInString(w.fold) < minStem {
					return nil, fmt.Errorf("%q: stem %q is shorter than %d letters", text, w.raw, minStem)
				}
				p.prefix = true
			}
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%q: empty entry", text)
	}
	if parts[len(parts)-1].gap {
		return nil, fmt.Errorf("%q: misplaced \"...\"", text)
	}
	return parts, nil
}

// newPattern compiles an entry. blocked reports folded spellings that are
// words of their own (German "schon" is not "schön") and so must not match
// an entry written with accents.
func newPattern(e rawEntry, blocked func(fold string, prefix bool) bool) (*pattern, error) {
	parts, err := parseParts(e.text)
	if err != nil {
		return nil, err
	}
	p := &pattern{parts: parts, cat: e.cat, weight: e.weight, text: e.text}
	for k := range parts {
		q := &parts[k]
		if q.gap {
			continue
		}
		q.foldOK = q.raw == q.fold || !blocked(q.fold, q.prefix)
		p.words++
		if !q.prefix {
			p.exact++
		}
		p.chars += utf8.RuneCountInString(q.raw)
	}
	return p, nil
}

// patternKey identifies an entry for duplicate detection.
func patternKey(p *pattern) string {
	var b strings.Builder
	for _, q := range p.parts {
		switch {
		case q.gap:
			b.WriteString("... ")
		case q.prefix:
			b.WriteString(q.raw + "* ")
		default:
			b.WriteString(q.raw + " ")
		}
	}
	return b.String()
}

// compile builds a lexicon. globalStop holds the stop words of every
// language, for the folded-spelling check.
func compile(rl *rawLexicon, globalStop map[string]bool) (*lexicon, error) {
	lx := &lexicon{
		lang:  rl.lang,
		stop:  map[string]bool{},
		neg:   map[string]bool{},
		inten: map[string]bool{},
		sent:  newIndex(),
		urg:   newIndex(),
	}
	for _, w := range rl.stop {
		lx.stop[w] = true
	}
	for _, w := range rl.neg {
		lx.neg[w], lx.neg[fold(w)] = true, true
	}
	for _, w := range rl.inten {
		lx.inten[w], lx.inten[fold(w)] = true, true
	}
	// Words of this language that an accent-stripped spelling must not
	// be confused with.
	own := map[string]bool{}
	for w := range lx.stop {
		own[w] = true
	}
	for _, e := range rl.entries {
		if !strings.ContainsAny(e.text, " *") {
			own[e.text] = true
		}
	}
	blocked := func(f string, prefix bool) bool {
		if !prefix {
			return globalStop[f] || own[f]
		}
		for w := range globalStop {
			if strings.HasPrefix(w, f) {
				return true
			}
		}
		for w := range own {
			if w == fold(w) && strings.HasPrefix(w, f) {
				return true
			}
		}
		return false
	}
	seen := map[string]int{}
	for _, e := range rl.entries {
		p, err := newPattern(e, blocked)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", rl.file, e.line, err)
		}
		group := "s:"
		if e.cat == catUrgent || e.cat == catCalm {
			group = "u:"
		}
		k := group + patternKey(p)
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("%s:%d: %q already listed at line %d", rl.file, e.line, e.text, prev)
		}
		seen[k] = e.line
		if group == "u:" {
			lx.urg.add(p)
			lx.urgPatterns = append(lx.urgPatterns, p)
		} else {
			lx.sent.add(p)
		}
	}
	return lx, nil
}

// withUrgent returns a copy of lx whose urgency index also holds extra
// keywords (already compiled). lx itself is not changed.
func (lx *lexicon) withUrgent(extra []*pattern) *lexicon {
	cp := *lx
	cp.urg = newIndex()
	cp.urgPatterns = append(slices.Clip(lx.urgPatterns), extra...)
	for _, p := range cp.urgPatterns {
		cp.urg.add(p)
	}
	return &cp
}

// builtin is the compiled set of embedded lexicons.
type builtin struct {
	lex      map[string]*lexicon
	foldStop map[string][]string // folded stop word → languages
	ixs      map[string][]*index // both indexes of each language, for detection
	// For detection, by language (bit i: builtinLangs[i]): the languages
	// whose stop words hold a raw word (shared words count for less: a
	// language's share is 1 over the bits set), and whose indexes hold a
	// pattern that may start at a token
	// (by its fold, or the first minStem runes of it for a prefix
	// pattern). A token no language may match is passed over at once.
	stopMask    map[string]uint8
	startExact  map[string]uint8
	startPrefix map[string]uint8
}

// loadBuiltin parses and compiles the embedded lexicons once. The result
// is never modified afterwards.
var loadBuiltin = sync.OnceValues(func() (*builtin, error) {
	raws := make([]*rawLexicon, 0, len(builtinLangs))
	globalStop := map[string]bool{}
	for _, lang := range builtinLangs {
		file := "lexicon/" + lang + ".txt"
		src, err := lexiconFiles.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("triage: lexicon %s: %w", lang, err)
		}
		rl, err := parseLexicon(lang, file, string(src))
		if err != nil {
			return nil, fmt.Errorf("triage: lexicon: %w", err)
		}
		for _, w := range rl.stop {
			globalStop[w] = true
		}
		raws = append(raws, rl)
	}
	b := &builtin{lex: map[string]*lexicon{}, foldStop: map[string][]string{}, ixs: map[string][]*index{}}
	for _, rl := range raws {
		lx, err := compile(rl, globalStop)
		if err != nil {
			return nil, fmt.Errorf("triage: lexicon: %w", err)
		}
		b.lex[rl.lang] = lx
		b.ixs[rl.lang] = []*index{&lx.sent, &lx.urg}
		for w := range lx.stop {
			if f := fold(w); f != w && !globalStop[f] {
				b.foldStop[f] = append(b.foldStop[f], rl.lang)
			}
		}
	}
	if len(builtinLangs) > 8 {
		return nil, fmt.Errorf("triage: %d built-in languages: detect keeps them in 8 bits", len(builtinLangs))
	}
	b.stopMask = map[string]uint8{}
	b.startExact, b.startPrefix = map[string]uint8{}, map[string]uint8{}
	for i, l := range builtinLangs {
		bit := uint8(1) << i
		for w := range b.lex[l].stop {
			b.stopMask[w] |= bit
		}
		for _, ix := range b.ixs[l] {
			for k := range ix.exact {
				b.startExact[k] |= bit
			}
			for k := range ix.prefix {
				b.startPrefix[k] |= bit
			}
		}
	}
	return b, nil
})

// mustBuiltin returns the embedded lexicons. They are part of the binary and
// covered by tests, so a failure is a build defect.
func mustBuiltin() *builtin {
	b, err := loadBuiltin()
	if err != nil {
		panic(err)
	}
	return b
}
