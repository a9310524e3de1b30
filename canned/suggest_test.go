package canned

import (
	"strings"
	"testing"
)

func titles(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// Suggest: only the brand's answers and the generic ones; the first one
// fits what the post is about (an outage complaint gets the outage
// answer, not "Billing question"), in any language the triage read it in;
// what the operators chose before for posts like it comes first, and it
// says why.
func TestSuggest(t *testing.T) {
	all := Builtin()
	for _, tt := range []struct {
		name, lang string
		words      []string
		used       map[string]Usage
		first, why string
	}{
		{"outage en", "en", Words("@northwindenergy no power since 6am, the whole street is dark", "urgent: no power"), nil, "northwind-outage", "the post says power"},
		{"outage hu", "hu", Words("Reggel óta nincs áram, áramkimaradás az egész utcában"), nil, "northwind-outage-hu", "áramkimaradás"},
		{"outage pl, by the triage's reasons", "pl", Words("Nie ma prądu od 6 rano", "urgent: no power"), nil, "northwind-outage", "power"},
		{"billing", "en", Words("my last bill is twice the usual amount"), nil, "northwind-billing", "bill"},
		{"what was chosen before", "en", Words("hello, a question about my contract"),
			map[string]Usage{"northwind-medical-priority": {Count: 12, Words: map[string]int{"contract": 9, "oxygen": 12}}},
			"northwind-medical-priority", "used for 12 posts about contract"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ms := Suggest(all, "", Context{Brand: "Northwind Energy", Lang: tt.lang, Words: tt.words, Used: tt.used})
			for _, m := range ms {
				if m.Brand != "" && m.Brand != "Northwind Energy" {
					t.Fatalf("another brand's answer is offered: %s (%s)", m.ID, m.Brand)
				}
			}
			if ms[0].ID != tt.first || !strings.Contains(ms[0].Why, tt.why) {
				t.Fatalf("first %s (why %q), want %s (%q); order %v", ms[0].ID, ms[0].Why, tt.first, tt.why, titles(ms)[:5])
			}
		})
	}
	// a query still filters, and the brand rule holds
	ms := Suggest(all, "bagg", Context{Brand: "Northwind Energy", Lang: "en"})
	for _, m := range ms {
		if strings.HasPrefix(m.ID, "skylark") {
			t.Fatalf("Skylark's baggage answer offered for Northwind: %v", titles(ms))
		}
	}
}

// ask: names variables the operator fills in; they override the brand's.
func TestAsk(t *testing.T) {
	r, err := Parse("outage", []byte("---\nask: restoration_estimate, crew_eta\n---\nBack {{.restoration_estimate}}, crew {{.crew_eta}}.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Ask, ",") != "restoration_estimate,crew_eta" {
		t.Fatalf("ask %v", r.Ask)
	}
	v := Vars{Custom: map[string]string{"restoration_estimate": "by 18:00 today"}}
	if _, err := Render(r.Body, v); err == nil {
		t.Fatal("rendered without the asked crew_eta")
	}
	out, err := Render(r.Body, WithAsked(v, map[string]string{"restoration_estimate": "by 22:30", "crew_eta": "21:00"}))
	if err != nil || out != "Back by 22:30, crew 21:00." {
		t.Fatalf("%q %v", out, err)
	}
	if v.Custom["restoration_estimate"] != "by 18:00 today" {
		t.Fatal("WithAsked changed the brand's values")
	}
	for _, bad := range []string{"ask: 2fast", "ask: Name", "ask: a b"} {
		if _, err := Parse("x", []byte("---\n"+bad+"\n---\nhi\n")); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, r := range Builtin() {
		if strings.HasPrefix(r.ID, "northwind-outage") && (len(r.Ask) != 1 || r.Ask[0] != "restoration_estimate") {
			t.Errorf("%s does not ask for the restoration estimate", r.ID)
		}
	}
}
