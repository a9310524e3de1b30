package fakenet

import (
	"net/http"
	"slices"
	"testing"
)

// A Script answers a route from the test's handler before the default,
// fails the nth request to a route once, and records every request with
// the host that got it.
func TestScriptRoutesFailuresAndRecords(t *testing.T) {
	s := NewScript(t, ScriptOptions{Net: NetMastodon, Hosts: []string{"a", "b"},
		Gate: func(_ string, w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("X-Key") != "k" {
				JSONReply(401, []byte(`{}`)).ServeHTTP(w, r)
				return false
			}
			return true
		},
		Fallback: JSONReply(200, []byte(`"default"`))})
	auth := map[string]string{"X-Key": "k"}
	s.Handle("GET /x", JSONReply(200, []byte(`"scripted"`)))
	s.FailNth("GET /x", 2, Reply{Status: 502, Type: "text/html", Body: []byte("<html>")})
	var got []string
	for _, u := range []string{s.URLs["a"] + "/x", s.URLs["b"] + "/x", s.URL + "/x", s.URL + "/y"} {
		a := call(t, nil, "GET", u, auth, "")
		got = append(got, string(a.body))
	}
	if want := []string{`"scripted"`, "<html>", `"scripted"`, `"default"`}; !slices.Equal(got, want) {
		t.Errorf("answers %q, want %q", got, want)
	}
	if a := call(t, nil, "GET", s.URL+"/x", nil, ""); a.status != 401 {
		t.Errorf("without the key: %d, want the gate's 401", a.status)
	}
	if n := s.Hits("GET /x"); n != 4 {
		t.Errorf("hits %d, want 4", n)
	}
	if n := s.Count("GET /x"); n != 4 {
		t.Errorf("count %d, want 4", n)
	}
	if reqs := s.Find("GET", "/x"); len(reqs) != 4 || reqs[0].Host != "a" || reqs[1].Host != "b" || reqs[1].Status != 502 {
		t.Errorf("recorded %+v", reqs)
	}
	s.Handle("GET /x", nil)
	if a := call(t, nil, "GET", s.URL+"/x", auth, ""); string(a.body) != `"default"` {
		t.Errorf("after Handle(nil): %s", a.body)
	}
}
