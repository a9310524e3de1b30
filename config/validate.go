package config

import (
	"errors"
	"fmt"
	"github.com/hark-tui/hark/hours"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate even where the system has no zoneinfo
	"unicode"
)

// Defaults.
const (
	DefaultProfile             = "default"
	DefaultSLAMinutes          = 60
	DefaultInfluencerFollowers = 10000
	DefaultFeedInterval        = 5 * time.Minute
	DefaultMaxAttempts         = 8
	DefaultTimeZone            = "UTC"
	DefaultTheme               = "dark"
	DefaultDayHours            = "09:00-17:00"
	DefaultClaimIdle           = 5 * time.Minute
	DefaultLease               = 30 * time.Second
	DefaultSendLease           = 75 * time.Second
	DefaultUndoSend            = 5 * time.Second
)

// Networks lists the account networks a config may name.
var networks = []string{"mastodon", "bluesky", "x", "demo"}

// Themes lists the theme names a config may name.
var themes = []string{"dark", "light", "mono"}

// MinInterval is the shortest poll interval allowed for a network ("rss"
// for feeds); 0 means no floor.
func MinInterval(network string) time.Duration {
	switch network {
	case "mastodon":
		return 30 * time.Second
	case "bluesky":
		return 10 * time.Second
	case "x":
		return 60 * time.Second
	case "rss":
		return 60 * time.Second
	}
	return 0
}

// FillDefaults fills every empty setting with its default. It is
// idempotent; Load calls it, and Demo returns a filled config.
func (c *Config) FillDefaults() {
	cfgFile, stateDir := Paths()
	c.Profile = strings.TrimSpace(c.Profile)
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	if c.Store == "" {
		c.Store = filepath.Join(stateDir, c.Profile+".db")
	}
	c.Store = expandHome(c.Store)
	if c.LogFile == "" {
		c.LogFile = filepath.Join(stateDir, "hark.log")
	}
	c.LogFile = expandHome(c.LogFile)
	if c.CannedDir == "" {
		c.CannedDir = filepath.Join(filepath.Dir(cfgFile), "canned")
	}
	c.CannedDir = expandHome(c.CannedDir)
	if c.Agent.Initials == "" {
		c.Agent.Initials = Initials(c.Agent.Name)
	}
	for i := range c.Brands {
		b := &c.Brands[i]
		if b.SLAMinutes == 0 {
			b.SLAMinutes = DefaultSLAMinutes
		}
		if b.InfluencerFollowers == 0 {
			b.InfluencerFollowers = DefaultInfluencerFollowers
		}
		if b.Hours.TimeZone == "" {
			b.Hours.TimeZone = DefaultTimeZone
		}
		if !b.Hours.AlwaysOpen && len(b.Hours.Days) == 0 {
			b.Hours.Days = map[string]string{}
			for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
				b.Hours.Days[d] = DefaultDayHours
			}
		}
	}
	onlyBrand := ""
	if len(c.Brands) == 1 {
		onlyBrand = c.Brands[0].Name
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		a.Network = strings.ToLower(strings.TrimSpace(a.Network))
		if a.Brand == "" {
			a.Brand = onlyBrand
		}
	}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		switch strings.ToLower(strings.TrimSpace(f.Type)) {
		case "", "rss", "atom", "json", "jsonfeed":
			f.Type = "rss"
		}
		if f.Interval == 0 {
			f.Interval = DefaultFeedInterval
		}
		if f.Brand == "" {
			f.Brand = onlyBrand
		}
	}
	if c.Theme.Name == "" {
		c.Theme.Name = DefaultTheme
	}
	if c.Theme.Bell == nil {
		t := true
		c.Theme.Bell = &t
	}
	if c.Theme.Notify == "" {
		c.Theme.Notify = "auto"
	}
	if c.Outbox.UndoSend == nil {
		d := DefaultUndoSend
		c.Outbox.UndoSend = &d
	}
	if c.Outbox.MaxAttempts == 0 {
		c.Outbox.MaxAttempts = DefaultMaxAttempts
	}
	for i := range c.Operators {
		o := &c.Operators[i]
		o.Name = strings.TrimSpace(o.Name)
		o.Initials = strings.TrimSpace(o.Initials)
		if o.Initials == "" {
			o.Initials = Initials(o.Name)
		}
	}
	if c.Team.ClaimIdle == 0 {
		c.Team.ClaimIdle = DefaultClaimIdle
	}
	if c.Team.Lease == 0 {
		c.Team.Lease = DefaultLease
	}
	if c.Team.SendLease == 0 {
		c.Team.SendLease = DefaultSendLease
	}
}

// SetProfile switches the profile (a --profile flag applied after Load).
// A store path that was the previous profile's default follows the profile.
func (c *Config) SetProfile(name string) {
	_, stateDir := Paths()
	if c.Store == "" || c.Store == filepath.Join(stateDir, c.Profile+".db") {
		c.Store = filepath.Join(stateDir, name+".db")
	}
	c.Profile = name
}

// Initials derives initials from a name: "Jane Doe" → "JD", "Demo
// Operator" → "DO", "Cher" → "C".
func Initials(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return ""
	}
	first := func(w string) string {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return string(unicode.ToUpper(r))
			}
		}
		return ""
	}
	s := first(words[0])
	if len(words) > 1 {
		s += first(words[len(words)-1])
	}
	return s
}

// Validate checks the whole config and returns every problem found, joined
// (each a *FieldError naming the file and the key), or nil. Call it after
// Load and after applying command-line flags.
func (c *Config) Validate() error {
	v := &validator{file: c.Path}
	if !safeName(c.Profile) {
		v.add("profile", "%q is not a usable profile name: use letters, digits, \"-\", \"_\" or \".\"", c.Profile)
	}
	if u, err := url.Parse(c.Store); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if _, has := u.User.Password(); has || u.Query().Has("password") {
			v.add("store", "the URL holds a password (value not shown): hark never reads secrets from the config; "+
				"write store_password: env:VAR (or \"cmd:…\"), or use PGPASSWORD or ~/.pgpass")
		}
	}
	if c.StorePassword != "" {
		if err := c.StorePassword.check(); err != nil {
			v.add("store_password", "%s", secretAdvice("store_password", "HARK_STORE_PASSWORD", err))
		}
	}
	if c.Outbox.MaxAttempts < 0 {
		v.add("outbox.max_attempts", "%d is negative: use a number of attempts ≥ 1 (default %d)", c.Outbox.MaxAttempts, DefaultMaxAttempts)
	}
	if p := strings.ToLower(c.Media.Preview); p != "" && !slices.Contains([]string{"auto", "off", "kitty", "iterm2", "sixel"}, p) {
		v.add("media.preview", "%q is not auto, off, kitty, iterm2 or sixel", c.Media.Preview)
	}
	if n := c.Theme.Notify; n != "" && !slices.Contains(NotifyModes, n) {
		v.add("theme.notify", "%q is not one of %s", n, strings.Join(NotifyModes, ", "))
	}
	if u := c.Outbox.UndoSend; u != nil && (*u < 0 || *u > time.Minute) {
		v.add("outbox.undo_send", "%s is not between 0 (off) and 1m", *u)
	}
	if c.Theme.Name != "" && !slices.Contains(themes, c.Theme.Name) {
		v.add("theme.name", "%q is not one of %s", c.Theme.Name, strings.Join(themes, ", "))
	}

	brands := map[string]bool{}
	for i, b := range c.Brands {
		key := fmt.Sprintf("brands[%d]", i)
		name := strings.TrimSpace(b.Name)
		switch {
		case name == "":
			v.add(key+".name", "is empty: every brand needs a name")
		case brands[name]:
			v.add(key+".name", "%q is used by two brands: brand names must be unique", name)
		}
		brands[name] = true
		if b.SLAMinutes < 0 {
			v.add(key+".sla_minutes", "%d is negative: use minutes ≥ 0 (default %d)", b.SLAMinutes, DefaultSLAMinutes)
		}
		if b.InfluencerFollowers < 0 {
			v.add(key+".influencer_followers", "%d is negative: use a follower count ≥ 0 (default %d)", b.InfluencerFollowers, DefaultInfluencerFollowers)
		}
		v.hours(key+".hours", b.Hours)
		for j, h := range b.VIPs {
			if strings.TrimSpace(h) == "" {
				v.add(fmt.Sprintf("%s.vips[%d]", key, j), "is empty: write a handle like \"@maria@social.example\"")
			}
		}
		for _, lang := range slices.Sorted(maps.Keys(b.Urgent)) {
			words := b.Urgent[lang]
			for j, w := range words {
				if strings.TrimSpace(w) == "" {
					v.add(fmt.Sprintf("%s.urgent.%s[%d]", key, lang, j), "is empty: remove it or write a keyword")
				}
			}
		}
	}
	if len(c.Brands) == 0 && (len(c.Accounts) > 0 || len(c.Feeds) > 0) {
		v.add("brands", "no brand is configured: add one under brands: (accounts and feeds each name their brand)")
	}

	accounts := map[string]bool{}
	for i, a := range c.Accounts {
		v.account(fmt.Sprintf("accounts[%d]", i), a, brands, accounts)
	}
	feeds := map[string]bool{}
	for i, f := range c.Feeds {
		v.feed(fmt.Sprintf("feeds[%d]", i), f, brands, feeds)
	}
	v.operators(c.Operators, brands)
	for _, l := range []struct {
		key string
		d   time.Duration
	}{{"team.lease", c.Team.Lease}, {"team.send_lease", c.Team.SendLease}} {
		if l.d != 0 && l.d < time.Second {
			v.add(l.key, "%s is too short: give at least 1s (or leave it out for the default)", l.d)
		}
	}
	if c.Team.ClaimIdle < 0 {
		v.add("team.claim_idle", "%s is negative: leave it out for the default (%s), or give a duration like \"5m\"", c.Team.ClaimIdle, DefaultClaimIdle)
	}
	return errors.Join(v.errs...)
}

type validator struct {
	file string
	errs []error
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{File: v.file, Key: key, Reason: fmt.Sprintf(format, args...)})
}

var safeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// safeName reports whether s is usable in store keys and file names.
func safeName(s string) bool { return safeNameRE.MatchString(s) }

func (v *validator) brandRef(key, brand string, brands map[string]bool) {
	switch {
	case brand == "":
		v.add(key, "is empty: name one of the brands under brands:")
	case !brands[brand]:
		names := make([]string, 0, len(brands))
		for b := range brands {
			names = append(names, strconv.Quote(b))
		}
		slices.Sort(names)
		v.add(key, "%q is not a configured brand (brands: %s)", brand, strings.Join(names, ", "))
	}
}

func (v *validator) name(key, name, what string, seen map[string]bool) {
	switch {
	case name == "":
		v.add(key, "is empty: every %s needs a name", what)
	case !safeName(name):
		v.add(key, "%q cannot be used as a %s name: use 1–64 letters, digits, \"-\", \"_\" or \".\" (no \"/\" or spaces)", name, what)
	case seen[name]:
		v.add(key, "%q is used twice: %s names must be unique", name, what)
	}
	seen[name] = true
}

func (v *validator) account(key string, a Account, brands, seen map[string]bool) {
	v.name(key+".name", a.Name, "account", seen)
	v.brandRef(key+".brand", a.Brand, brands)
	if !slices.Contains(networks, a.Network) {
		reason := fmt.Sprintf("%q is not one of %s", a.Network, strings.Join(networks, ", "))
		if a.Network == "" {
			reason = "is empty: use one of " + strings.Join(networks, ", ")
		} else if s := closest(a.Network, networks); s != "" {
			reason += "; did you mean " + s + "?"
		} else if a.Network == "rss" {
			reason += "; RSS/Atom URLs go under feeds:"
		}
		v.add(key+".network", "%s", reason)
	}
	secrets := []struct {
		field string
		s     Secret
	}{
		{"token", a.Token}, {"password", a.Password},
		{"consumer_key", a.ConsumerKey}, {"consumer_secret", a.ConsumerSecret},
		{"access_token", a.AccessToken}, {"access_secret", a.AccessSecret},
	}
	for _, s := range secrets {
		if s.s != "" {
			if err := s.s.check(); err != nil {
				v.add(key+"."+s.field, "%s", secretAdvice(s.field, "HARK_"+envName(a.Name)+"_"+strings.ToUpper(s.field), err))
			}
		}
	}
	required := func(field string, s Secret, what string) {
		if s == "" {
			v.add(key+"."+field, "is missing: a %s account needs its %s, e.g. %s: env:HARK_%s_%s", a.Network, what, field,
				envName(a.Name), strings.ToUpper(field))
		}
	}
	switch a.Network {
	case "mastodon":
		if a.Server == "" {
			v.add(key+".server", "is missing: a mastodon account needs its instance URL, e.g. server: https://mastodon.social")
		}
		required("token", a.Token, "access token")
	case "bluesky":
		if strings.TrimSpace(a.Handle) == "" {
			v.add(key+".handle", "is missing: a bluesky account needs its handle, e.g. handle: brand.bsky.social")
		} else if strings.ContainsFunc(a.Handle, unicode.IsSpace) {
			v.add(key+".handle", "%q contains spaces: write the handle like brand.bsky.social", a.Handle)
		}
		required("password", a.Password, "app password")
	case "x":
		required("consumer_key", a.ConsumerKey, "OAuth 1.0a API key")
		required("consumer_secret", a.ConsumerSecret, "OAuth 1.0a API key secret")
		required("access_token", a.AccessToken, "OAuth 1.0a access token")
		required("access_secret", a.AccessSecret, "OAuth 1.0a access token secret")
	}
	if a.Server != "" {
		if err := httpURL(a.Server); err != nil {
			v.add(key+".server", "%s", err)
		}
	}
	v.interval(key+".interval", a.Interval, a.Network)
	for j, s := range a.Search {
		if strings.TrimSpace(s) == "" {
			v.add(fmt.Sprintf("%s.search[%d]", key, j), "is empty: write a keyword or #hashtag, or remove the line")
		}
	}
}

func (v *validator) feed(key string, f Feed, brands, seen map[string]bool) {
	v.name(key+".name", f.Name, "feed", seen)
	v.brandRef(key+".brand", f.Brand, brands)
	if f.Type != "rss" {
		v.add(key+".type", "%q is not a feed type: use rss (it reads RSS, Atom and JSON Feed)", f.Type)
	}
	if f.URL == "" {
		v.add(key+".url", "is missing: give the feed's http(s) URL")
	} else if err := httpURL(f.URL); err != nil {
		v.add(key+".url", "%s", err)
	}
	v.interval(key+".interval", f.Interval, "rss")
}

func (v *validator) interval(key string, d time.Duration, network string) {
	if d < 0 {
		v.add(key, "%s is negative: leave it out for the default, or give a duration like \"5m\"", d)
		return
	}
	if floor := MinInterval(network); d > 0 && d < floor {
		v.add(key, "%s is below the %s minimum of %s: poll less often (or leave it out for the default)", d, network, floor)
	}
}

func httpURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL: write it like https://example.org/path", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) URL: write it like https://example.org/path", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host: write it like https://example.org/path", s)
	}
	return nil
}

func envName(account string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(account) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "ACCOUNT"
	}
	return b.String()
}

func (v *validator) hours(key string, h BusinessHours) {
	tz := h.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	if _, err := time.LoadLocation(tz); err != nil {
		v.add(key+".time_zone", "%q is not a known time zone: use an IANA name like Europe/London or America/New_York", tz)
	}
	if !h.AlwaysOpen {
		for _, day := range slices.Sorted(maps.Keys(h.Days)) {
			// the calendar's own parser decides; only the wording is ours
			if msg := hoursMessage(hours.Check(day, h.Days[day])); msg != "" {
				v.add(key+".days."+day, "%s", msg)
			}
		}
	}
	for i, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, strings.TrimSpace(d)); err != nil {
			v.add(fmt.Sprintf("%s.holidays[%d]", key, i), "%q is not a date: write it as YYYY-MM-DD, e.g. \"2026-12-25\"", d)
		}
	}
}

// hoursMessage phrases a business-hours problem for the config's reader.
func hoursMessage(err error) string {
	var he *hours.Error
	if err == nil {
		return ""
	}
	if !errors.As(err, &he) {
		return err.Error()
	}
	switch he.Problem {
	case hours.BadDay:
		return fmt.Sprintf("%q is not a day: use mon, tue, wed, thu, fri, sat or sun, or a range like mon-fri", he.Text)
	case hours.Backwards:
		return fmt.Sprintf("%q ends before it starts: split a shift that crosses midnight across two days (\"22:00-24:00\" and \"00:00-06:00\")", he.Text)
	case hours.Overlap:
		return fmt.Sprintf("%q overlaps another range on the same day", he.Text)
	}
	return fmt.Sprintf("%q is not a range: write opening hours like \"09:00-17:00\" (24-hour HH:MM), \"closed\" or \"24h\"", he.Text)
}
