package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hark-tui/hark/social"
)

// Call is one request to a JSON API, as the adapters send it.
type Call struct {
	Method string
	URL    string      // the whole URL, query included
	Body   io.Reader   // nil: no body
	Type   string      // Body's Content-Type ("" when there is no body)
	Header http.Header // more headers (Authorization…), added as they are
}

// JSONBody encodes v as a Call's body, of type "application/json".
// A value that does not encode is a permanent *social.Error.
func JSONBody(v any) (io.Reader, string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, "", &social.Error{Kind: social.Permanent, Msg: "encoding request", Err: err}
	}
	return bytes.NewReader(b), "application/json", nil
}

// Send builds call's request, asking for JSON, and sends it with Do. A URL
// that does not parse is a permanent *social.Error; the answer's status is
// left to the caller (see Classify).
func (c *Client) Send(ctx context.Context, call Call) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, call.Method, call.URL, call.Body)
	if err != nil {
		return nil, &social.Error{Kind: social.Permanent, Msg: "bad request URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if call.Type != "" {
		req.Header.Set("Content-Type", call.Type)
	}
	for k, vs := range call.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return c.Do(ctx, req)
}

// OK reports whether the answer's status is 2xx.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Decode unmarshals the answer's JSON body into out. A body that is not
// JSON (a proxy's HTML page) or does not decode is a transient
// *social.Error with the answer's status.
func (r *Response) Decode(out any) error {
	if !r.IsJSON() {
		return &social.Error{Kind: social.Transient, Status: r.Status,
			Msg: fmt.Sprintf("expected JSON, got %q", r.ContentType())}
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return &social.Error{Kind: social.Transient, Status: r.Status, Msg: "malformed JSON in response", Err: err}
	}
	return nil
}

// ContentType is the answer's media type without its parameters, or "no
// content type".
func (r *Response) ContentType() string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "no content type"
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}
