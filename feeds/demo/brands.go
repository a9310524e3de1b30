package demo

import "github.com/hark-tui/hark/social"

// The demo's account names, one per brand.
const (
	AccountSkylark   = "skylark"
	AccountPetal     = "petal"
	AccountNorthwind = "northwind"
)

// SourceID is the demo feed's social.Source ID.
const SourceID = "demo"

// Brand describes one of the demo's brands: the account its posts arrive
// on, the signature its replies end with, its VIP handles (exactly as they
// appear in Post.Author.Handle) and its service-level settings.
type Brand struct {
	Name       string
	Account    string
	Signature  string
	VIPs       []string
	SLAMinutes int
	TimeZone   string // IANA zone of its business hours
	AlwaysOpen bool   // staffed 24/7; otherwise business hours in TimeZone
}

// Brands returns the demo's brands, a fresh copy on every call.
func Brands() []Brand {
	return []Brand{
		{
			Name:       "Skylark Air",
			Account:    AccountSkylark,
			Signature:  "^{{.Initials}}",
			VIPs:       []string{"@d.whitfield@mastodon.social"},
			SLAMinutes: 60,
			TimeZone:   "America/Chicago",
			AlwaysOpen: true,
		},
		{
			Name:       "Petal & Stem",
			Account:    AccountPetal,
			Signature:  "— Petal & Stem",
			VIPs:       []string{"@chez.amelie@piaille.fr"},
			SLAMinutes: 240,
			TimeZone:   "Europe/Paris",
		},
		{
			Name:       "Northwind Energy",
			Account:    AccountNorthwind,
			Signature:  "— Northwind Energy care team",
			VIPs:       []string{"@szpital.miejski"},
			SLAMinutes: 120,
			TimeZone:   "Europe/Warsaw",
		},
	}
}

// brandAccount is the network identity a brand posts as.
type brandAccount struct {
	brand  Brand
	author social.Author
}

func brandAccounts() map[string]brandAccount {
	handles := map[string]struct {
		handle    string
		followers int
	}{
		AccountSkylark:   {"@skylarkair", 128400},
		AccountPetal:     {"@petalandstem", 21300},
		AccountNorthwind: {"@northwindenergy", 46700},
	}
	m := make(map[string]brandAccount, len(handles))
	for _, b := range Brands() {
		h := handles[b.Account]
		m[b.Account] = brandAccount{brand: b, author: social.Author{
			ID:          "demo:brand:" + b.Account,
			Handle:      h.handle,
			DisplayName: b.Name,
			Followers:   h.followers,
			URL:         profileURL(h.handle),
		}}
	}
	return m
}

// BrandAuthor returns the identity the brand with this account posts as.
func BrandAuthor(account string) (social.Author, bool) {
	b, ok := brandAccounts()[account]
	return b.author, ok
}
