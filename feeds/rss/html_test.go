package rss

import (
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"br", "a<br>b<br/>c<br><br>d", "a\nb\nc\n\nd"},
		{"entities", "Fish &amp; chips &lt;3 &quot;yum&quot; &#39;ok&#39; caf&eacute; &#x1F600;", "Fish & chips <3 \"yum\" 'ok' café 😀"},
		{"whitespace collapses", "  lots\n\tof   <b>space</b>  here ", "lots of space here"},
		{"inline tags keep spaces", "Hello <a href=\"x\">@<span>bob</span></a>, hi", "Hello @bob, hi"},
		{"script and style dropped", "<style>p{color:red}</style><p>Hi</p><script>alert('x')</script><noscript>no</noscript>", "Hi"},
		{"comments dropped", "a<!-- SC_OFF -->b<!-- x -->", "ab"},
		{"mastodon link", `<a href="https://example.org/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.org/very/</span><span class="invisible">long/path</span></a>`, "example.org/very/…"},
		{"lists", "<ul><li>one</li><li>two <b>2</b></li></ul><p>after</p>", "- one\n- two 2\n\nafter"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"pre keeps whitespace", "<p>x</p><pre>  a\n    b</pre>", "x\n\n  a\n    b"},
		{"divs", "<div>a</div><div>b</div>", "a\nb"},
		{"nbsp", "1 kg orders&nbsp;...", "1 kg orders ..."},
		{"stray end tags", "a</p>b</div>c", "a\n\nb\nc"},
		{"unclosed inline adds no space", "<p>a<b>b", "ab"},
		{"plain text passes", "no markup\nat all", "no markup\nat all"},
		{"lone ampersand", "R&D < 3", "R&D < 3"},
		{"img dropped", `<p>look <img src="x.jpg" alt="pic"> here</p>`, "look here"},
		{"headings", "<h1>Title</h1>body", "Title\n\nbody"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plainText(tt.in)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestHTMLToTextDeepNesting(t *testing.T) {
	in := strings.Repeat("<div><span class=invisible>", 5000) + "x" + strings.Repeat("</i>", 5000)
	_ = htmlToText(in) // must finish quickly and not panic
	in = strings.Repeat("<b>", 10000) + "visible" + strings.Repeat("</b>", 10000)
	if got := htmlToText(in); got != "visible" {
		t.Errorf("got %q", got)
	}
}
