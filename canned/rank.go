package canned

import (
	"sort"
	"strings"
	"unicode"

	"github.com/sahilm/fuzzy"

	"github.com/hark-tui/hark/langtag"
)

// Match is a response the picker shows, with its fuzzy score and the byte
// offsets in Title of the characters the query matched (nil when the title
// itself did not match), for highlighting.
type Match struct {
	Response
	Score          int
	MatchedIndexes []int
	// Why says what ranked it for the post (Suggest): "used for 12 posts
	// about cancellation; the post says outage" ("" when only brand and
	// language did).
	Why string
}

// Bonuses added to a field's fuzzy score, so that a hit in the title beats
// the same hit in the tags or the body.
const (
	titleBonus    = 30
	shortcutBonus = 20
	tagsBonus     = 10
)

// Rank orders responses for the picker. A query exactly equal to a
// response's shortcut (ignoring case) puts that response first. Then come,
// in tiers: responses for brand in the post's language (or for any
// language), generic ones in that language, the brand's in English, then
// in other languages, generic ones likewise, and other brands' last. Within a tier the better
// fuzzy score (github.com/sahilm/fuzzy over title, shortcut, tags and body)
// comes first, then the title. An empty query lists every response;
// otherwise responses that match nowhere are left out. lang is the post's
// language ("es", "pt-BR"); unknown ("", "und") counts as English. Brands
// compare ignoring case.
func Rank(all []Response, query, brand, lang string) []Match {
	query = cleanQuery(query)
	lang = postLang(lang)
	type ranked struct {
		Match
		exact bool
		tier  int
	}
	rs := make([]ranked, 0, len(all))
	if query == "" {
		for _, r := range all {
			rs = append(rs, ranked{Match: Match{Response: r}, tier: tier(r, brand, lang)})
		}
	} else {
		scores := scoreAll(all, query)
		for i, r := range all {
			s := scores[i]
			exact := r.Shortcut != "" && strings.EqualFold(r.Shortcut, query)
			if !s.ok && !exact {
				continue
			}
			rs = append(rs, ranked{
				Match: Match{Response: r, Score: s.score, MatchedIndexes: s.title},
				exact: exact,
				tier:  tier(r, brand, lang),
			})
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.exact != b.exact {
			return a.exact
		}
		if a.tier != b.tier {
			return a.tier < b.tier
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return lessResponse(a.Response, b.Response)
	})
	out := make([]Match, len(rs))
	for i, r := range rs {
		out[i] = r.Match
	}
	return out
}

// postLang is a post's language as the ranking reads it: its base
// language, unknown ("", "und") as English.
func postLang(lang string) string {
	lang = langtag.Base(lang)
	if lang == "" || lang == "und" || lang == "zxx" || lang == "mul" {
		return "en"
	}
	return lang
}

// Find is the response named name (its ID, or its shortcut, case aside)
// that fits a post of brand in lang best, as the picker would place it:
// the brand's own in the post's language first, then a generic one, then
// English. A response of another brand never fits.
func Find(all []Response, name, brand, lang string) (Response, bool) {
	best, bestTier, lang := Response{}, 6, postLang(lang)
	for _, r := range all {
		if r.ID != name && (r.Shortcut == "" || !strings.EqualFold(r.Shortcut, name)) {
			continue
		}
		if t := tier(r, brand, lang); t < bestTier {
			best, bestTier = r, t
		}
	}
	return best, bestTier < 6
}

// tier is a response's place for a post of brand in lang (lower first).
func tier(r Response, brand, lang string) int {
	own := r.Brand != "" && SameBrand(r.Brand, brand)
	generic := r.Brand == ""
	fits := r.Lang == "" || langtag.Base(r.Lang) == lang
	// English is the lingua franca: when the post's language has no
	// answer, the English one comes before other foreign languages.
	english := langtag.Base(r.Lang) == "en"
	switch {
	case own && fits:
		return 0
	case generic && fits:
		return 1
	case own && english:
		return 2
	case own:
		return 3
	case generic && english:
		return 4
	case generic:
		return 5
	}
	return 6
}

// SameBrand says whether a and b name one brand (case and runs of spaces
// aside), as an answer's brand: is matched to a conversation's.
func SameBrand(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// cleanQuery trims the query and drops control characters.
func cleanQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, q)
	return strings.TrimSpace(q)
}

type fieldScore struct {
	ok    bool
	score int
	title []int
}

// scoreAll fuzzy-matches query against each response's fields and keeps
// the best field score per response.
func scoreAll(all []Response, query string) []fieldScore {
	out := make([]fieldScore, len(all))
	consider := func(i, score int) {
		if !out[i].ok || score > out[i].score {
			out[i].ok, out[i].score = true, score
		}
	}
	field := func(get func(Response) string, bonus int, compact bool, title bool) {
		data := make([]string, len(all))
		for i, r := range all {
			data[i] = get(r)
		}
		for _, m := range fuzzy.FindNoSort(query, data) {
			if compact && !isCompact(m.MatchedIndexes, len(query)) {
				continue
			}
			consider(m.Index, m.Score+bonus)
			if title {
				out[m.Index].title = m.MatchedIndexes
			}
		}
	}
	field(func(r Response) string { return r.Title }, titleBonus, false, true)
	field(func(r Response) string { return r.Shortcut }, shortcutBonus, false, false)
	field(func(r Response) string { return strings.Join(r.Tags, ", ") }, tagsBonus, false, false)
	field(func(r Response) string { return searchableBody(r.Body) }, 0, true, false)
	return out
}

// isCompact reports whether a fuzzy match in a long text is close together
// (spans at most three times the query): scattered single letters across a
// whole body are not a match anyone means.
func isCompact(idx []int, qlen int) bool {
	if len(idx) == 0 {
		return false
	}
	return idx[len(idx)-1]-idx[0] <= 3*qlen
}

// searchableBody blanks template actions ({{.Name}}) so the picker matches
// the words an agent sees, not variable names.
func searchableBody(body string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "{{")
		if i < 0 {
			b.WriteString(body)
			return b.String()
		}
		b.WriteString(body[:i])
		j := strings.Index(body[i:], "}}")
		if j < 0 {
			return b.String()
		}
		b.WriteByte(' ')
		body = body[i+j+2:]
	}
}
