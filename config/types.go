package config

import "time"

// Config is hark's whole configuration, as loaded from YAML and HARK_*
// environment variables. Secrets are never values here: Secret fields hold
// a reference ("env:VAR" or "cmd:pass show hark/x") resolved at start.
type Config struct {
	Profile string `mapstructure:"profile"` // name of this profile (default "default")
	Store   string `mapstructure:"store"`   // bbolt file (default $XDG_STATE_HOME/hark/<profile>.db) or a postgres:// URL
	// StorePassword is the PostgreSQL password (env:/cmd:); without it
	// libpq's PGPASSWORD and ~/.pgpass apply.
	StorePassword Secret            `mapstructure:"store_password"`
	LogFile       string            `mapstructure:"log_file"`   // default $XDG_STATE_HOME/hark/hark.log
	CannedDir     string            `mapstructure:"canned_dir"` // folder of canned responses; default $XDG_CONFIG_HOME/hark/canned
	Demo          bool              `mapstructure:"demo"`       // run the embedded demo feed
	Agent         Agent             `mapstructure:"agent"`
	Brands        []Brand           `mapstructure:"brands"`
	Accounts      []Account         `mapstructure:"accounts"`
	Feeds         []Feed            `mapstructure:"feeds"` // listening feeds that need no account (RSS/Atom)
	Keys          map[string]string `mapstructure:"keys"`  // action name -> comma-separated keys, overrides defaults
	Theme         Theme             `mapstructure:"theme"`
	Outbox        Outbox            `mapstructure:"outbox"`
	Media         Media             `mapstructure:"media"`
	// Operators are the people who connect to `hark serve`, each by SSH
	// key (empty: serve lets in authorized_keys and signs as Agent).
	Operators []Operator `mapstructure:"operators"`
	Team      Team       `mapstructure:"team"`

	// Path is the file this config was loaded from ("" = defaults only).
	Path string `mapstructure:"-"`
	// Throwaway: the store is a new file in a temporary folder, removed
	// when hark exits, and Store is ignored. The demo's configuration has
	// it, so the demo's customers never land in (or mix with) the store
	// of a real config; --db turns it off.
	Throwaway bool `mapstructure:"-"`
}

// Agent is the operator.
type Agent struct {
	Name     string `mapstructure:"name"`     // "Jane Doe"
	Initials string `mapstructure:"initials"` // "JD"; default from Name
}

// Operator is one person of the team under `hark serve`.
type Operator struct {
	Name     string   `mapstructure:"name"`     // "Jane Doe"
	Initials string   `mapstructure:"initials"` // "JD"; default from Name; unique
	Keys     []string `mapstructure:"keys"`     // OpenSSH public key lines ("ssh-ed25519 AAAA… jane@laptop")
	Brands   []string `mapstructure:"brands"`   // brands they answer (empty = all)
}

// Team tunes team mode.
type Team struct {
	// ClaimIdle ends a claim (an operator replying) after this long
	// without activity (default 5m).
	ClaimIdle time.Duration `mapstructure:"claim_idle"`
	// Lease is how long a process polls a feed or keeps the clock without
	// renewing, when several hark processes share a PostgreSQL store: after
	// a kill -9 another process takes over within it plus one poll
	// interval (default 30s).
	Lease time.Duration `mapstructure:"lease"`
	// SendLease is how long a process holds an outbox entry it sends;
	// the send is cut off before it ends, and another process takes the
	// entry over (confirming first) after it (default 75s).
	SendLease time.Duration `mapstructure:"send_lease"`
}

// Brand is one brand the operator answers for.
type Brand struct {
	Name      string `mapstructure:"name"`
	Signature string `mapstructure:"signature"` // appended to replies, e.g. "^{{.Initials}}" or "– Jane, Skylark Air"
	// SLAMinutes is the first-response target in business minutes (default 60).
	SLAMinutes int           `mapstructure:"sla_minutes"`
	Hours      BusinessHours `mapstructure:"hours"`
	VIPs       []string      `mapstructure:"vips"` // handles, e.g. "@maria@social.example"
	// InfluencerFollowers marks authors with at least this many followers as
	// influencers (0 = default 10000).
	InfluencerFollowers int `mapstructure:"influencer_followers"`
	// Urgent adds urgency keywords per language code ("en", "es", …).
	Urgent map[string][]string `mapstructure:"urgent"`
	// Vars are custom values for canned responses ({{.order_url}}).
	Vars map[string]string `mapstructure:"vars"`
}

// BusinessHours says when the SLA clock runs.
type BusinessHours struct {
	AlwaysOpen bool   `mapstructure:"always_open"` // 24/7
	TimeZone   string `mapstructure:"time_zone"`   // IANA name, default "UTC"
	// Days maps mon..sun to "09:00-17:00" (several ranges comma-separated);
	// a missing day is closed. Default mon-fri 09:00-17:00.
	Days     map[string]string `mapstructure:"days"`
	Holidays []string          `mapstructure:"holidays"` // "2026-12-25"
}

// Account is one brand account on one network.
type Account struct {
	Name    string `mapstructure:"name"`    // unique id used in store keys, e.g. "skylark-masto"
	Network string `mapstructure:"network"` // mastodon | bluesky | x | demo
	Brand   string `mapstructure:"brand"`   // must name a brand
	Server  string `mapstructure:"server"`  // base URL: Mastodon instance, Bluesky PDS/entryway, X API base
	Handle  string `mapstructure:"handle"`  // Bluesky handle, X username
	UserID  string `mapstructure:"user_id"` // X user id (looked up from /2/users/me if empty)

	Token    Secret `mapstructure:"token"`    // Mastodon access token
	Password Secret `mapstructure:"password"` // Bluesky app password
	// X OAuth 1.0a user context.
	ConsumerKey    Secret `mapstructure:"consumer_key"`
	ConsumerSecret Secret `mapstructure:"consumer_secret"`
	AccessToken    Secret `mapstructure:"access_token"`
	AccessSecret   Secret `mapstructure:"access_secret"`

	Interval time.Duration `mapstructure:"interval"` // poll interval; 0 = the network's safe default
	Search   []string      `mapstructure:"search"`   // keywords / #hashtags to listen for with this account
	Disabled bool          `mapstructure:"disabled"`
}

// Feed is a listening feed with no account (RSS/Atom).
type Feed struct {
	Name     string        `mapstructure:"name"`
	Type     string        `mapstructure:"type"` // rss (RSS 2.0, Atom, JSON Feed)
	URL      string        `mapstructure:"url"`
	Brand    string        `mapstructure:"brand"`
	Interval time.Duration `mapstructure:"interval"` // default 5m
	Disabled bool          `mapstructure:"disabled"`
}

// NotifyModes are the values of theme.notify.
var NotifyModes = []string{"auto", "osc9", "osc777", "bell", "off"}

// Theme picks colours; NO_COLOR in the environment always wins.
type Theme struct {
	Name   string            `mapstructure:"name"`   // "dark" (default), "light", "mono"
	Colors map[string]string `mapstructure:"colors"` // role -> colour ("accent": "#7D56F4")
	Bell   *bool             `mapstructure:"bell"`   // ring on new urgent posts (default true)
	// Notify: desktop notifications for new urgent posts and SLAs about
	// to be missed: "auto" (default: OSC 777 on the terminals known to
	// show it, else OSC 9), "osc9", "osc777", "bell" (the bell only) or
	// "off".
	Notify string `mapstructure:"notify"`
}

// Media tunes attachments.
type Media struct {
	// Preview shows the selected image in the conversation pane: auto
	// (detect kitty, iTerm2 or sixel; never over SSH or in tmux), off, or
	// a protocol to force (kitty, iterm2, sixel).
	Preview string `mapstructure:"preview"`
}

// Outbox tunes delivery.
type Outbox struct {
	MaxAttempts int `mapstructure:"max_attempts"` // transient failures before giving up (default 8)
	// UndoSend is how long a reply sent from the TUI waits in the outbox,
	// where U takes it back into the composer (default 5s; 0 sends at once).
	UndoSend *time.Duration `mapstructure:"undo_send"`
}

// Secret is a reference to a secret: "env:VAR" or "cmd:COMMAND ARGS".
// Its String method never prints a resolved value.
type Secret string
