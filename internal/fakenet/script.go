package fakenet

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is a canned answer.
type Reply struct {
	Status int
	Type   string            // Content-Type ("" = none)
	Header map[string]string // more headers; an empty value removes one
	Body   []byte
}

// JSONReply is an answer with a JSON body.
func JSONReply(status int, body []byte) Reply {
	return Reply{Status: status, Type: "application/json; charset=utf-8", Body: body}
}

// ServeHTTP writes the reply.
func (rp Reply) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	if rp.Type != "" {
		h.Set("Content-Type", rp.Type)
	}
	for k, v := range rp.Header {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	w.WriteHeader(rp.Status)
	_, _ = w.Write(rp.Body)
}

// ScriptOptions shape a Script.
type ScriptOptions struct {
	Net Net
	// Key names the route of a request ("" = "METHOD /path").
	Key func(r *http.Request) string
	// Gate runs before any answer (after the request is recorded and an
	// injected failure is chosen): authentication, headers every answer
	// carries, checks of what the client must always send. host is the
	// server's (see Serve); it answers itself and returns false to stop.
	Gate func(host string, w http.ResponseWriter, r *http.Request) bool
	// Fallback answers the requests no route holds (nil: 404).
	Fallback http.Handler
	// Hosts names the servers to start, which share the routes (nil: one,
	// host ""); Request.Host records which one a request reached.
	Hosts []string
}

// Script is a scripted fake for an adapter's unit tests: loopback
// servers that record every request (Requests, Find), answer each route
// from the handler a test set (Handle) or the network's default
// (ScriptOptions.Fallback), and inject a failure into the nth request to
// a route (FailNth). The Mastodon, Bluesky and X scripts build on it.
type Script struct {
	URL  string            // the first server's base URL
	URLs map[string]string // every server's base URL, by host

	t    testing.TB
	nets *Nets
	o    ScriptOptions

	sm     sync.Mutex
	srvs   []*base
	routes map[string]http.Handler
	fails  map[string]scriptFail
	hits   map[string]int
}

type scriptFail struct {
	nth int // 0: the next request
	h   http.Handler
}

// NewScript starts a scripted fake for a test; its servers are closed
// when the test ends.
func NewScript(t testing.TB, o ScriptOptions) *Script {
	s := &Script{t: t, o: o, nets: &Nets{opt: Options{Now: time.Now}}, URLs: map[string]string{},
		routes: map[string]http.Handler{}, fails: map[string]scriptFail{}, hits: map[string]int{}}
	hosts := o.Hosts
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	for _, host := range hosts {
		b := &base{}
		b.start(s.nets, o.Net, host, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(host, w, r) }))
		t.Cleanup(b.srv.Close)
		s.srvs = append(s.srvs, b)
		s.URLs[host] = b.srv.URL
	}
	s.URL = s.srvs[0].srv.URL
	return s
}

// Client returns an HTTP client for the first server.
func (s *Script) Client() *http.Client { return s.srvs[0].srv.Client() }

func (s *Script) key(r *http.Request) string {
	if s.o.Key != nil {
		return s.o.Key(r)
	}
	return r.Method + " " + r.URL.Path
}

// Handle answers route with h from now on (nil: the default again).
func (s *Script) Handle(route string, h http.Handler) {
	s.sm.Lock()
	defer s.sm.Unlock()
	if h == nil {
		delete(s.routes, route)
		return
	}
	s.routes[route] = h
}

// HandleFunc is Handle for a function.
func (s *Script) HandleFunc(route string, h http.HandlerFunc) { s.Handle(route, h) }

// Handler returns the handler a test set for route.
func (s *Script) Handler(route string) (http.Handler, bool) {
	s.sm.Lock()
	defer s.sm.Unlock()
	h, ok := s.routes[route]
	return h, ok
}

// FailNth answers the nth request (1-based, counting from the start;
// 0 = the next one) to route with h, once.
func (s *Script) FailNth(route string, nth int, h http.Handler) {
	s.sm.Lock()
	defer s.sm.Unlock()
	s.fails[route] = scriptFail{nth: nth, h: h}
}

// Hits is the number of requests to route so far.
func (s *Script) Hits(route string) int {
	s.sm.Lock()
	defer s.sm.Unlock()
	return s.hits[route]
}

// Requests returns every request the script's servers received, oldest
// first.
func (s *Script) Requests() []Request { return s.nets.Requests("") }

// Find returns the requests with this method and path.
func (s *Script) Find(method, path string) []Request { return find(s.Requests(), method, path) }

// Count is the number of requests to route ("METHOD /path").
func (s *Script) Count(route string) int {
	method, path, _ := strings.Cut(route, " ")
	return len(s.Find(method, path))
}

func (s *Script) serve(host string, w http.ResponseWriter, r *http.Request) {
	key := s.key(r)
	s.sm.Lock()
	s.hits[key]++
	fail, failing := s.fails[key]
	if failing && (fail.nth == 0 || fail.nth == s.hits[key]) {
		delete(s.fails, key)
	} else {
		failing = false
	}
	h, ok := s.routes[key]
	s.sm.Unlock()
	if s.o.Gate != nil && !s.o.Gate(host, w, r) {
		return
	}
	switch {
	case failing:
		fail.h.ServeHTTP(w, r)
	case ok:
		h.ServeHTTP(w, r)
	case s.o.Fallback != nil:
		s.o.Fallback.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}
