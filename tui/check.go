package tui

// CheckConfig returns the error New returns for this key table and these
// colours, so that `hark doctor` fails on a config that would stop hark
// from starting (New checks them in this order).
func CheckConfig(keys map[string]string, themeName string, colors map[string]string) error {
	if _, err := NewKeymap(keys); err != nil {
		return err
	}
	theme := darkTheme()
	if themeName == "light" {
		theme = lightTheme()
	}
	return theme.apply(colors)
}
