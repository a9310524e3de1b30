package x

import (
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
)

// Credentials of the test account; the secrets are distinctive so tests
// can check they never leak into errors.
const (
	testConsumerKey    = "ck-acme-test"
	testConsumerSecret = "cs-SECRET-9f2d"
	testAccessToken    = "1623456789012345344-at-test"
	testAccessSecret   = "as-SECRET-77b1"
	brandID            = fakenet.XUserID
	firstNextToken     = "7140dibdnow9c7btw4e0yk0ga1x1h4fxwj6s9l7v0mci8"
	newestMention      = fakenet.XNewestMention
)

// resetAt is the x-rate-limit-reset the fixtures' README gives.
var resetAt = time.Unix(1795337400, 0) // 2026-11-22T08:50:00Z

// t0 is the tests' clock start, ten minutes before resetAt.
var t0 = time.Date(2026, 11, 22, 8, 40, 0, 0, time.UTC)

// newFake starts internal/fakenet's scripted X API for the test account.
func newFake(t *testing.T) *fakenet.XScript {
	t.Helper()
	return fakenet.NewXScript(t, fakenet.XCredentials{ConsumerKey: testConsumerKey, ConsumerSecret: testConsumerSecret,
		AccessToken: testAccessToken, AccessSecret: testAccessSecret})
}

// readFixture reads one of the shared X fixtures (internal/fakenet's
// testdata/x).
func readFixture(name string) []byte { return fakenet.Fixture("x/" + name) }

// newClient returns a client on the fake, with a clock at t0 and the brand's
// user id configured; mut may change the options.
func newClient(t *testing.T, f *fakenet.XScript, mut func(*Options)) (*Client, *testkit.Clock) {
	t.Helper()
	o, clk := testOptions(f)
	if mut != nil {
		mut(&o)
	}
	return New(o), clk
}

func testOptions(f *fakenet.XScript) (Options, *testkit.Clock) {
	clk := testkit.NewClock(t0)
	hc := f.Client()
	hc.Timeout = 5 * time.Second
	return Options{
		API:            f.URL,
		ConsumerKey:    testConsumerKey,
		ConsumerSecret: testConsumerSecret,
		AccessToken:    testAccessToken,
		AccessSecret:   testAccessSecret,
		UserID:         brandID,
		Account:        "acme",
		Brand:          "Acme Coffee",
		Client:         &web.Client{HTTP: hc},
		Now:            clk.Now,
	}, clk
}
