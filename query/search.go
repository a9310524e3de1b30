package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hark-tui/hark/fold"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Clauses turns the terms the store's index answers into clauses (every
// term but brand:, net:, is:vip, is:dm and is:breached, which the queue
// index's refs answer: see MatchRefAt). loc is the time zone dates are
// read in (before:/after: are whole days there, both inclusive).
func (q *Query) Clauses(loc *time.Location) []store.SearchClause {
	var out []store.SearchClause
	for _, t := range q.Terms {
		cl := store.SearchClause{Not: t.Not}
		switch t.Field {
		case "":
			if strings.HasPrefix(t.Value, "#") && isDigits(t.Value[1:]) {
				continue // a conversation id: MatchRefAt
			}
			words := fold.Words(t.Value)
			if len(words) == 0 {
				continue
			}
			cl.Kind, cl.Words = store.ClauseWord, words
			if len(words) > 1 || t.Phrase {
				cl.Kind = store.ClausePhrase
			}
		case "from":
			cl.Kind, cl.Value = store.ClauseFrom, strings.ToLower(t.Value)
			if w := fold.Word(t.Value); w != "" && !strings.ContainsAny(t.Value, ".@_-") {
				cl.Value = w
			}
		case "tag":
			cl.Kind, cl.Value = store.ClauseTag, fold.Word(t.Value)
		case "lang":
			cl.Kind, cl.Value = store.ClauseLang, t.Value
		case "sentiment":
			cl.Kind, cl.Value = store.ClauseSentiment, t.Value
		case "is":
			switch t.Value {
			case "new", "open", "pending", "snoozed", "resolved":
				cl.Kind, cl.Value = store.ClauseState, t.Value
			default:
				continue
			}
		case "before", "after":
			d, _ := time.ParseInLocation("2006-01-02", t.Value, loc)
			if t.Field == "before" {
				cl.Kind, cl.Time = store.ClauseBefore, d.AddDate(0, 0, 1)
			} else {
				cl.Kind, cl.Time = store.ClauseAfter, d
			}
		default:
			continue
		}
		out = append(out, cl)
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MatchRefAt checks the terms a queue ref answers: brand:, net:, is:vip,
// is:dm, is:breached (at now) and a conversation id (#42).
func (q *Query) MatchRefAt(r store.Ref, now time.Time) bool { return q.matchRef(r, now, true) }

// matchRef checks brand:, net:, is:vip and is:dm on a ref and, at a time
// (at), is:breached and a conversation id; any other term passes.
func (q *Query) matchRef(r store.Ref, now time.Time, at bool) bool {
	for _, t := range q.Terms {
		ok, known := true, true
		switch t.Field {
		case "brand":
			ok = strings.Contains(strings.ToLower(r.Brand), strings.ToLower(t.Value))
		case "net":
			ok = string(r.Network) == t.Value
		case "is":
			switch t.Value {
			case "vip":
				ok = r.VIP
			case "dm":
				ok = r.Direct
			case "breached":
				ok, known = len(r.Sort) > 0 && r.Sort[0] == 0 && !r.Due.IsZero() && now.After(r.Due), at
			default:
				known = false
			}
		case "":
			if at && strings.HasPrefix(t.Value, "#") && isDigits(t.Value[1:]) {
				ok = r.ID == t.Value[1:]
			} else {
				known = false
			}
		default:
			known = false
		}
		if known && ok == t.Not {
			return false
		}
	}
	return true
}

// Search returns the refs of view v that match q and pass keep, in queue
// order: from the store's full-text index when it has one and it is
// complete, else by reading every conversation of the view (scanned is
// then true). ctx cancels it (the TUI's next key).
func Search(ctx context.Context, st store.Reader, q *Query, v store.View, keep func(store.Ref) bool, now time.Time, loc *time.Location) (refs []store.Ref, scanned bool, err error) {
	var drafts map[string]bool
	if q.WantsDrafts() {
		ids, err := st.Drafts(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("search: reading drafts: %w", err)
		}
		drafts = make(map[string]bool, len(ids))
		for _, id := range ids {
			drafts[id] = true
		}
	}
	refKeep := func(r store.Ref) bool {
		return (keep == nil || keep(r)) && q.MatchRefAt(r, now) && q.MatchDrafts(r.ID, drafts)
	}
	if v == store.ViewAll && q.breached() {
		v = store.ViewActionable // only the inbox can be breached: read only it
	}
	if s, ok := st.(store.Searcher); ok {
		refs, err := s.Search(ctx, v, q.Clauses(loc), refKeep)
		if !errors.Is(err, store.ErrIndexBehind) {
			return refs, false, err
		}
	}
	refs, err = Scan(ctx, st, q, v, refKeep, now, loc)
	return refs, true, err
}

// Scan answers a search by reading every conversation of the view that
// passes keep (the path without an index; also the benchmarks' baseline).
func Scan(ctx context.Context, st store.Reader, q *Query, v store.View, keep func(store.Ref) bool, now time.Time, loc *time.Location) ([]store.Ref, error) {
	refs, err := st.QueueRefs(ctx, v, keep)
	if err != nil {
		return nil, err
	}
	out := refs[:0:0]
	const batch = 512
	for i := 0; i < len(refs); i += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := refs[i:min(i+batch, len(refs))]
		ids := make([]string, len(part))
		for j, r := range part {
			ids[j] = r.ID
		}
		convs, err := st.Conversations(ctx, ids)
		if err != nil {
			return nil, err
		}
		ok := make(map[string]bool, len(convs))
		for _, c := range convs {
			ok[c.ID] = q.matchScan(ctx, st, c, now, loc)
		}
		for _, r := range part {
			if ok[r.ID] {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// matchScan is Match with the posts' text and the notes, tags, names and
// handles of their authors' contacts (read from the store), and inclusive
// local dates: what the index answers, the slow way.
func (q *Query) matchScan(ctx context.Context, st store.Reader, c social.Conversation, now time.Time, loc *time.Location) bool {
	var posts []store.StoredPost
	var contacts []store.Contact
	loaded := false
	load := func() {
		if loaded {
			return
		}
		loaded = true
		posts, _ = st.Posts(ctx, c.ID)
		seen := map[string]bool{}
		for _, p := range posts {
			if p.Kind == social.KindOwn || p.Author.Handle == "" || seen[store.ContactKey(p.Network, p.Author.Handle)] {
				continue
			}
			seen[store.ContactKey(p.Network, p.Author.Handle)] = true
			if ct, err := st.Contact(ctx, p.Network, p.Author.Handle); err == nil {
				contacts = append(contacts, ct)
			}
		}
	}
	for _, t := range q.Terms {
		var ok bool
		switch t.Field {
		case "":
			if strings.HasPrefix(t.Value, "#") && isDigits(t.Value[1:]) {
				ok = c.ID == t.Value[1:]
				break
			}
			load()
			words := fold.Words(t.Value)
			var texts []string // phrases: in a post's text or the notes
			for _, p := range posts {
				texts = append(texts, p.Text)
			}
			for _, ct := range contacts {
				texts = append(texts, ct.Notes)
			}
			if len(words) == 1 && !t.Phrase { // words: also names, handles, tags
				for _, p := range posts {
					texts = append(texts, p.Author.DisplayName+" "+p.Author.Handle)
				}
				for _, ct := range contacts {
					texts = append(texts, strings.Join(ct.Tags, " "), ct.Author.DisplayName+" "+ct.Handle)
				}
				ok = hasPrefixWord(texts, words[0])
			} else {
				for _, tx := range texts {
					if fold.Phrase(tx, words) {
						ok = true
						break
					}
				}
			}
		case "from":
			load()
			v := strings.ToLower(t.Value)
			w := fold.Word(t.Value)
			for _, ct := range contacts {
				h := strings.ToLower(strings.TrimPrefix(ct.Handle, "@"))
				if strings.Contains(h, v) || w != "" && !strings.ContainsAny(t.Value, ".@_-") && hasPrefixWord([]string{ct.Author.DisplayName + " " + ct.Handle}, w) {
					ok = true
				}
			}
		case "tag":
			load()
			for _, ct := range contacts {
				for _, tg := range ct.Tags {
					if fold.Word(tg) == fold.Word(t.Value) {
						ok = true
					}
				}
			}
		case "before", "after":
			d, _ := time.ParseInLocation("2006-01-02", t.Value, loc)
			if t.Field == "before" {
				ok = c.LastCustomerAt.Before(d.AddDate(0, 0, 1))
			} else {
				ok = !c.LastCustomerAt.Before(d)
			}
		default:
			ok = matchTerm(t, c, now)
		}
		if ok == t.Not {
			return false
		}
	}
	return true
}

func hasPrefixWord(texts []string, prefix string) bool {
	for _, tx := range texts {
		for _, w := range fold.Words(tx) {
			if strings.HasPrefix(w, prefix) {
				return true
			}
		}
	}
	return false
}

// breached reports whether q asks for is:breached (not negated).
func (q *Query) breached() bool {
	for _, t := range q.Terms {
		if t.Field == "is" && t.Value == "breached" && !t.Not {
			return true
		}
	}
	return false
}
