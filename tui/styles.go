package tui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Styles are per-Model (no globals).
type Styles struct {
	mono          bool
	Border        lipgloss.Style // pane frame
	BorderFocused lipgloss.Style
	Title         lipgloss.Style
	Header        lipgloss.Style
	Status        lipgloss.Style
	StatusErr     lipgloss.Style
	Flash         lipgloss.Style
	Selected      lipgloss.Style
	Dim           lipgloss.Style
	Bold          lipgloss.Style
	Urgent        lipgloss.Style
	High          lipgloss.Style
	Positive      lipgloss.Style
	Breached      lipgloss.Style
	AtRisk        lipgloss.Style
	Own           lipgloss.Style
	Author        lipgloss.Style
	Reason        lipgloss.Style
	Marked        lipgloss.Style
	Overlay       lipgloss.Style
	Key           lipgloss.Style
}

// Theme colours by role.
type Theme struct {
	Accent, Urgent, High, Positive, Dim, Own, Warn color.Color
}

func darkTheme() Theme {
	return Theme{
		Accent:   lipgloss.Color("#7D56F4"),
		Urgent:   lipgloss.Color("#FF5F5F"),
		High:     lipgloss.Color("#FFAF5F"),
		Positive: lipgloss.Color("#5FD787"),
		Dim:      lipgloss.Color("#8A8A8A"),
		Own:      lipgloss.Color("#5FAFFF"),
		Warn:     lipgloss.Color("#FFD75F"),
	}
}

func lightTheme() Theme {
	return Theme{
		Accent:   lipgloss.Color("#5A3FC0"),
		Urgent:   lipgloss.Color("#C00000"),
		High:     lipgloss.Color("#B35900"),
		Positive: lipgloss.Color("#007A3D"),
		Dim:      lipgloss.Color("#6C6C6C"),
		Own:      lipgloss.Color("#005FAF"),
		Warn:     lipgloss.Color("#8A6D00"),
	}
}

// NewStyles builds styles; mono (NO_COLOR or theme "mono") uses only
// bold, reverse and underline so nothing depends on colour.
func NewStyles(t Theme, mono bool) Styles {
	b := lipgloss.NewStyle()
	s := Styles{mono: mono}
	s.Border = b
	s.BorderFocused = b.Bold(true)
	s.Bold = b.Bold(true)
	s.Selected = b.Reverse(true)
	s.Overlay = b.Border(lipgloss.DoubleBorder()).Padding(0, 1)
	s.Key = b.Bold(true)
	if mono {
		s.Title = b.Bold(true)
		s.Header = b.Bold(true)
		s.Status = b
		s.StatusErr = b.Bold(true).Underline(true)
		s.Flash = b.Bold(true).Reverse(true)
		s.Dim = b
		s.Urgent = b.Bold(true)
		s.High = b.Bold(true)
		s.Positive = b
		s.Breached = b.Bold(true).Underline(true)
		s.AtRisk = b.Underline(true)
		s.Own = b.Italic(true)
		s.Author = b.Bold(true)
		s.Reason = b
		s.Marked = b.Bold(true)
		return s
	}
	s.BorderFocused = b.Foreground(t.Accent)
	s.Border = b.Foreground(t.Dim)
	s.Title = b.Bold(true).Foreground(t.Accent)
	s.Header = b.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(t.Accent)
	s.Status = b.Foreground(t.Dim)
	s.StatusErr = b.Foreground(t.Urgent).Bold(true)
	s.Flash = b.Bold(true).Foreground(lipgloss.Color("#000000")).Background(t.Warn).Padding(0, 1)
	s.Selected = b.Reverse(true)
	s.Dim = b.Foreground(t.Dim)
	s.Urgent = b.Foreground(t.Urgent).Bold(true)
	s.High = b.Foreground(t.High).Bold(true)
	s.Positive = b.Foreground(t.Positive)
	s.Breached = b.Foreground(t.Urgent).Bold(true)
	s.AtRisk = b.Foreground(t.Warn)
	s.Own = b.Foreground(t.Own)
	s.Author = b.Bold(true)
	s.Reason = b.Foreground(t.High)
	s.Marked = b.Foreground(t.Accent).Bold(true)
	s.Overlay = s.Overlay.BorderForeground(t.Accent)
	return s
}

// apply overrides colours by role ("accent": "#7D56F4", "urgent": "9").
func (t *Theme) apply(colors map[string]string) error {
	slots := map[string]*color.Color{
		"accent": &t.Accent, "urgent": &t.Urgent, "high": &t.High, "positive": &t.Positive,
		"dim": &t.Dim, "own": &t.Own, "warn": &t.Warn,
	}
	for role, v := range colors {
		slot, ok := slots[strings.ToLower(role)]
		if !ok {
			return fmt.Errorf("theme.colors: unknown role %q (use accent, urgent, high, positive, dim, own, warn)", role)
		}
		if !validColor(v) {
			return fmt.Errorf("theme.colors.%s: %q is not a colour (use #RRGGBB or an ANSI number 0-255)", role, v)
		}
		*slot = lipgloss.Color(v)
	}
	return nil
}

func validColor(v string) bool {
	if strings.HasPrefix(v, "#") {
		_, err := strconv.ParseUint(v[1:], 16, 32)
		return err == nil && (len(v) == 7 || len(v) == 4)
	}
	n, err := strconv.Atoi(v)
	return err == nil && n >= 0 && n <= 255
}
