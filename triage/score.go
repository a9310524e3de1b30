package triage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/langtag"
	"github.com/hark-tui/hark/social"
)

// Rules are one brand's triage settings.
type Rules struct {
	// Urgent adds urgency keywords per language code ("en", "es", …) to
	// the built-in ones; the key "*" adds keywords to every language.
	// Entries use the lexicon syntax: "word", "several words", "stem*",
	// "word ... word" (up to two words in between).
	Urgent map[string][]string
	// VIPs are handles (or network ids) whose posts are boosted, matched
	// case-insensitively with or without a leading @.
	VIPs []string
	// InfluencerFollowers is the follower count from which an author is an
	// influencer (0 = 10000).
	InfluencerFollowers int
	// Calendar is the brand's business hours, used to judge SLA pressure
	// in business time (nil = wall-clock time).
	Calendar *Calendar
}

// DefaultInfluencerFollowers applies when Rules.InfluencerFollowers is 0.
const DefaultInfluencerFollowers = 10000

// Input is what Score looks at.
type Input struct {
	Text   string
	Lang   string // as the network declared it ("" = detect)
	Author social.Author
	Direct bool
	Kind   social.Kind
	// Since is when the SLA clock started (Conversation.WaitingSince); with
	// Due it gives the SLA window. Zero: the window is unknown and a
	// conversation is at risk in its last 15 minutes.
	Since time.Time
	Due   time.Time // SLA deadline (zero = no SLA)
	Now   time.Time // zero = SLA not evaluated
	VIP   bool      // the contact is marked VIP in the store
}

// Result is Score's verdict.
type Result struct {
	Score      int      // 0–100, higher = answer sooner
	Reasons    []string // short, human: "urgent: stranded, cancelled", "VIP", "SLA due in 9m"
	Lang       string   // declared or detected language ("" = unknown)
	Sentiment  int      // <0 negative, >0 positive
	Label      string   // Negative, Neutral or Positive
	Urgent     []string // urgency keywords as found in the text
	Compliment bool     // praise or thanks with no urgency and no question: send a thank-you
	VIP        bool
	Influencer bool
	SLA        SLAState // OK when there is no deadline
}

// Score weights. Urgency weighs most, then VIP/influencer, negative
// sentiment, direct messages and SLA pressure.
const (
	wBase            = 10
	wUrgentFirst     = 40
	wUrgentMore      = 8
	wUrgentMax       = 56
	wVIP             = 20
	wInfluencer      = 10
	wInfluencerBig   = 15 // ten times the threshold
	wNegativeBase    = 4
	wNegativeStep    = 3
	wNegativeMax     = 18
	wDM              = 8
	wQuestion        = 4
	wSearch          = -6 // listening hits did not address the brand
	wCompliment      = -6
	wAtRisk          = 10
	wBreached        = 18
	wBreachedMax     = 12 // extra for a long breach
	breachedStep     = 10 * time.Minute
	unknownWindowMin = 15 * time.Minute
)

// Triager scores posts for one brand. Build it with New; it is immutable and
// safe for concurrent use.
type Triager struct {
	lex        map[string]*lexicon
	vips       map[string]bool
	influencer int
	cal        *Calendar
	b          *builtin
}

// New compiles rules into a Triager. It fails on an urgency keyword the
// lexicon syntax cannot read, naming it.
func New(r Rules) (*Triager, error) {
	b, err := loadBuiltin()
	if err != nil {
		return nil, err
	}
	t := &Triager{
		lex:        make(map[string]*lexicon, len(b.lex)),
		vips:       map[string]bool{},
		influencer: r.InfluencerFollowers,
		cal:        r.Calendar,
		b:          b,
	}
	if t.influencer <= 0 {
		t.influencer = DefaultInfluencerFollowers
	}
	for _, h := range r.VIPs {
		if h = normHandle(h); h != "" {
			t.vips[h] = true
		}
	}
	extra := map[string][]*pattern{}
	for key, words := range r.Urgent {
		lang := langtag.Base(key)
		if strings.TrimSpace(key) == "*" {
			lang = "*"
		}
		if lang == "" {
			return nil, fmt.Errorf("triage: urgent keywords: bad language %q", key)
		}
		for _, w := range words {
			w = strings.ToLower(strings.TrimSpace(w))
			if w == "" {
				continue
			}
			p, err := newPattern(rawEntry{cat: catUrgent, text: w}, func(string, bool) bool { return false })
			if err != nil {
				return nil, fmt.Errorf("triage: urgent keyword for %q: %w", key, err)
			}
			extra[lang] = append(extra[lang], p)
		}
	}
	for l, lx := range b.lex {
		if add := slices.Concat(extra[l], extra["*"]); len(add) > 0 {
			lx = lx.withUrgent(add)
		}
		t.lex[l] = lx
	}
	for l, add := range extra {
		if _, ok := t.lex[l]; !ok && l != "*" {
			// A language with no built-in lexicon: only the brand's words.
			lx := &lexicon{lang: l, stop: map[string]bool{}, neg: map[string]bool{}, inten: map[string]bool{}, sent: newIndex()}
			t.lex[l] = lx.withUrgent(slices.Concat(add, extra["*"]))
		}
	}
	return t, nil
}

// normHandle lower-cases a handle and drops a leading @.
func normHandle(h string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "@")
}

// isVIP reports whether the author is on the brand's VIP list.
func (t *Triager) isVIP(a social.Author) bool {
	if len(t.vips) == 0 {
		return false
	}
	if h := normHandle(a.Handle); h != "" && t.vips[h] {
		return true
	}
	return a.ID != "" && t.vips[normHandle(a.ID)]
}

// lexiconsFor picks the lexicons to read a text with: its declared or
// detected language, plus the detected one when the declaration disagrees
// (networks often default to "en"), or every lexicon when neither is known.
func (t *Triager) lexiconsFor(lang, detected string) []*lexicon {
	var out []*lexicon
	for _, l := range []string{lang, detected} {
		if lx := t.lex[l]; lx != nil && (len(out) == 0 || out[0] != lx) {
			out = append(out, lx)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, l := range builtinLangs {
		out = append(out, t.lex[l])
	}
	return out
}

// Score rates a post 0–100 and says why.
func (t *Triager) Score(in Input) Result {
	toks := tokenize(in.Text)
	detected := detect(t.b, in.Text, toks)
	res := Result{Lang: langtag.Base(in.Lang)}
	if res.Lang == "" {
		res.Lang = detected
	}
	lexs := t.lexiconsFor(res.Lang, detected)

	raw, praise := sentimentOf(lexs, toks, strings.Count(in.Text, "!"))
	res.Sentiment, res.Label = roundScore(raw)
	res.Urgent = urgentOf(lexs, toks)
	question := isQuestion(in.Text)
	res.Compliment = res.Label == Positive && len(res.Urgent) == 0 && !question &&
		(praise || res.Sentiment >= complimentMin)
	res.VIP = in.VIP || t.isVIP(in.Author)
	res.Influencer = in.Author.Followers >= t.influencer

	score := wBase
	if n := len(res.Urgent); n > 0 {
		score += min(wUrgentFirst+wUrgentMore*(n-1), wUrgentMax)
		res.Reasons = append(res.Reasons, "urgent: "+strings.Join(res.Urgent, ", "))
	}
	if res.VIP {
		score += wVIP
		res.Reasons = append(res.Reasons, "VIP")
	}
	if res.Influencer {
		if in.Author.Followers >= 10*t.influencer {
			score += wInfluencerBig
		} else {
			score += wInfluencer
		}
		res.Reasons = append(res.Reasons, "influencer ("+humanCount(in.Author.Followers)+" followers)")
	}
	if res.Label == Negative {
		score += min(wNegativeBase+wNegativeStep*(-res.Sentiment), wNegativeMax)
		res.Reasons = append(res.Reasons, Negative)
	}
	if in.Direct || in.Kind == social.KindDM {
		score += wDM
		res.Reasons = append(res.Reasons, "DM")
	}
	if question && !res.Compliment {
		score += wQuestion
	}
	if in.Kind == social.KindSearch {
		score += wSearch
	}
	if !in.Due.IsZero() && !in.Now.IsZero() {
		var left time.Duration
		if t.cal != nil {
			res.SLA, left = t.cal.SLA(in.Since, in.Due, in.Now)
		} else {
			res.SLA, left = SLA(in.Since, in.Due, in.Now)
		}
		switch res.SLA {
		case Breached:
			score += wBreached + min(int(-left/breachedStep), wBreachedMax)
			if -left < time.Minute {
				res.Reasons = append(res.Reasons, "SLA breached just now")
			} else {
				res.Reasons = append(res.Reasons, "SLA breached "+Countdown(-left)+" ago")
			}
		case AtRisk:
			score += wAtRisk
			res.Reasons = append(res.Reasons, "SLA due in "+Countdown(left))
		}
	}
	if res.Compliment {
		score += wCompliment
		res.Reasons = append(res.Reasons, "compliment")
	}
	if in.Kind == social.KindOwn {
		score = 0
	}
	res.Score = max(0, min(score, 100))
	return res
}

// humanCount shortens a follower count: 950, 1.5k, 52k, 1.2M.
func humanCount(n int) string {
	short := func(v float64, unit string) string {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + unit
	}
	switch {
	case n >= 1_000_000:
		return short(float64(n/100_000)/10, "M")
	case n >= 10_000:
		return strconv.Itoa(n/1000) + "k"
	case n >= 1000:
		return short(float64(n/100)/10, "k")
	}
	return strconv.Itoa(n)
}
