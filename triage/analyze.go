package triage

import (
	"math"
	"strings"
)

// Sentiment tuning.
const (
	negWindow      = 3    // words before a sentiment word searched for a negation
	intenFactor    = 1.5  // "very happy"
	capsFactor     = 1.3  // "TERRIBLE"
	negFlipPos     = 0.75 // "not happy" = -0.75 × happy
	negFlipNeg     = 0.5  // "not bad" = -0.5 × bad
	exclStep       = 0.1  // each "!" (up to exclMax) amplifies by 10 %
	exclMax        = 4
	complimentMin  = 3 // sentiment at which praise counts as a compliment without a thank-you word
	sentimentLabel = 1 // |score| from which a text is labelled negative/positive
)

// Sentiment labels.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// sentimentOf scores toks with the given lexicons (first language that has
// a match wins at each position). It returns the raw score and whether a
// compliment word matched (not negated).
func sentimentOf(lexs []*lexicon, toks []token, exclamations int) (float64, bool) {
	ixs := make([]*index, len(lexs))
	for k, lx := range lexs {
		ixs[k] = &lx.sent
	}
	used := make([]bool, len(toks))
	var total float64
	compliment := false
	for i := 0; i < len(toks); {
		t := &toks[i]
		switch t.kind {
		case tBreak:
			i++
			continue
		case tEmoji:
			total += t.val
			i++
			continue
		}
		// "super happy": an intensifier before a sentiment word modifies
		// it; alone ("super!") it may be a sentiment word itself.
		p, end := matchAt(ixs, toks, nil, i, nil)
		if (p == nil || p.words == 1) && i+1 < len(toks) &&
			isAny(lexs, t, func(lx *lexicon) map[string]bool { return lx.inten }) {
			if q, _ := matchAt(ixs, toks, nil, i+1, nil); q != nil {
				i++
				continue
			}
		}
		if p == nil {
			i++
			continue
		}
		for k := i; k < end; k++ {
			used[k] = true
		}
		if v := p.weight; v != 0 {
			negated, boosted := modifiers(lexs, toks, used, i)
			if boosted {
				v *= intenFactor
			}
			for k := i; k < end; k++ {
				if toks[k].caps {
					v *= capsFactor
					break
				}
			}
			switch {
			case negated && v > 0:
				v *= -negFlipPos
			case negated:
				v *= -negFlipNeg
			case p.cat == catCompliment:
				compliment = true
			}
			total += v
		}
		i = end
	}
	if total != 0 && exclamations > 0 {
		total *= 1 + exclStep*float64(min(exclamations, exclMax))
	}
	return total, compliment
}

// modifiers looks at the few words before toks[i], within the clause, for a
// negation and an intensifier.
func modifiers(lexs []*lexicon, toks []token, used []bool, i int) (negated, boosted bool) {
	for k, n := i-1, 0; k >= 0 && n < negWindow; k-- {
		t := &toks[k]
		if t.kind != tWord || used[k] {
			break
		}
		n++
		if isAny(lexs, t, func(lx *lexicon) map[string]bool { return lx.neg }) {
			negated = true
		}
		if n <= 2 && isAny(lexs, t, func(lx *lexicon) map[string]bool { return lx.inten }) {
			boosted = true
		}
	}
	return negated, boosted
}

func isAny(lexs []*lexicon, t *token, set func(*lexicon) map[string]bool) bool {
	for _, lx := range lexs {
		m := set(lx)
		if m[t.raw] || m[t.fold] {
			return true
		}
	}
	return false
}

// roundScore turns a raw sentiment into the int score and its label.
func roundScore(s float64) (int, string) {
	n := int(math.Round(s))
	switch {
	case n <= -sentimentLabel:
		return n, Negative
	case n >= sentimentLabel:
		return n, Positive
	}
	return n, Neutral
}

// urgentOf returns the urgency keywords found in toks, as written (lower
// case), without duplicates. Calm phrases ("not urgent", "no rush") are
// matched first and hide the urgency words they contain.
func urgentOf(lexs []*lexicon, toks []token) []string {
	ixs := make([]*index, len(lexs))
	for k, lx := range lexs {
		ixs[k] = &lx.urg
	}
	used := make([]bool, len(toks))
	calm := func(c category) bool { return c == catCalm }
	urgent := func(c category) bool { return c == catUrgent }
	for i := 0; i < len(toks); i++ {
		if p, end := matchAt(ixs, toks, used, i, calm); p != nil {
			for k := i; k < end; k++ {
				used[k] = true
			}
			i = end - 1
		}
	}
	var out []string
	for i := 0; i < len(toks); i++ {
		p, end := matchAt(ixs, toks, used, i, urgent)
		if p == nil {
			continue
		}
		var b strings.Builder
		for k := i; k < end; k++ {
			used[k] = true
			if k > i && !strings.HasSuffix(toks[k-1].raw, "'") {
				b.WriteByte(' ')
			}
			b.WriteString(toks[k].raw)
		}
		if s := b.String(); !contains(out, s) {
			out = append(out, s)
		}
		i = end - 1
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isQuestion reports whether text asks something.
func isQuestion(text string) bool {
	return strings.ContainsAny(text, "?¿？")
}
