package query

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Term is one condition.
type Term struct {
	Field string // "" for free text
	Value string
	Not   bool
	// Phrase: free text in quotes (its words next to each other).
	Phrase bool
}

// Query is a parsed search.
type Query struct {
	Raw   string
	Terms []Term
}

var fields = map[string]bool{"tag": true, "brand": true, "net": true, "from": true, "is": true, "lang": true, "sentiment": true, "before": true, "after": true}

var isValues = map[string]bool{"new": true, "open": true, "pending": true, "snoozed": true, "resolved": true, "breached": true, "vip": true, "dm": true, "draft": true}

// Parse reads a query; errors name the bad term.
func Parse(s string) (*Query, error) {
	q := &Query{Raw: strings.TrimSpace(s)}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		term := Term{}
		if strings.HasPrefix(t, "-") && len(t) > 1 {
			term.Not = true
			t = t[1:]
		}
		if i := strings.IndexByte(t, ':'); i > 0 && fields[strings.ToLower(t[:i])] {
			term.Field = strings.ToLower(t[:i])
			term.Value = unquote(t[i+1:])
			if term.Value == "" {
				return nil, fmt.Errorf("query: %s: needs a value", term.Field)
			}
			if err := check(&term); err != nil {
				return nil, err
			}
		} else {
			term.Phrase = strings.Contains(t, `"`)
			term.Value = strings.ToLower(unquote(t))
			if term.Value == "" {
				continue
			}
		}
		q.Terms = append(q.Terms, term)
	}
	return q, nil
}

func check(t *Term) error {
	v := strings.ToLower(t.Value)
	switch t.Field {
	case "is":
		if !isValues[v] {
			return fmt.Errorf("query: is:%s: use one of new, open, pending, snoozed, resolved, breached, vip, dm, draft", t.Value)
		}
		t.Value = v
	case "sentiment":
		switch v {
		case "neg", "negative":
			t.Value = "neg"
		case "pos", "positive":
			t.Value = "pos"
		case "neu", "neutral":
			t.Value = "neutral"
		default:
			return fmt.Errorf("query: sentiment:%s: use neg, pos or neutral", t.Value)
		}
	case "before", "after":
		if _, err := time.Parse("2006-01-02", t.Value); err != nil {
			return fmt.Errorf("query: %s:%s: dates are YYYY-MM-DD", t.Field, t.Value)
		}
	case "net":
		t.Value = v
	case "from":
		t.Value = strings.TrimPrefix(v, "@")
	case "lang":
		t.Value = v
	case "tag":
		t.Value = strings.TrimPrefix(v, "#")
	}
	if t.Value == "" { // "from:@" normalises to nothing
		return fmt.Errorf("query: %s: needs a value", t.Field)
	}
	return nil
}

func tokenize(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQuote := false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
		case unicode.IsSpace(r) && !inQuote:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("query: unclosed quote")
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

func unquote(s string) string { return strings.ReplaceAll(s, `"`, "") }

// View is the queue view the query needs: a state filter other than the
// inbox's means searching all conversations.
func (q *Query) View(def store.View) store.View {
	for _, t := range q.Terms {
		if t.Field == "is" && !t.Not {
			switch t.Value {
			case "pending", "snoozed", "resolved":
				return store.ViewAll
			}
		}
	}
	if len(q.Terms) > 0 && def == store.ViewActionable {
		return def
	}
	return def
}

// MatchRef checks the terms the index can answer (brand, net, vip, dm);
// the others pass here and are checked by Match.
func (q *Query) MatchRef(r store.Ref) bool { return q.matchRef(r, time.Time{}, false) }

// NeedsConv reports whether Match needs the whole conversation.
func (q *Query) NeedsConv() bool {
	for _, t := range q.Terms {
		switch t.Field {
		case "brand", "net":
		case "is":
			if t.Value != "vip" && t.Value != "dm" && t.Value != "draft" {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// WantsDrafts reports whether q has an is:draft term (negated or not):
// who searches must know which conversations have a draft (MatchDrafts).
func (q *Query) WantsDrafts() bool {
	for _, t := range q.Terms {
		if t.Field == "is" && t.Value == "draft" {
			return true
		}
	}
	return false
}

// MatchDrafts checks the is:draft terms: conversation id has a saved
// draft when drafts holds it (the other terms pass here).
func (q *Query) MatchDrafts(id string, drafts map[string]bool) bool {
	for _, t := range q.Terms {
		if t.Field == "is" && t.Value == "draft" && drafts[id] == t.Not {
			return false
		}
	}
	return true
}

// Match checks every term against a conversation.
func (q *Query) Match(c social.Conversation, now time.Time) bool {
	for _, t := range q.Terms {
		if matchTerm(t, c, now) == t.Not {
			return false
		}
	}
	return true
}

func matchTerm(t Term, c social.Conversation, now time.Time) bool {
	switch t.Field {
	case "":
		hay := strings.ToLower(c.Preview + " " + c.Contact.Handle + " " + c.Contact.DisplayName + " " + strings.Join(c.Reasons, " ") + " #" + c.ID)
		return strings.Contains(hay, t.Value)
	case "brand":
		return strings.Contains(strings.ToLower(c.Brand), strings.ToLower(t.Value))
	case "net":
		return string(c.Network) == t.Value
	case "from":
		// part of the handle or of the name: from:maria finds
		// @maria.k@mastodon.social and "María K." alike
		h := strings.ToLower(strings.TrimPrefix(c.Contact.Handle, "@"))
		return strings.Contains(h, t.Value) || strings.Contains(strings.ToLower(c.Contact.DisplayName), t.Value)
	case "lang":
		return strings.EqualFold(c.Lang, t.Value)
	case "sentiment":
		switch t.Value {
		case "neg":
			return c.Sentiment < 0
		case "pos":
			return c.Sentiment > 0
		}
		return c.Sentiment == 0
	case "before", "after":
		d, _ := time.Parse("2006-01-02", t.Value)
		if t.Field == "before" {
			return c.LastCustomerAt.Before(d)
		}
		return !c.LastCustomerAt.Before(d.AddDate(0, 0, 1))
	case "is":
		switch t.Value {
		case "vip":
			return c.VIP
		case "dm":
			return c.Direct
		case "breached":
			return c.State.Actionable() && !c.DueAt.IsZero() && now.After(c.DueAt)
		case "draft":
			return !t.Not // the conversation alone does not say: MatchDrafts
		}
		return string(c.State) == t.Value
	}
	return false
}
