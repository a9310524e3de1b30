package fakenet

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/dghubble/oauth1"
)

// XCredentials are the OAuth 1.0a consumer and access credentials of one
// X account.
type XCredentials struct {
	ConsumerKey, ConsumerSecret, AccessToken, AccessSecret string
}

// VerifyOAuth verifies a request's OAuth 1.0a Authorization header the
// way X does: the consumer key and token must be c's, and the HMAC-SHA1
// signature is recomputed from the signature base string (RFC 5849
// §3.4.1: method, base URL, sorted query and oauth_* parameters; a JSON
// body is not part of it). It returns the header's parameters.
func VerifyOAuth(r *http.Request, c XCredentials) (map[string]string, error) {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "OAuth ") {
		return nil, fmt.Errorf("no OAuth Authorization header (got %q)", h)
	}
	params := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(h, "OAuth "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("bad Authorization part %q", part)
		}
		uv, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			return nil, fmt.Errorf("bad Authorization value %q", v)
		}
		params[k] = uv
	}
	for k, want := range map[string]string{
		"oauth_consumer_key":     c.ConsumerKey,
		"oauth_token":            c.AccessToken,
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_version":          "1.0",
	} {
		if params[k] != want {
			return nil, fmt.Errorf("%s = %q, want %q", k, params[k], want)
		}
	}
	for _, k := range []string{"oauth_nonce", "oauth_timestamp", "oauth_signature"} {
		if params[k] == "" {
			return nil, fmt.Errorf("%s missing", k)
		}
	}
	var pairs []string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, oauth1.PercentEncode(k)+"="+oauth1.PercentEncode(v))
		}
	}
	for k, v := range params {
		if k != "oauth_signature" && k != "realm" {
			pairs = append(pairs, oauth1.PercentEncode(k)+"="+oauth1.PercentEncode(v))
		}
	}
	sort.Strings(pairs)
	baseString := strings.Join([]string{r.Method, oauth1.PercentEncode("http://" + r.Host + r.URL.EscapedPath()),
		oauth1.PercentEncode(strings.Join(pairs, "&"))}, "&")
	want, err := (&oauth1.HMACSigner{ConsumerSecret: c.ConsumerSecret}).Sign(c.AccessSecret, baseString)
	if err != nil {
		return nil, err
	}
	if params["oauth_signature"] != want {
		return nil, fmt.Errorf("oauth_signature %q does not verify (want %q)", params["oauth_signature"], want)
	}
	return params, nil
}
