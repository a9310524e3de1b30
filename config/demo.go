package config

// Demo returns the configuration used by --demo and when no config file
// exists: three brands with one demo-network account each, on a throw-away
// store (never the default store a real config uses). The caller merges
// the demo feed's VIPs.
func Demo() *Config {
	c := demoBase()
	c.FillDefaults()
	return c
}

// demoBase is Demo without defaults filled in, so Load can overlay the
// environment before deriving paths.
func demoBase() *Config {
	weekdays := func(hours string) map[string]string {
		return map[string]string{"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours}
	}
	petal := weekdays("09:00-17:30")
	petal["sat"] = "10:00-14:00"
	return &Config{
		Demo:      true,
		Throwaway: true,
		Agent:     Agent{Name: "Demo Operator", Initials: "DO"},
		Brands: []Brand{
			{
				Name:       "Skylark Air",
				Signature:  "^{{.Initials}}",
				SLAMinutes: 60,
				Hours:      BusinessHours{AlwaysOpen: true, TimeZone: "UTC"},
				Urgent:     map[string][]string{"en": {"stranded", "missed connection"}},
				Vars: map[string]string{"rebooking_url": "https://skylark.example/manage", "rebook_url": "https://skylark.example/rebook",
					"status_url": "https://skylark.example/status", "care_url": "https://skylark.example/care", "baggage_url": "https://skylark.example/baggage"},
			},
			{
				Name:       "Petal & Stem",
				Signature:  "– {{.Initials}}, Petal & Stem",
				SLAMinutes: 120,
				Hours:      BusinessHours{TimeZone: "Europe/Paris", Days: petal},
				Vars:       map[string]string{"order_url": "https://petalandstem.example/orders", "delivery_areas_url": "https://petalandstem.example/delivery"},
			},
			{
				Name:       "Northwind Energy",
				Signature:  "^{{.Initials}}",
				SLAMinutes: 90,
				Hours: BusinessHours{TimeZone: "Europe/London", Days: weekdays("08:00-18:00"),
					Holidays: []string{"2026-12-25", "2026-12-26", "2027-01-01"}},
				Urgent: map[string][]string{"en": {"outage", "no power", "gas smell"}},
				Vars: map[string]string{"outage_map": "https://northwind.example/outages", "outage_map_url": "https://northwind.example/outages",
					"restoration_estimate": "by 18:00 today", "priority_phone": "0800 123 4567",
					"medical_register_url": "https://northwind.example/priority-register", "billing_url": "https://northwind.example/billing"},
			},
		},
		Accounts: []Account{
			{Name: "skylark", Network: "demo", Brand: "Skylark Air", Handle: "skylarkair"},
			{Name: "petal", Network: "demo", Brand: "Petal & Stem", Handle: "petalandstem"},
			{Name: "northwind", Network: "demo", Brand: "Northwind Energy", Handle: "northwindenergy"},
		},
	}
}
