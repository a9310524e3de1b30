package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
