package faults

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

// t0 is every test's clock start.
var t0 = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// Client timeouts.
const (
	slowTimeout   = 200 * time.Millisecond
	normalTimeout = 5 * time.Second
)

// network is one adapter under test: its wire (internal/fakenet's
// FaultWire: how it answers when healthy and how the faults look in its
// wire format) and how the adapter is built and must classify errors.
type network struct {
	name    string
	kind403 social.ErrorKind // the kind a 403 must map to
	// handle answers any request the way the healthy network does.
	handle func(f *fake, w http.ResponseWriter, r *http.Request)
	// wire is the rest of the network's FaultWire.
	wire fakenet.FaultWire
	// source builds the adapter against the fake with client c.
	source func(f *fake, c *web.Client) social.Source
	// secrets are the credentials the adapter is given (or is handed by
	// the network): none may appear in an error message.
	secrets func(t testing.TB) []string
	network social.Network
}

// fake is internal/fakenet's fault server for one network, with the
// test's clock.
type fake struct {
	*fakenet.FaultServer
	t   *testing.T
	net *network
	clk *testkit.Clock
}

func newFake(t *testing.T, n *network) *fake {
	t.Helper()
	f := &fake{t: t, net: n, clk: testkit.NewClock(t0)}
	wire := n.wire
	wire.Name = n.name
	wire.Handle = func(w http.ResponseWriter, r *http.Request) { n.handle(f, w, r) }
	f.FaultServer = fakenet.NewFaultServer(t, wire, f.clk.Now)
	return f
}

func writeBody(w http.ResponseWriter, status int, ctype string, body []byte) {
	fakenet.Reply{Status: status, Type: ctype, Body: body}.ServeHTTP(w, nil)
}

const jsonCT = "application/json; charset=utf-8"

// jsonErrors is an ErrBody of JSON bodies: the one for a status in
// bodies, else other's.
func jsonErrors(bodies map[int][]byte, other func(status int) []byte) func(int) (string, []byte) {
	return func(status int) (string, []byte) {
		if b, ok := bodies[status]; ok {
			return jsonCT, b
		}
		return jsonCT, other(status)
	}
}

// ids reads the "id" of each element of a JSON array of objects.
func ids(t testing.TB, items []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, it := range items {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(it, &v); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		out[i] = v.ID
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// networks lists the adapters under test, in report order.
func networks() []*network { return []*network{mastodonNet(), blueskyNet(), xNet(), rssNet()} }
