package triage

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func newTriager(t testing.TB, r Rules) *Triager {
	t.Helper()
	tr, err := New(r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

// Four cases in every shipped language: an urgent post, a neutral question,
// a compliment and a negated positive.
func TestScoreEveryLanguage(t *testing.T) {
	type tc struct {
		text       string
		urgent     []string // exact urgency keywords; nil = none
		label      string
		compliment bool
	}
	cases := map[string][]tc{
		"en": {
			{"Stranded at O'Hare, flight cancelled, snowstorm. Please help!", []string{"stranded", "cancelled"}, Neutral, false},
			{"When do you open tomorrow?", nil, Neutral, false},
			{"Thank you so much, the crew was amazing!", nil, Positive, true},
			{"I'm not happy with the service", nil, Negative, false},
		},
		"es": {
			{"Estoy varado en el aeropuerto, mi vuelo fue cancelado", []string{"varado", "cancelado"}, Neutral, false},
			{"¿A qué hora abren mañana?", nil, Neutral, false},
			{"¡Muchas gracias por la ayuda, sois geniales!", nil, Positive, true},
			{"No estoy contento con el servicio", nil, Negative, false},
		},
		"fr": {
			{"Vol annulé et je suis bloqué à l'aéroport depuis hier", []string{"annulé", "bloqué"}, Neutral, false},
			{"Vous ouvrez à quelle heure demain ?", nil, Neutral, false},
			{"Merci beaucoup, service impeccable !", nil, Positive, true},
			{"Je ne suis pas content du service", nil, Negative, false},
		},
		"de": {
			{"Stromausfall seit heute früh, dringend!", []string{"stromausfall", "dringend"}, Neutral, false},
			{"Wann öffnen Sie morgen?", nil, Neutral, false},
			{"Vielen Dank, super Service!", nil, Positive, true},
			{"Ich bin mit dem Service nicht zufrieden", nil, Negative, false},
		},
		"pl": {
			{"Utknąłem na lotnisku, lot odwołany, brak prądu w terminalu", []string{"utknąłem", "odwołany", "brak prądu"}, Neutral, false},
			{"O której godzinie otwieracie jutro?", nil, Neutral, false},
			{"Dziękuję bardzo, świetna obsługa!", nil, Positive, true},
			{"Nie jestem zadowolony z obsługi", nil, Negative, false},
		},
		"hu": {
			{"Törölték a járatomat, sürgős segítség kell!", []string{"törölték", "sürgős", "segítség"}, Neutral, false},
			{"Mikor nyitnak holnap?", nil, Neutral, false},
			{"Köszönöm szépen, csodálatos kiszolgálás!", nil, Positive, true},
			{"Nem vagyok elégedett a szolgáltatással", nil, Negative, false},
		},
		"et": {
			{"Lend tühistati, jäin lennujaama lõksu, kiire!", []string{"tühistati", "lõksu", "kiire"}, Neutral, false},
			{"Mis kell te homme avate?", nil, Neutral, false},
			{"Aitäh, suurepärane teenindus!", nil, Positive, true},
			{"Ma ei ole rahul teenindusega", nil, Negative, false},
		},
	}
	tr := newTriager(t, Rules{})
	for _, lang := range builtinLangs {
		for _, declared := range []string{lang, ""} { // declared by the network, or detected
			for _, c := range cases[lang] {
				name := fmt.Sprintf("%s/declared=%q/%s", lang, declared, c.text)
				t.Run(name, func(t *testing.T) {
					r := tr.Score(Input{Text: c.text, Lang: declared, Kind: social.KindMention})
					if r.Lang != lang {
						t.Errorf("Lang = %q, want %q", r.Lang, lang)
					}
					if !slices.Equal(r.Urgent, c.urgent) {
						t.Errorf("Urgent = %q, want %q", r.Urgent, c.urgent)
					}
					if r.Label != c.label {
						t.Errorf("Label = %s (%d), want %s", r.Label, r.Sentiment, c.label)
					}
					if r.Compliment != c.compliment {
						t.Errorf("Compliment = %v, want %v", r.Compliment, c.compliment)
					}
					switch {
					case c.urgent != nil:
						if r.Score < 50 || !strings.HasPrefix(r.Reasons[0], "urgent: ") {
							t.Errorf("urgent post scored %d %q, want ≥ 50 with an urgent reason first", r.Score, r.Reasons)
						}
					case c.compliment:
						if r.Score > 10 || !slices.Contains(r.Reasons, "compliment") {
							t.Errorf("compliment scored %d %q, want ≤ 10 labelled compliment", r.Score, r.Reasons)
						}
					case c.label == Negative:
						if r.Score <= 14 || !slices.Contains(r.Reasons, "negative") {
							t.Errorf("negative post scored %d %q, want > 14 with reason negative", r.Score, r.Reasons)
						}
					default:
						if r.Score < 10 || r.Score > 20 || len(r.Reasons) != 0 {
							t.Errorf("plain question scored %d %q, want 10–20 with no reasons", r.Score, r.Reasons)
						}
					}
				})
			}
		}
	}
}

func TestSentiment(t *testing.T) {
	tests := []struct {
		lang, text string
		min, max   int // inclusive bounds on Sentiment
	}{
		// negation
		{"en", "not happy", -9, -1},
		{"en", "I am not very happy", -9, -2},
		{"en", "not bad", 1, 1},
		{"en", "no, I'm happy", 1, 9},
		{"es", "no estoy contento", -9, -1},
		{"pl", "nie jestem zadowolony", -9, -1},
		{"fr", "pas content", -9, -1},
		{"fr", "je ne suis pas du tout content", -9, -1},
		{"de", "nicht zufrieden", -9, -1},
		{"de", "kein guter Service", -9, -1},
		{"hu", "nem vagyok elégedett", -9, -1},
		{"et", "ei ole rahul", -9, -1},
		{"et", "pole rahul", -9, -1},
		// words with their own negative sense
		{"de", "unzufrieden", -9, -3},
		{"pl", "niezadowolona klientka", -9, -3},
		{"hu", "elégedetlen vagyok", -9, -3},
		// inflections by stem
		{"pl", "zadowolona", 2, 9},
		{"hu", "elégedettek vagyunk", 2, 9},
		// intensifiers
		{"en", "good", 2, 2},
		{"en", "very good", 3, 3},
		{"en", "super happy", 3, 3},
		{"es", "muy contento", 3, 3},
		{"hu", "nagyon jó", 3, 3},
		// emoji, emoticons, exclamation marks, capitals
		{"", "😡", -3, -3},
		{"", "👎", -2, -2},
		{"", "❤️", 3, 3},
		{"", "🙏", 2, 2},
		{"", "😍👍", 5, 5},
		{"en", "terrible", -3, -3},
		{"en", "terrible!!!", -4, -4},
		{"en", "TERRIBLE", -4, -4},
		{"en", "so sad :(", -9, -4},
		// phrases beat their words
		{"en", "thanks for nothing", -9, -4},
		{"es", "gracias por nada", -9, -4},
		{"en", "Good morning, when do you open?", 0, 0},
		{"en", "Best regards, Jane", 0, 0},
		{"fr", "Bonne journée", 0, 0},
		{"de", "Mit freundlichen Grüßen", 0, 0},
		{"pl", "Dzień dobry", 0, 0},
		{"hu", "Jó napot kívánok", 0, 0},
		{"et", "Head päeva", 0, 0},
		// an accent-less spelling does not turn a word into another
		{"de", "Ich habe schon angerufen", 0, 0},
		{"de", "schön", 2, 2},
		{"pl", "dziekuje", 2, 2},
		// plain text
		{"en", "My order number is 1234", 0, 0},
	}
	tr := newTriager(t, Rules{})
	for _, tt := range tests {
		r := tr.Score(Input{Text: tt.text, Lang: tt.lang})
		if r.Sentiment < tt.min || r.Sentiment > tt.max {
			t.Errorf("%s %q: Sentiment = %d, want %d..%d", tt.lang, tt.text, r.Sentiment, tt.min, tt.max)
		}
		want := Neutral
		if r.Sentiment < 0 {
			want = Negative
		} else if r.Sentiment > 0 {
			want = Positive
		}
		if r.Label != want {
			t.Errorf("%s %q: Label = %s with Sentiment %d", tt.lang, tt.text, r.Label, r.Sentiment)
		}
	}
}

func TestCompliments(t *testing.T) {
	tr := newTriager(t, Rules{})
	yes := []string{
		"thank you so much", "Thanks!", "love you guys", "amazing crew", "Kudos to the team 👏",
		"gracias", "merci", "dziękuję", "köszönöm", "aitäh", "Vielen Dank", "❤️❤️",
		"Un grand merci à l'équipage ! Bravo",
	}
	no := []string{
		"thanks, but my flight was cancelled", // urgent
		"Thanks! When do you open?",           // a question needs an answer
		"thanks for nothing",                  // sarcasm we know
		"no thanks",                           // negated
		"When do you open?",
	}
	for _, s := range yes {
		if r := tr.Score(Input{Text: s}); !r.Compliment || r.Label != Positive {
			t.Errorf("%q: Compliment = %v, Label = %s; want a compliment", s, r.Compliment, r.Label)
		}
	}
	for _, s := range no {
		if r := tr.Score(Input{Text: s}); r.Compliment {
			t.Errorf("%q: labelled a compliment", s)
		}
	}
}

func TestUrgency(t *testing.T) {
	tests := []struct {
		lang, text string
		want       []string
	}{
		{"en", "Power's been out since 5:40, my mum is on oxygen", []string{"power's been out", "oxygen"}},
		{"en", "flight canceled and I missed my connection", []string{"canceled", "missed my connection"}},
		{"en", "we have NO POWER", []string{"no power"}},
		{"en", "#PowerOutage on Elm Street", []string{"outage"}},
		{"en", "Please refund me", []string{"refund"}},
		{"en", "The baby needs medication", []string{"baby", "medication"}},
		{"en", "Not urgent: when do you open?", nil},
		{"en", "no rush, but is this an emergency line?", []string{"emergency"}},
		{"en", "When do you open?", nil},
		{"es", "Se ha vuelto a ir la luz", []string{"ir la luz"}},
		{"es", "no es urgente", nil},
		{"es", "Es urgente, sin luz desde ayer", []string{"urgente", "sin luz"}},
		{"fr", "panne de courant, coupure totale", []string{"panne", "coupure"}},
		{"fr", "vol annule, je suis bloque", []string{"annule", "bloque"}}, // typed without accents
		{"fr", "pas urgent", nil},
		{"de", "Flug storniert, ich sitze fest", []string{"storniert", "sitze fest"}},
		{"de", "Kein Strom seit gestern", []string{"kein strom"}},
		{"de", "nicht dringend", nil},
		{"pl", "utknalem na lotnisku, lot odwolany", []string{"utknalem", "odwolany"}}, // no Polish letters
		{"pl", "Prąd znowu wysiadł!!!", []string{"prąd znowu wysiadł"}},
		{"pl", "Nie ma prądu, pilne", []string{"nie ma prądu", "pilne"}},
		{"pl", "to nie jest pilne", nil},
		{"hu", "Megint elment az áram!", []string{"elment az áram"}},
		{"hu", "áramszünet van, nincs fűtés", []string{"áramszünet", "nincs fűtés"}},
		{"hu", "toroltek a jaratot", []string{"toroltek"}},
		{"hu", "nem sürgős", nil},
		{"et", "elektrikatkestus ja pole vett", []string{"elektrikatkestus", "pole vett"}},
		{"et", "Jälle elekter ära!", []string{"elekter ära"}},
		{"et", "pole kiire, aitäh", nil},
		{"et", "Aitäh kiire töö eest", nil},
		// unknown language: every lexicon is consulted
		{"", "stromausfall!!", []string{"stromausfall"}},
	}
	tr := newTriager(t, Rules{})
	for _, tt := range tests {
		r := tr.Score(Input{Text: tt.text, Lang: tt.lang})
		if !slices.Equal(r.Urgent, tt.want) {
			t.Errorf("%s %q: Urgent = %q, want %q", tt.lang, tt.text, r.Urgent, tt.want)
		}
	}
}

func TestBrandUrgentKeywords(t *testing.T) {
	tr := newTriager(t, Rules{Urgent: map[string][]string{
		"en":    {"boiler", "Gas ... smell"},
		"EN-gb": {"radiator*"},
		"*":     {"meltdown"},
		"pt":    {"sem energia"},
	}})
	tests := []struct {
		lang, text string
		want       []string
	}{
		{"en", "my boiler is broken", []string{"boiler"}},
		{"en", "gas really bad smell here", []string{"gas really bad smell"}},
		{"en", "the radiators leak", []string{"radiators"}},
		{"en", "total meltdown", []string{"meltdown"}},
		{"de", "totaler meltdown", []string{"meltdown"}},
		{"en", "stranded", []string{"stranded"}}, // defaults still apply
		{"pt", "estamos sem energia, meltdown", []string{"sem energia", "meltdown"}},
		{"de", "boiler", nil}, // English extras stay English
	}
	for _, tt := range tests {
		if r := tr.Score(Input{Text: tt.text, Lang: tt.lang}); !slices.Equal(r.Urgent, tt.want) {
			t.Errorf("%s %q: Urgent = %q, want %q", tt.lang, tt.text, r.Urgent, tt.want)
		}
	}
	// Another brand's triager does not see these keywords: the built-in
	// lexicons are shared and must not be modified.
	plain := newTriager(t, Rules{})
	if r := plain.Score(Input{Text: "my boiler is broken, meltdown", Lang: "en"}); len(r.Urgent) != 0 {
		t.Errorf("plain triager found %q", r.Urgent)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		rules Rules
		want  string
	}{
		{Rules{Urgent: map[string][]string{"en": {"ab*"}}}, `stem "ab" is shorter than 3 letters`},
		{Rules{Urgent: map[string][]string{"en": {"... power"}}}, `misplaced "..."`},
		{Rules{Urgent: map[string][]string{"e!": {"x"}}}, `bad language "e!"`},
	}
	for _, tt := range tests {
		_, err := New(tt.rules)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%v) err = %v, want %q", tt.rules.Urgent, err, tt.want)
		}
	}
	if _, err := New(Rules{Urgent: map[string][]string{"en": {"", "  "}}}); err != nil {
		t.Errorf("blank keywords: %v", err)
	}
}

func TestOrdering(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tr := newTriager(t, Rules{VIPs: []string{"@Maria@Social.Example", "vip.bsky.social", "did:plc:abc123"}})
	someone := social.Author{Handle: "someone@mastodon.social", Followers: 120}
	in := func(text string) Input {
		return Input{Text: text, Author: someone, Kind: social.KindMention, Now: now}
	}
	withAuthor := func(i Input, a social.Author) Input { i.Author = a; return i }
	withDM := func(i Input) Input { i.Direct = true; return i }
	withKind := func(i Input, k social.Kind) Input { i.Kind = k; return i }
	withVIP := func(i Input) Input { i.VIP = true; return i }
	withDue := func(i Input, since, due time.Duration) Input {
		i.Since, i.Due = now.Add(since), now.Add(due)
		return i
	}

	question := in("When do you open?")
	stranded := in("Stranded at O'Hare, flight cancelled, snowstorm")
	outage := in("Power outage AGAIN on Elm Street, third time this week. Ridiculous.")
	plainQ := in("Do you have a store in Boston?")
	compliment := in("Thank you so much, amazing service!")
	negative := in("Really disappointed with the service")

	tests := []struct {
		name          string
		higher, lower Input
	}{
		{"stranded > when do you open", stranded, question},
		{"outage > plain question", outage, plainQ},
		{"question > compliment", question, compliment},
		{"negative > question", negative, question},
		{"VIP by handle > same post", withAuthor(question, social.Author{Handle: "maria@social.example"}), question},
		{"VIP by @handle > same post", withAuthor(question, social.Author{Handle: "@VIP.bsky.social"}), question},
		{"VIP by id > same post", withAuthor(question, social.Author{Handle: "x", ID: "did:plc:ABC123"}), question},
		{"VIP in store > same post", withVIP(question), question},
		{"influencer > same post", withAuthor(question, social.Author{Handle: "big", Followers: 52_400}), question},
		{"big influencer > influencer", withAuthor(question, social.Author{Handle: "big", Followers: 412_000}), withAuthor(question, social.Author{Handle: "big", Followers: 52_400})},
		{"VIP > influencer", withVIP(question), withAuthor(question, social.Author{Handle: "big", Followers: 52_400})},
		{"DM > public", withDM(question), question},
		{"DM kind > public", withKind(question, social.KindDM), question},
		{"mention > search hit", question, withKind(question, social.KindSearch)},
		{"breached > at risk", withDue(question, -72*time.Minute, -12*time.Minute), withDue(question, -51*time.Minute, 9*time.Minute)},
		{"at risk > ok", withDue(question, -51*time.Minute, 9*time.Minute), withDue(question, -10*time.Minute, 50*time.Minute)},
		{"long breach > short breach", withDue(question, -5*time.Hour, -4*time.Hour), withDue(question, -72*time.Minute, -12*time.Minute)},
		{"urgent > breached VIP question", stranded, withVIP(withDue(question, -72*time.Minute, -12*time.Minute))},
		{"urgent VIP > urgent", withVIP(stranded), stranded},
		{"compliment > own post", compliment, withKind(compliment, social.KindOwn)},
	}
	tr2 := tr
	for _, tt := range tests {
		h, l := tr2.Score(tt.higher), tr2.Score(tt.lower)
		if h.Score <= l.Score {
			t.Errorf("%s: %d %q is not above %d %q", tt.name, h.Score, h.Reasons, l.Score, l.Reasons)
		}
	}
}

func TestReasons(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tr := newTriager(t, Rules{VIPs: []string{"maria@social.example"}})
	tests := []struct {
		name string
		in   Input
		want []string
		sla  SLAState
	}{
		{"stranded", Input{Text: "Stranded at O'Hare, flight cancelled, snowstorm"},
			[]string{"urgent: stranded, cancelled"}, OK},
		{"VIP influencer DM", Input{Text: "hello", Direct: true, Author: social.Author{Handle: "@maria@social.example", Followers: 52_400}},
			[]string{"VIP", "influencer (52k followers)", "DM"}, OK},
		{"small influencer", Input{Text: "hello", Author: social.Author{Followers: 12_345}},
			[]string{"influencer (12k followers)"}, OK},
		{"negative", Input{Text: "This is terrible"}, []string{"negative"}, OK},
		{"compliment", Input{Text: "Thanks a lot!"}, []string{"compliment"}, OK},
		{"breached", Input{Text: "hello", Since: now.Add(-72 * time.Minute), Due: now.Add(-12 * time.Minute), Now: now},
			[]string{"SLA breached 12m ago"}, Breached},
		{"breached just now", Input{Text: "hello", Since: now.Add(-time.Hour), Due: now.Add(-20 * time.Second), Now: now},
			[]string{"SLA breached just now"}, Breached},
		{"at risk", Input{Text: "hello", Since: now.Add(-51 * time.Minute), Due: now.Add(9 * time.Minute), Now: now},
			[]string{"SLA due in 9m"}, AtRisk},
		{"unknown window at risk", Input{Text: "hello", Due: now.Add(14 * time.Minute), Now: now},
			[]string{"SLA due in 14m"}, AtRisk},
		{"ok", Input{Text: "hello", Since: now.Add(-10 * time.Minute), Due: now.Add(50 * time.Minute), Now: now}, nil, OK},
		{"no clock", Input{Text: "hello", Due: now.Add(-time.Hour)}, nil, OK},
		{"all of it", Input{Text: "URGENT: no power, oxygen machine 😡", Direct: true, VIP: true,
			Since: now.Add(-2 * time.Hour), Due: now.Add(-65 * time.Minute), Now: now},
			[]string{"urgent: urgent, no power, oxygen", "VIP", "negative", "DM", "SLA breached 1h05m ago"}, Breached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tr.Score(tt.in)
			if !slices.Equal(r.Reasons, tt.want) {
				t.Errorf("Reasons = %q, want %q", r.Reasons, tt.want)
			}
			if r.SLA != tt.sla {
				t.Errorf("SLA = %v, want %v", r.SLA, tt.sla)
			}
			if r.Score < 0 || r.Score > 100 {
				t.Errorf("Score = %d out of range", r.Score)
			}
		})
	}
	if r := tr.Score(Input{Text: "URGENT: no power, oxygen machine 😡", Direct: true, VIP: true,
		Since: now.Add(-5 * time.Hour), Due: now.Add(-4 * time.Hour), Now: now,
		Author: social.Author{Followers: 1_000_000}}); r.Score != 100 {
		t.Errorf("everything at once scored %d, want 100 (clamped)", r.Score)
	}
	if r := tr.Score(Input{Text: "Stranded!", Kind: social.KindOwn}); r.Score != 0 {
		t.Errorf("own post scored %d, want 0", r.Score)
	}
}

// With business hours, SLA pressure is judged in business time: a post due
// Monday 09:05 is at risk on Friday at 16:55 with 10 minutes left.
func TestScoreBusinessTimeSLA(t *testing.T) {
	cal, err := NewCalendar("UTC", nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 3, 6, 16, 5, 0, 0, time.UTC)
	due := cal.Add(friday, time.Hour)
	if want := time.Date(2026, 3, 9, 9, 5, 0, 0, time.UTC); !due.Equal(want) {
		t.Fatalf("due = %v, want %v", due, want)
	}
	in := Input{Text: "hello", Since: friday, Due: due, Now: friday.Add(50 * time.Minute)}
	biz := newTriager(t, Rules{Calendar: cal}).Score(in)
	if biz.SLA != AtRisk || !slices.Equal(biz.Reasons, []string{"SLA due in 10m"}) {
		t.Errorf("business time: SLA %v %q, want at-risk due in 10m", biz.SLA, biz.Reasons)
	}
	wall := newTriager(t, Rules{}).Score(in)
	if wall.SLA != OK {
		t.Errorf("wall clock: SLA %v, want ok (64h left)", wall.SLA)
	}
}

// In the demo corpus every post with an urgency keyword outranks every post
// without one, and the known compliments are labelled.
func TestDemoCorpusRanking(t *testing.T) {
	tr := newTriager(t, Rules{})
	minUrgent, maxPlain := 101, -1
	var minU, maxP string
	compliments := 0
	for _, p := range loadDemo(t) {
		r := tr.Score(Input{Text: p.Text, Lang: p.Lang, Kind: social.KindMention})
		if len(r.Urgent) > 0 {
			if r.Score < minUrgent {
				minUrgent, minU = r.Score, p.Text
			}
		} else if r.Score > maxPlain {
			maxPlain, maxP = r.Score, p.Text
		}
		if r.Compliment {
			compliments++
		}
	}
	if minUrgent <= maxPlain {
		t.Errorf("urgent %d %q does not outrank plain %d %q", minUrgent, minU, maxPlain, maxP)
	}
	if compliments < 8 {
		t.Errorf("%d compliments labelled in the demo corpus, want at least 8", compliments)
	}
	wantUrgent := map[string]bool{
		"oxygen": false, "nie ma prądu": false, "tühistati": false, "sin luz": false,
		"elment az áram": false, "annulés": false,
	}
	for _, p := range loadDemo(t) {
		for _, u := range tr.Score(Input{Text: p.Text, Lang: p.Lang}).Urgent {
			if _, ok := wantUrgent[u]; ok {
				wantUrgent[u] = true
			}
		}
	}
	for u, seen := range wantUrgent {
		if !seen {
			t.Errorf("urgency %q not found in the demo corpus", u)
		}
	}
}

func TestHumanCount(t *testing.T) {
	tests := map[int]string{
		0: "0", 950: "950", 1000: "1k", 1500: "1.5k", 9999: "9.9k", 10_000: "10k",
		52_400: "52k", 412_000: "412k", 1_000_000: "1M", 1_250_000: "1.2M",
	}
	for n, want := range tests {
		if got := humanCount(n); got != want {
			t.Errorf("humanCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestScoreConcurrent(t *testing.T) {
	tr := newTriager(t, Rules{VIPs: []string{"a"}, Urgent: map[string][]string{"en": {"boiler"}}})
	texts := []string{"Stranded at O'Hare", "nie jestem zadowolony", "Köszönöm szépen", "boiler broken"}
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = tr.Score(Input{Text: s})
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(texts)
				got := tr.Score(Input{Text: texts[i]})
				if got.Score != want[i].Score || !slices.Equal(got.Reasons, want[i].Reasons) {
					t.Errorf("concurrent Score(%q) = %d %q, want %d %q", texts[i], got.Score, got.Reasons, want[i].Score, want[i].Reasons)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestUrgencyFalseFriends(t *testing.T) {
	tr := newTriager(t, Rules{})
	for _, tt := range []struct{ lang, text string }{
		{"en", "You should fire that agent, she was rude"},
		{"en", "Best regards, the night crew worked all night"},
		{"et", "Kas kiire tarne on võimalik?"},
		{"hu", "Köszönöm a segítséget!"},
		{"es", "Buenas tardes, ¿tienen flores para mañana?"},
	} {
		if r := tr.Score(Input{Text: tt.text, Lang: tt.lang}); len(r.Urgent) != 0 {
			t.Errorf("%s %q: Urgent = %q, want none", tt.lang, tt.text, r.Urgent)
		}
	}
}
