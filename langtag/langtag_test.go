package langtag

import "testing"

func TestBase(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"en", "en"}, {"en-US", "en"}, {"en_US", "en"}, {"EN", "en"}, {" es ", "es"},
		{"eng", "en"}, {"fre", "fr"}, {"ger", "de"}, {"deu", "de"}, {"est", "et"}, {"pol", "pl"}, {"hun", "hu"},
		{"pt-BR", "pt"}, {"pt-br", "pt"}, {"zh-Hant", "zh"}, {"es-419", "es"}, {"sr-Latn-RS", "sr"},
		{"iw", "he"}, // deprecated codes become the current ones
		{"und", ""}, {"mul", ""}, {"zxx", ""}, {"", ""}, {"x", ""}, {"e1", ""}, {"123", ""}, {"English", ""},
		{"xx", ""}, // well-formed but no language
	} {
		if got := Base(tt.in); got != tt.want {
			t.Errorf("Base(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValid(t *testing.T) {
	for _, ok := range []string{"en", "est", "pt-br", "zh-hant", "pt_BR"} {
		if !Valid(ok) {
			t.Errorf("Valid(%q) = false", ok)
		}
	}
	for _, bad := range []string{"English", "", "e", "en us", "und"} {
		if Valid(bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
}
