package bluesky

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestReplyFacetsByteOffsets(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		facets []facetOut
	}{
		{
			// The reference vector of the Bluesky docs: emoji (a ZWJ family)
			// before the link, a trailing period outside it.
			name: "docs vector",
			text: "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR.",
			facets: []facetOut{
				mention(23, 35, "did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
				link(74, 108, "https://en.wikipedia.org/wiki/CBOR"),
			},
		},
		{
			name: "cyrillic and skin-tone emoji",
			text: "Привет 👋🏽 @maria-lopez.bsky.social, заказ тут: https://shop.acme.example/orders/4821 ✓",
			facets: []facetOut{
				mention(22, 46, mariaDID),
				link(67, 104, "https://shop.acme.example/orders/4821"),
			},
		},
		{
			name: "unresolvable mention is left as text",
			text: "ご連絡ください @nobody.example (https://acme.example/help) or www.acme.example!",
			facets: []facetOut{
				link(len("ご連絡ください @nobody.example ("), len("ご連絡ください @nobody.example (https://acme.example/help"), "https://acme.example/help"),
				link(len("ご連絡ください @nobody.example (https://acme.example/help) or "), len("ご連絡ください @nobody.example (https://acme.example/help) or www.acme.example"), "https://www.acme.example"),
			},
		},
		{
			name: "no facets",
			text: "mail support@acme.example, see shop.acme.example or @ alone",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newClient(f)
			got := c.facets(context.Background(), tt.text)
			if !reflect.DeepEqual(got, tt.facets) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tt.facets)
				t.Fatalf("facets:\n got %s\nwant %s", gj, wj)
			}
			for _, fc := range got {
				s := tt.text[fc.Index.ByteStart:fc.Index.ByteEnd]
				if ft := fc.Features[0]; ft.URI != "" && !strings.HasSuffix(ft.URI, s) && !strings.HasSuffix(ft.URI, strings.TrimPrefix(s, "www.")) {
					t.Errorf("link facet covers %q for %q", s, ft.URI)
				}
			}
		})
	}
}

func TestResolveHandleOncePerSend(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	got := c.facets(context.Background(), "@maria-lopez.bsky.social and again @Maria-Lopez.bsky.social")
	if len(got) != 2 || got[1].Features[0].DID != mariaDID {
		t.Fatalf("facets = %+v", got)
	}
	wantCalls(t, f, "com.atproto.identity.resolveHandle", 1)
}

func TestDetectSpans(t *testing.T) {
	// The fixture mention: emoji and Spanish before it, facet at 14–37.
	text := "Hola 👋🏽 @acmecoffee.bsky.social mi pedido #4821 llegó con el molinillo roto 😞 ¿me ayudáis?"
	spans := detectSpans(text)
	if len(spans) != 1 || spans[0].start != 14 || spans[0].end != 37 || spans[0].handle != brandHandle {
		t.Fatalf("spans = %+v", spans)
	}
	tests := []struct {
		text string
		want []string // covered substrings
	}{
		{"(see https://example.com/a_(b))", []string{"https://example.com/a_(b)"}},
		{"go to https://example.com/x?y=1.", []string{"https://example.com/x?y=1"}},
		{"https://localhost/x and http://example.com", []string{"http://example.com"}},
		{"@alice.test, @bob.test.", []string{"@alice.test", "@bob.test"}},
		{"x@alice.test", nil},
		{"@nodots hi", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range detectSpans(tt.text) {
			got = append(got, tt.text[s.start:s.end])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.text, got, tt.want)
		}
	}
}

func mention(start, end int, did string) facetOut {
	return facetOut{Type: "app.bsky.richtext.facet", Index: facetIndex{start, end},
		Features: []featureOut{{Type: "app.bsky.richtext.facet#mention", DID: did}}}
}

func link(start, end int, uri string) facetOut {
	return facetOut{Type: "app.bsky.richtext.facet", Index: facetIndex{start, end},
		Features: []featureOut{{Type: "app.bsky.richtext.facet#link", URI: uri}}}
}

func TestExpandLinks(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		facets []facet
		want   string
	}{
		{"shortened", "see example.com/a/b…", []facet{{4, 22, []string{"https://example.com/a/b/c/d"}}}, "see https://example.com/a/b/c/d"},
		{"same", "https://x.example/", []facet{{0, 18, []string{"https://x.example/"}}}, "https://x.example/"},
		{"other words", "click here now", []facet{{0, 10, []string{"https://evil.example/"}}}, "click here (https://evil.example/) now"},
		{"out of range", "short", []facet{{0, 99, []string{"https://x.example/"}}}, "short"},
		{"inside a rune", "é.example", []facet{{1, 9, []string{"https://x.example/"}}}, "é.example"},
		{"negative", "abc", []facet{{-1, 2, []string{"https://x.example/"}}}, "abc"},
		{"not http", "abc", []facet{{0, 3, []string{"javascript:alert(1)"}}}, "abc"},
		{"overlap keeps first", "abcdef", []facet{{0, 4, []string{"https://one.example/"}}, {2, 6, []string{"https://two.example/"}}},
			"abcd (https://one.example/)ef"},
	}
	for _, tt := range tests {
		if got := expandLinks(tt.text, tt.facets); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
