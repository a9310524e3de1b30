package pg

// TotalsVersion is the schema version that adds the running totals.
var TotalsVersion = func() int {
	for _, m := range migrations() {
		if m.name == "migrations/0006_totals_search.sql" {
			return m.version
		}
	}
	return 0
}()
