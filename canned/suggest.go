package canned

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/hark-tui/hark/langtag"
)

// Suggestions for a post: the picker lists only the answers of the post's
// brand and the generic ones, and, before anything is typed, ranks them by
// what the post is about (its words and the triage's reasons against each
// answer's title, tags and text), by its language, and by what the
// operators chose before for posts like it — and says why.

// Usage is what the operators chose an answer for before: how often, and
// the words of those posts with their counts.
type Usage struct {
	Count int
	Words map[string]int
}

// Context is the post the picker suggests answers for.
type Context struct {
	Brand string
	Lang  string
	Words []string         // the post's words (Words), with the triage's reasons
	Used  map[string]Usage // by response ID
}

// Words are the words of a text that say what it is about: lower-case,
// letters and digits, at least four runes, each once, in order.
func Words(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			if len([]rune(w)) < 4 || stop[w] || seen[w] {
				continue
			}
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// stop are words that say nothing of a topic.
var stop = map[string]bool{
	"this": true, "that": true, "with": true, "have": true, "your": true, "from": true, "they": true,
	"what": true, "when": true, "will": true, "just": true, "been": true, "there": true, "their": true,
	"about": true, "would": true, "could": true, "please": true, "hello": true,
	"https": true, "http": true, "urgent": true, "negative": true, "positive": true,
}

// stem is a word's first five runes: "cancellation" and "cancelled" meet.
func stem(w string) string {
	r := []rune(w)
	if len(r) > 5 {
		r = r[:5]
	}
	return string(r)
}

// Suggest ranks the responses for a post: other brands' answers are left
// out; with a query, the fuzzy order of Rank; without one, by topic,
// language and past choices. Every match says why it is where it is
// (Why), when there is more to say than the brand and language.
func Suggest(all []Response, query string, cx Context) []Match {
	var mine []Response
	for _, r := range all {
		if r.Brand == "" || cx.Brand == "" || SameBrand(r.Brand, cx.Brand) {
			mine = append(mine, r)
		}
	}
	ms := Rank(mine, query, cx.Brand, cx.Lang)
	lang := langtag.Base(cx.Lang)
	if lang == "" || lang == "und" || lang == "zxx" || lang == "mul" {
		lang = "en"
	}
	post := map[string]bool{}
	for _, w := range cx.Words {
		post[stem(w)] = true
	}
	type scored struct {
		Match
		score float64
	}
	out := make([]scored, len(ms))
	for i, m := range ms {
		topic, weight := topicWords(m.Response, post)
		u := cx.Used[m.ID]
		hist, about := history(u, post)
		score := 8*weight + 12*hist + 2*math.Log1p(float64(u.Count)) - 8*float64(tier(m.Response, cx.Brand, lang))
		m.Why = why(topic, u, about)
		out[i] = scored{m, score}
	}
	if cleanQuery(query) == "" {
		sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	}
	res := make([]Match, len(out))
	for i, s := range out {
		res[i] = s.Match
	}
	return res
}

// topicWords are the post's words an answer is about (by stem): those in
// its title, tags and shortcut weigh three, those only in its text one.
func topicWords(r Response, post map[string]bool) (words []string, weight float64) {
	seen := map[string]bool{}
	for i, text := range []string{r.Title + " " + strings.Join(r.Tags, " ") + " " + r.Shortcut, searchableBody(r.Body)} {
		for _, w := range Words(text) {
			s := stem(w)
			if post[s] && !seen[s] {
				seen[s] = true
				words = append(words, w)
				weight += map[int]float64{0: 3, 1: 1}[i]
			}
		}
	}
	return words, weight
}

// history is how much the posts an answer was chosen for look like this
// one (the share of their word counts this post has), and the most
// frequent shared word.
func history(u Usage, post map[string]bool) (float64, string) {
	if u.Count == 0 || len(u.Words) == 0 {
		return 0, ""
	}
	shared, about, best := 0, "", 0
	for w, n := range u.Words {
		if post[stem(w)] {
			shared += n
			if n > best || n == best && w < about {
				about, best = w, n
			}
		}
	}
	if shared == 0 {
		return 0, ""
	}
	return float64(shared) / float64(u.Count) * math.Log1p(float64(u.Count)), about
}

// why says what put an answer where it is.
func why(topic []string, u Usage, about string) string {
	var parts []string
	if about != "" {
		parts = append(parts, fmt.Sprintf("used for %d %s about %s", u.Count, plural(u.Count, "post", "posts"), about))
	} else if u.Count > 0 {
		parts = append(parts, fmt.Sprintf("used %d %s", u.Count, plural(u.Count, "time", "times")))
	}
	if len(topic) > 0 {
		parts = append(parts, "the post says "+strings.Join(topic[:min(len(topic), 3)], ", "))
	}
	return strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
