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

// The empty inbox lists each failing feed with its whole error: a feed
// that did not start says why once, and a hostile error text is made
// safe (textsafe).
func TestFeedProblemsSayWhyOnce(t *testing.T) {
	q := &queue{Common: &Common{now: time.Now, feeds: []store.FeedStatus{
		{Feed: "mastodon:acme", ErrorKind: "not-started", LastError: "not started: account acme (mastodon): secret env:HARK_T: environment variable HARK_T is not set"},
		{Feed: "rss:alerts", LastError: "transient: cannot reach\x1b]0;owned\x07 the site"},
	}}}
	got := q.feedProblems()
	want0 := "mastodon:acme not started: account acme (mastodon): secret env:HARK_T: environment variable HARK_T is not set"
	if len(got) != 2 || got[0] != want0 {
		t.Fatalf("feedProblems()[0] = %q, want %q", got, want0)
	}
	if strings.ContainsAny(got[1], "\x1b\x07") || !strings.HasPrefix(got[1], "rss:alerts failing: transient") {
		t.Errorf("feedProblems()[1] = %q", got[1])
	}
}
