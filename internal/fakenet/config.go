package fakenet

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Names Config gives the brand, accounts and feed.
const (
	Brand           = "Acme Coffee"
	MastodonAccount = "acme-mastodon"
	BlueskyAccount  = "acme-bluesky"
	XAccount        = "acme-x"
	RSSFeed         = "acme-rss"
	// BrandSignature is appended to every reply: "^JD" for Jane Doe.
	BrandSignature = "^{{.Initials}}"
)

// Environment variables Config's secrets refer to.
const (
	EnvMastodonToken   = "FAKENET_MASTODON_TOKEN"
	EnvBlueskyPassword = "FAKENET_BLUESKY_PASSWORD"
	EnvXConsumerKey    = "FAKENET_X_CONSUMER_KEY"
	EnvXConsumerSecret = "FAKENET_X_CONSUMER_SECRET"
	EnvXAccessToken    = "FAKENET_X_ACCESS_TOKEN"
	EnvXAccessSecret   = "FAKENET_X_ACCESS_SECRET"
)

// Env returns the secrets Config refers to, by environment variable.
func (n *Nets) Env() map[string]string {
	return map[string]string{
		EnvMastodonToken:   n.Mastodon.Token,
		EnvBlueskyPassword: n.Bluesky.Password,
		EnvXConsumerKey:    n.X.ConsumerKey,
		EnvXConsumerSecret: n.X.ConsumerSecret,
		EnvXAccessToken:    n.X.AccessToken,
		EnvXAccessSecret:   n.X.AccessSecret,
	}
}

// EnvLines returns Env as sorted "export NAME=value" shell lines.
func (n *Nets) EnvLines() string {
	env := n.Env()
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "export %s=%s\n", k, env[k])
	}
	return b.String()
}

// AccountYAML is Config's entry under accounts: for the fake account on
// net (Mastodon, Bluesky or X), with more "key: value" lines at its end.
func (n *Nets) AccountYAML(net Net, more ...string) string {
	var lines []string
	switch net {
	case NetMastodon:
		lines = []string{"name: " + MastodonAccount, "network: mastodon", "server: " + n.Mastodon.URL,
			`handle: "@acmecoffee@social.example"`, "token: env:" + EnvMastodonToken}
	case NetBluesky:
		lines = []string{"name: " + BlueskyAccount, "network: bluesky", "server: " + n.Bluesky.URL,
			"handle: " + BlueskyHandle, "password: env:" + EnvBlueskyPassword}
	case NetX:
		lines = []string{"name: " + XAccount, "network: x", "server: " + n.X.URL, "handle: " + XUsername,
			"consumer_key: env:" + EnvXConsumerKey, "consumer_secret: env:" + EnvXConsumerSecret,
			"access_token: env:" + EnvXAccessToken, "access_secret: env:" + EnvXAccessSecret}
	default:
		panic("fakenet: AccountYAML: no account on " + string(net))
	}
	return "  - " + strings.Join(append(lines, more...), "\n    ") + "\n"
}

// Config returns a hark config (YAML) with one brand, always open, and one
// account on each fake network plus the Mastodon-tag RSS feed, the demo
// off, secrets as env: references (see Env), and the store, log and
// canned folder inside dir.
func (n *Nets) Config(dir string) string {
	return fmt.Sprintf(`# hark against fakenet: every server is on loopback.
profile: fakenet
store: %q
log_file: %q
canned_dir: %q
demo: false
agent:
  name: Jane Doe
brands:
  - name: %s
    signature: %q
    sla_minutes: 60
    hours:
      always_open: true
      time_zone: UTC
accounts:
%s%s%sfeeds:
  - name: %s
    url: %s
theme:
  bell: false
`, filepath.Join(dir, "hark.db"), filepath.Join(dir, "hark.log"), filepath.Join(dir, "canned"),
		Brand, BrandSignature,
		n.AccountYAML(NetMastodon), n.AccountYAML(NetBluesky), n.AccountYAML(NetX),
		RSSFeed, n.RSS.MastodonTag)
}
