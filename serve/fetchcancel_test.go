package serve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path"
	"testing"
	"time"

	"charm.land/ssh"

	"github.com/hark-tui/hark/serve"
	"github.com/hark-tui/hark/termimg"
	"github.com/hark-tui/hark/tui"
)

// A media preview fetch runs under the session's context: when the
// operator's SSH session closes while the fetch hangs, the request is
// cancelled (the media server sees its request's context end) instead of
// running on, on context.Background, after the session is gone.
func TestClosedSessionCancelsItsFetch(t *testing.T) {
	arrived := make(chan struct{}, 1)
	cancelled := make(chan struct{}, 1)
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select { // a media server that never answers
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(wait):
		}
	}))
	defer media.Close()

	a, dir := openApp(t)
	e := startServerOpts(t, a, dir, true, func(o *serve.Options) {
		o.Deps = func(ssh.Session) tui.Deps {
			d := a.TUIDeps("test", nil)
			d.Images = termimg.Kitty
			d.FetchMedia = func(ctx context.Context, u string) ([]byte, error) {
				return termimg.Fetch(ctx, media.Client(), media.URL+"/"+path.Base(u), termimg.MaxBytes)
			}
			return d
		}
	})
	c := mustDial(t, e, "ana", nil)
	tm := openTerm(t, c, 120, 40)
	tm.waitText("priority")
	for _, k := range []string{"3", "j", "j", "\r"} {
		tm.send(k)
	}
	tm.waitText("Elm Street at 7am")
	tm.send("m") // the photo: its preview is fetched
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatalf("the preview was not fetched; screen:\n%s", tm.screen())
	}
	select {
	case <-cancelled:
		t.Fatal("the fetch was cancelled while the session was open")
	default:
	}
	c.Close() // the operator's connection goes
	select {
	case <-cancelled:
	case <-time.After(wait):
		t.Fatal("the session closed, but its media fetch runs on")
	}
	e.waitLog(t, "serve: session end")
}
