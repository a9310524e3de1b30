package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func TestDoBoundsBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2048)))
	}))
	defer srv.Close()
	c := &Client{MaxBody: 1024}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := c.Do(context.Background(), req)
	if !errors.Is(err, ErrTooLarge) || social.KindOf(err) != social.Transient {
		t.Fatalf("want transient ErrTooLarge, got %v", err)
	}
}

func TestDoTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c := NewClient(100 * time.Millisecond)
	req, _ := http.NewRequest("GET", srv.URL+"/x?access_token=secret", nil)
	_, err := c.Do(context.Background(), req)
	if social.KindOf(err) != social.Transient {
		t.Fatalf("want transient, got %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks query: %v", err)
	}
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	reset := now.Add(15 * time.Minute)
	tests := []struct {
		status int
		header http.Header
		kind   social.ErrorKind
		until  time.Time
	}{
		{429, http.Header{"Retry-After": {"30"}}, social.RateLimited, now.Add(30 * time.Second)},
		{429, http.Header{}, social.RateLimited, reset},
		{401, nil, social.Auth, time.Time{}},
		{403, nil, social.Permanent, time.Time{}},
		{404, nil, social.Permanent, time.Time{}},
		{422, nil, social.Permanent, time.Time{}},
		{500, nil, social.Transient, time.Time{}},
		{502, nil, social.Transient, time.Time{}},
	}
	for _, tt := range tests {
		r := &Response{Status: tt.status, Header: tt.header}
		if r.Header == nil {
			r.Header = http.Header{}
		}
		err := Classify(r, "", reset, now)
		var e *social.Error
		if !errors.As(err, &e) {
			t.Fatalf("%d: not a social.Error: %v", tt.status, err)
		}
		if e.Kind != tt.kind {
			t.Errorf("%d: kind %v, want %v", tt.status, e.Kind, tt.kind)
		}
		if tt.kind == social.RateLimited && !e.Until.Equal(tt.until) {
			t.Errorf("%d: until %v, want %v", tt.status, e.Until, tt.until)
		}
	}
	if Classify(&Response{Status: 200}, "", time.Time{}, now) != nil {
		t.Fatal("2xx must classify as nil")
	}
}

func TestRate(t *testing.T) {
	h := http.Header{}
	h.Set("ratelimit-limit", "3000")
	h.Set("ratelimit-remaining", "2990")
	h.Set("ratelimit-reset", "1795000000")
	rs, ok := Rate(h, "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", UnixReset)
	if !ok || rs.Limit != 3000 || rs.Remaining != 2990 || rs.Reset.Unix() != 1795000000 {
		t.Fatalf("got %+v %v", rs, ok)
	}
}

// Send asks for JSON, sets the body's type and adds the call's headers;
// Decode takes a JSON body and turns anything else into a transient error
// that names the content type.
func TestSendAndDecode(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", r.URL.Query().Get("ct"))
		w.Write([]byte(r.URL.Query().Get("body")))
	}))
	defer srv.Close()
	body, ctype, err := JSONBody(map[string]int{"n": 1})
	if err != nil || ctype != "application/json" {
		t.Fatalf("JSONBody: %q %v", ctype, err)
	}
	c := NewClient(0)
	send := func(ct, b string) *Response {
		t.Helper()
		u := srv.URL + "?" + url.Values{"ct": {ct}, "body": {b}}.Encode()
		resp, err := c.Send(context.Background(), Call{Method: http.MethodPost, URL: u, Body: body, Type: ctype,
			Header: http.Header{"Authorization": {"Bearer t"}}})
		if err != nil || !resp.OK() {
			t.Fatalf("Send: %+v %v", resp, err)
		}
		return resp
	}
	var out struct{ N int }
	if err := send("application/json; charset=utf-8", `{"n":2}`).Decode(&out); err != nil || out.N != 2 {
		t.Errorf("Decode: %+v %v", out, err)
	}
	if got.Get("Accept") != "application/json" || got.Get("Content-Type") != "application/json" || got.Get("Authorization") != "Bearer t" {
		t.Errorf("request headers %v", got)
	}
	for _, tc := range []struct{ ct, body, msg string }{
		{"text/html; charset=utf-8", "<html>", `expected JSON, got "text/html"`},
		{"application/json", `{"n":`, "malformed JSON in response"},
	} {
		err := send(tc.ct, tc.body).Decode(&out)
		if social.KindOf(err) != social.Transient || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want a transient error saying %q", tc.ct, err, tc.msg)
		}
	}
	if _, err := c.Send(context.Background(), Call{Method: "GET", URL: "http://%zz"}); social.KindOf(err) != social.Permanent {
		t.Errorf("bad URL: %v, want a permanent error", err)
	}
}
