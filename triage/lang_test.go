package triage

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDetectLang(t *testing.T) {
	tests := []struct {
		want, text string
	}{
		{"en", "When do you open tomorrow?"},
		{"en", "Stranded at O'Hare, flight cancelled, snowstorm"},
		{"en", "I'm not happy with the service at all"},
		{"es", "¿Cuándo abren mañana? Mi vuelo fue cancelado"},
		{"es", "No estoy contento con el servicio"},
		{"es", "¡Gracias!"},
		{"es", "Sin luz desde las 6 de la mañana en el barrio"},
		{"fr", "Mon vol est annulé, je suis bloqué à l'aéroport"},
		{"fr", "Je ne suis pas content du service"},
		{"fr", "Merci"},
		{"de", "Mein Flug wurde storniert und ich bin sehr verärgert"},
		{"de", "Ich bin mit dem Service nicht zufrieden"},
		{"de", "Stromausfall in der ganzen Straße"},
		{"pl", "Mój lot został odwołany, utknąłem na lotnisku"},
		{"pl", "Nie jestem zadowolony z obsługi"},
		{"pl", "Dziękuję!"},
		{"hu", "Törölték a járatomat, nem vagyok elégedett"},
		{"hu", "Köszönöm szépen"},
		{"hu", "Mikor lesz áram?"},
		{"et", "Mu lend tühistati, ma ei ole rahul"},
		{"et", "Aitäh!"},
		{"et", "Kas te toimetate lilli ka Tallinna?"},
		{"ja", "フライトがキャンセルされました"},
		{"zh", "我的航班被取消了"},
		{"ko", "비행기가 취소되었습니다"},
		{"ru", "Мой рейс отменили, что делать?"},
		{"uk", "Мій рейс скасували, що робити?"},
		{"el", "Η πτήση μου ακυρώθηκε"},
		// Unsure: too short, shared words, no letters.
		{"", "ok"},
		{"", "super"},
		{"", "👍"},
		{"", "12345 !!!"},
		{"", ""},
		{"", "Samsonite BOS ORD"},
	}
	for _, tt := range tests {
		if got := DetectLang(tt.text); got != tt.want {
			t.Errorf("DetectLang(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLangDeclaredWins(t *testing.T) {
	tests := []struct {
		declared, text, want string
	}{
		{"en", "No estoy contento con el servicio", "en"},
		{"en-US", "x", "en"},
		{"pt_BR", "x", "pt"},
		{"ES", "x", "es"},
		{"deu", "x", "de"},
		{"und", "No estoy contento con el servicio", "es"},
		{"", "Mu lend tühistati", "et"},
		{"  ", "Törölték a járatomat", "hu"},
		{"12", "When do you open?", "en"},
		{"english", "Quand ouvrez-vous ?", "fr"},
	}
	for _, tt := range tests {
		if got := Lang(tt.declared, tt.text); got != tt.want {
			t.Errorf("Lang(%q, %q) = %q, want %q", tt.declared, tt.text, got, tt.want)
		}
	}
}

// demoPost is a post of testdata/demo.json, a copy of the demo feed's
// script: realistic posts in six languages.
type demoPost struct {
	Author string `json:"author"`
	Lang   string `json:"lang"`
	Text   string `json:"text"`
}

func loadDemo(t testing.TB) []demoPost {
	t.Helper()
	b, err := os.ReadFile("testdata/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Posts []demoPost `json:"posts"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Posts) < 50 {
		t.Fatalf("demo corpus has %d posts", len(d.Posts))
	}
	return d.Posts
}

// Every demo post whose language the network declared is detected as that
// language from its text alone.
func TestDetectLangDemoCorpus(t *testing.T) {
	for _, p := range loadDemo(t) {
		if p.Lang == "" {
			continue
		}
		if got := DetectLang(p.Text); got != p.Lang {
			t.Errorf("DetectLang(%q) = %q, want %q", p.Text, got, p.Lang)
		}
	}
}
