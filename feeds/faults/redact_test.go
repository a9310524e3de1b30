package faults

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hark-tui/hark/feeds/bluesky"
	"github.com/hark-tui/hark/feeds/mastodon"
	"github.com/hark-tui/hark/feeds/rss"
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/feeds/x"
	"github.com/hark-tui/hark/social"
)

// A server that echoes the credentials it refused in its error body (the
// Authorization header, the login form) must not get them printed, logged
// or stored: every adapter redacts its account's secrets from every error
// before it leaves.
func TestSecretsEchoedByServerAreRedacted(t *testing.T) {
	const (
		token     = "mastodon-token-Zq8VxK2mN4pL7rT1"
		password  = "bsky-app-pw-abcd-efgh-ijkl-mnop"
		ckey      = "x-consumer-key-7Hq2Lp9Rt4"
		csecret   = "x-consumer-secret-Wm3Nb8Vc1Xz5"
		atoken    = "1234567-x-access-token-Jk6Hg4Fd2"
		asecret   = "x-access-secret-Qa9Ws7Ed5Rf3"
		statusMsg = http.StatusUnauthorized
	)
	// echo answers every request with a 401 whose message quotes the
	// request's Authorization header, query and body.
	echo := func(format func(msg string) any) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			msg := "refused " + r.Header.Get("Authorization") + " query " + r.URL.RawQuery + " body " + string(body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(statusMsg)
			json.NewEncoder(w).Encode(format(msg))
		}))
	}
	cases := []struct {
		name    string
		secrets []string
		format  func(msg string) any
		call    func(url string) error
	}{
		{"mastodon", []string{token}, func(m string) any { return map[string]string{"error": m} },
			func(u string) error {
				c := mastodon.New(mastodon.Options{Server: u, Token: token, Account: "acme", Client: web.NewClient(0)})
				_, err := c.Poll(context.Background(), "")
				return err
			}},
		{"bluesky", []string{password}, func(m string) any { return map[string]string{"error": "AuthenticationRequired", "message": m} },
			func(u string) error {
				c := bluesky.New(bluesky.Options{Service: u, Handle: "acme.example", Password: password, Account: "acme", Client: web.NewClient(0)})
				_, err := c.Poll(context.Background(), "")
				return err
			}},
		{"x", []string{ckey, atoken}, func(m string) any {
			return map[string]any{"title": "Unauthorized", "detail": m + " " + csecret + " " + asecret, "status": 401}
		},
			func(u string) error {
				c := x.New(x.Options{API: u, ConsumerKey: ckey, ConsumerSecret: csecret, AccessToken: atoken, AccessSecret: asecret,
					UserID: "42", Account: "acme", Client: web.NewClient(0), MinInterval: -1})
				_, err := c.Poll(context.Background(), "")
				return err
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := echo(tc.format)
			defer srv.Close()
			err := tc.call(srv.URL)
			if err == nil {
				t.Fatal("no error from a server refusing everything")
			}
			text := err.Error()
			for _, s := range append(tc.secrets, csecret, asecret) {
				if strings.Contains(text, s) {
					t.Errorf("the error quotes a secret: %s", text)
				}
			}
			if !strings.Contains(text, social.Redacted) {
				t.Errorf("the echoed secret is not marked redacted: %s", text)
			}
			if k := social.KindOf(err); k != social.Auth {
				t.Errorf("kind %v, want auth (redaction must keep the error's type)", k)
			}
			t.Logf("%s", text)
		})
	}
}

// A private feed's URL carries its secret (a password, a token in the
// query): an error quoting the URL must not print it.
func TestRSSURLSecretsAreRedacted(t *testing.T) {
	for _, u := range []string{
		"http://reader:s3cr3t-feed-pass@exa mple.invalid/feed.xml?token=abcdef0123456789",
		"http://127.0.0.1:1/feed.xml?key=abcdef0123456789&sig=zyxw9876vuts5432\x7f",
	} {
		f := rss.New(rss.Options{Name: "private", URL: u, Brand: "Acme"})
		_, err := f.Poll(context.Background(), "")
		if err == nil {
			t.Fatalf("%q: no error", u)
		}
		for _, s := range []string{"s3cr3t-feed-pass", "abcdef0123456789", "zyxw9876vuts5432"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("the error quotes %q: %v", s, err)
			}
		}
		t.Logf("%v", err)
	}
}
