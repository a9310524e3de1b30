package app

import (
	"fmt"
	"slices"
	"time"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/feeds/demo"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/triage"
)

// Brand holds one brand's compiled rules.
type Brand struct {
	Cfg   config.Brand
	Rules *triage.Triager
	Cal   *triage.Calendar
	SLA   time.Duration
}

func newBrand(b config.Brand, demoBrands []demo.Brand) (*Brand, error) {
	vips := slices.Clone(b.VIPs)
	for _, d := range demoBrands {
		if d.Name == b.Name {
			vips = append(vips, d.VIPs...)
			if b.Signature == "" {
				b.Signature = d.Signature
			}
		}
	}
	cal, err := triage.NewCalendar(b.Hours.TimeZone, b.Hours.Days, b.Hours.Holidays, b.Hours.AlwaysOpen)
	if err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	sla := b.SLAMinutes
	if sla <= 0 {
		sla = 60
	}
	tr, err := triage.New(triage.Rules{Urgent: b.Urgent, VIPs: vips, InfluencerFollowers: b.InfluencerFollowers, Calendar: cal})
	if err != nil {
		return nil, fmt.Errorf("urgent keywords: %w", err)
	}
	return &Brand{
		Cfg:   b,
		Rules: tr,
		Cal:   cal,
		SLA:   time.Duration(sla) * time.Minute,
	}, nil
}

// slaBonus lifts conversations as their deadline nears and passes.
func slaBonus(c *social.Conversation, now time.Time) int {
	if c.DueAt.IsZero() || c.WaitingSince.IsZero() {
		return 0
	}
	switch st, _ := triage.SLA(c.WaitingSince, c.DueAt, now); st {
	case triage.Breached:
		return 20
	case triage.AtRisk:
		return 10
	}
	return 0
}

// triage scores a conversation after a customer post: the base score comes
// from the unanswered posts (the highest wins, so a "thanks" after an
// urgent report does not bury it), the SLA deadline from the brand's
// business hours.
func (a *App) triage(c *social.Conversation, p social.Post, contact store.Contact) {
	b := a.Brands[c.Brand]
	if b == nil {
		b = a.defaultBrand()
	}
	now := a.now()
	if !c.WaitingSince.IsZero() {
		c.DueAt = b.Cal.Add(c.WaitingSince, b.SLA)
	}
	// Now is left zero: the base score has no SLA part (rescore adds it
	// as time passes; the TUI shows the countdown live).
	res := b.Rules.Score(triage.Input{
		Text: p.Text, Lang: p.Lang, Author: p.Author, Direct: p.Direct, Kind: p.Kind,
		VIP: contact.VIP || c.VIP,
	})
	fresh := c.WaitingSince.Equal(p.CreatedAt) // this post started the wait
	if fresh || res.Score >= c.Base {
		c.Base = res.Score
		c.Reasons = res.Reasons
	}
	c.Sentiment = res.Sentiment
	if res.Lang != "" {
		c.Lang = res.Lang
	}
	c.VIP = c.VIP || res.VIP
	c.Priority = c.Base + slaBonus(c, now)
}

// rescore moves a conversation's priority as its SLA state changes.
func (a *App) rescore(c *social.Conversation, now time.Time) bool {
	p := c.Base + slaBonus(c, now)
	if p == c.Priority {
		return false
	}
	c.Priority = p
	return true
}

// defaultBrand covers posts of a brand missing from the config: 24/7, 60 min.
func (a *App) defaultBrand() *Brand {
	if a.fallback == nil {
		a.fallback, _ = newBrand(config.Brand{Name: "default", Hours: config.BusinessHours{AlwaysOpen: true}}, nil)
	}
	return a.fallback
}
