package canned

import (
	"reflect"
	"strings"
	"testing"
)

func rankIDs(ms []Match) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func testSet() []Response {
	return []Response{
		{ID: "other-brand", Title: "Delivery areas", Brand: "Petal & Stem", Lang: "en", Shortcut: "areas", Body: "We deliver to {{.Name}}"},
		{ID: "generic-es", Title: "Gracias", Lang: "es", Shortcut: "thanks", Body: "¡Gracias!"},
		{ID: "generic-en", Title: "Thanks", Lang: "en", Shortcut: "thanks", Body: "Thanks a lot!"},
		{ID: "own-es", Title: "Cambio de vuelo", Brand: "Skylark Air", Lang: "es", Shortcut: "rebook", Body: "Puedes cambiar tu vuelo."},
		{ID: "own-en", Title: "Rebooking after a cancellation", Brand: "Skylark Air", Lang: "en", Shortcut: "rebook", Tags: []string{"cancellation"}, Body: "Sorry your flight was cancelled. Bring your passport."},
		{ID: "own-any", Title: "Baggage", Brand: "Skylark Air", Shortcut: "bag", Tags: []string{"luggage"}, Body: "Bags {{.Ticket}}"},
		{ID: "generic-any", Title: "Move to DM", Shortcut: "dm", Body: "Please DM us."},
	}
}

func TestRankEmptyQueryOrdersByTier(t *testing.T) {
	tests := []struct {
		name, brand, lang string
		want              []string
	}{
		{"skylark english post", "Skylark Air", "en",
			[]string{"own-any", "own-en", "generic-any", "generic-en", "own-es", "generic-es", "other-brand"}},
		{"skylark spanish post with region, brand in other case", "skylark air", "es-MX",
			[]string{"own-any", "own-es", "generic-es", "generic-any", "own-en", "generic-en", "other-brand"}},
		{"unknown language counts as english", "Skylark Air", "und",
			[]string{"own-any", "own-en", "generic-any", "generic-en", "own-es", "generic-es", "other-brand"}},
		{"no brand: generic first, then every brand's by title", "", "en",
			[]string{"generic-any", "generic-en", "generic-es", "own-any", "own-es", "other-brand", "own-en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rank(testSet(), "", tt.brand, tt.lang)
			if ids := rankIDs(got); !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("Rank = %v, want %v", ids, tt.want)
			}
			for _, m := range got {
				if m.Score != 0 || m.MatchedIndexes != nil {
					t.Errorf("%s: score %d indexes %v for an empty query", m.ID, m.Score, m.MatchedIndexes)
				}
			}
		})
	}
}

// Find takes a response by its id or shortcut (case aside), the one that
// fits the post's brand and language as the picker places it; another
// brand's never.
func TestFind(t *testing.T) {
	tests := []struct {
		name, brand, lang, want string
	}{
		{"rebook", "Skylark Air", "en", "own-en"},
		{"REBOOK", "skylark air", "es-MX", "own-es"},
		{"rebook", "Skylark Air", "pl", "own-en"}, // no Polish one: English
		{"rebook", "Skylark Air", "", "own-en"},
		{"thanks", "Skylark Air", "es", "generic-es"},
		{"own-es", "Skylark Air", "en", "own-es"}, // by its id, whatever the language
		{"dm", "Northwind Energy", "et", "generic-any"},
		{"rebook", "Northwind Energy", "en", ""}, // another brand's
		{"areas", "Skylark Air", "en", ""},
		{"nosuch", "Skylark Air", "en", ""},
		{"", "Skylark Air", "en", ""},
	}
	for _, tt := range tests {
		r, ok := Find(testSet(), tt.name, tt.brand, tt.lang)
		if ok != (tt.want != "") || r.ID != tt.want {
			t.Errorf("Find(%q, %q, %q) = %q %v, want %q", tt.name, tt.brand, tt.lang, r.ID, ok, tt.want)
		}
	}
}

func TestRankShortcutFirst(t *testing.T) {
	// "bag" is own-any's shortcut; it also fuzzy-matches other titles.
	got := rankIDs(Rank(testSet(), "BAG", "Skylark Air", "en"))
	if len(got) == 0 || got[0] != "own-any" {
		t.Fatalf("Rank(bag) = %v, want own-any first", got)
	}
	// a shortcut shared by several answers: the post's language and brand
	// decide among them, and they all come before plain fuzzy hits.
	got = rankIDs(Rank(testSet(), "thanks", "Skylark Air", "es"))
	if want := []string{"generic-es", "generic-en"}; !reflect.DeepEqual(got[:2], want) {
		t.Errorf("Rank(thanks) = %v, want %v first", got, want)
	}
	got = rankIDs(Rank(testSet(), "rebook", "Skylark Air", "es"))
	if want := []string{"own-es", "own-en"}; !reflect.DeepEqual(got[:2], want) {
		t.Errorf("Rank(rebook) = %v, want %v first", got, want)
	}
	// a shortcut of another brand still comes first: the agent typed it.
	got = rankIDs(Rank(testSet(), "areas", "Skylark Air", "en"))
	if got[0] != "other-brand" {
		t.Errorf("Rank(areas) = %v, want other-brand first", got)
	}
}

func TestRankFuzzy(t *testing.T) {
	tests := []struct {
		name, query string
		want        []string // exact result, in order
	}{
		{"title abbreviation", "rbkcncl", []string{"own-en"}},
		{"tag", "luggage", []string{"own-any"}},
		{"body words", "passport", []string{"own-en"}},
		{"body letters scattered far apart do not match", "sypt", nil},
		{"template variables are not searchable", "Ticket", nil},
		{"case-insensitive title", "DELIVERY", []string{"other-brand"}},
		{"tier beats score", "a", nil}, // checked below
	}
	for _, tt := range tests[:len(tests)-1] {
		t.Run(tt.name, func(t *testing.T) {
			got := rankIDs(Rank(testSet(), tt.query, "Skylark Air", "en"))
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rank(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}

	ms := Rank(testSet(), "dm", "Skylark Air", "en")
	if len(ms) == 0 || ms[0].ID != "generic-any" {
		t.Fatalf("Rank(dm) = %v", rankIDs(ms))
	}
	// MatchedIndexes point into the title when the title matched.
	ms = Rank(testSet(), "rebooking", "Skylark Air", "en")
	if len(ms) == 0 || ms[0].ID != "own-en" {
		t.Fatalf("Rank(rebooking) = %v", rankIDs(ms))
	}
	var hl strings.Builder
	for _, i := range ms[0].MatchedIndexes {
		hl.WriteByte(ms[0].Title[i])
	}
	if hl.String() != "Rebooking" {
		t.Errorf("MatchedIndexes %v pick %q from the title", ms[0].MatchedIndexes, hl.String())
	}
	// own brand before other brands even with a worse score.
	set := []Response{
		{ID: "other", Title: "Refund", Brand: "Petal & Stem", Lang: "en"},
		{ID: "own", Title: "Our policy on cancelled flights and refunds", Brand: "Skylark Air", Lang: "en"},
	}
	ms = Rank(set, "refund", "Skylark Air", "en")
	if ids := rankIDs(ms); !reflect.DeepEqual(ids, []string{"own", "other"}) || ms[0].Score >= ms[1].Score {
		t.Errorf("Rank(refund) = %v (scores %d, %d), want own first despite a lower score", ids, ms[0].Score, ms[1].Score)
	}
	// within a tier, the better score first.
	set = []Response{
		{ID: "weak", Title: "Rebooking fees explained"},
		{ID: "strong", Title: "Fees"},
	}
	if ids := rankIDs(Rank(set, "fees", "", "en")); !reflect.DeepEqual(ids, []string{"strong", "weak"}) {
		t.Errorf("Rank(fees) = %v, want strong first", ids)
	}
}

func TestRankBuiltins(t *testing.T) {
	all := Builtin()
	ms := Rank(all, "outage", "Northwind Energy", "et")
	if len(ms) == 0 || ms[0].ID != "northwind-outage-et" {
		t.Fatalf("Rank(outage, et) = %v", rankIDs(ms))
	}
	ms = Rank(all, "", "Petal & Stem", "pl")
	if ms[0].Brand != "Petal & Stem" || ms[0].Lang != "pl" {
		t.Errorf("first answer for a Polish Petal & Stem post: %+v", ms[0].Response)
	}
	if got := len(Rank(all, "", "Skylark Air", "en")); got != len(all) {
		t.Errorf("empty query lists %d of %d", got, len(all))
	}
	// a query with control characters is cleaned, not passed to fuzzy raw.
	if ms := Rank(all, "\x00dm\n", "Skylark Air", "fr"); len(ms) == 0 || ms[0].ID != "move-to-dm-fr" {
		t.Errorf("Rank(dm, fr) = %v", rankIDs(ms))
	}
}
