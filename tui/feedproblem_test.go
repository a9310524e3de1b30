package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/store"
)

// A refused credential is named in the network's own words in the status
// line: a Bluesky account has an app password, not a token (issue 17).
func TestFeedProblemNamesTheCredential(t *testing.T) {
	now := time.Now()
	for feed, want := range map[string]string{
		"bluesky:acme":            "check the app password",
		"mastodon:acme":           "check the access token",
		"x:acme":                  "check the API keys and access tokens",
		"mastodon:acme:search:#a": "check the access token",
	} {
		got := feedProblem(store.FeedStatus{Feed: feed, ErrorKind: "auth", LastError: "auth (HTTP 401)"}, now)
		if !strings.Contains(got, want) || (feed == "bluesky:acme" && strings.Contains(got, "token")) {
			t.Errorf("feedProblem(%s) = %q, want %q", feed, got, want)
		}
	}
}
