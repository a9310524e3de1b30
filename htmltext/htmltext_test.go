package htmltext

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/internal/testkit"
)

// TestStatus is Mastodon's status content (Options Status).
func TestStatus(t *testing.T) {
	testkit.Table(t, "Text(Status)", func(in string) string { return Text(in, Status) }, []testkit.Case[string, string]{
		{"empty", "", ""},
		{"plain text passes through", "just text", "just text"},
		{"one paragraph", "<p>Hello world</p>", "Hello world"},
		{"paragraphs become a blank line", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"formatting whitespace between paragraphs", "<p>one</p>\n  <p>two</p>", "one\n\ntwo"},
		{"br becomes newline", "<p>line 1<br>line 2<br/>line 3</p>", "line 1\nline 2\nline 3"},
		{"double br keeps blank line", "<p>a<br><br>b</p>", "a\n\nb"},
		{"br before paragraph end does not stack", "<p>a<br></p><p>b</p>", "a\n\nb"},
		{"entities decoded", "<p>Fish &amp; chips &lt;3 &quot;yes&quot; &#39;ok&#39; caf&eacute; &#x1F600;</p>", "Fish & chips <3 \"yes\" 'ok' café 😀"},
		{"mention keeps @user",
			`<p><span class="h-card" translate="no"><a href="https://social.example/@acmecoffee" class="u-url mention">@<span>acmecoffee</span></a></span> hi</p>`,
			"@acmecoffee hi"},
		{"remote mention keeps @user only",
			`<p><span class="h-card"><a href="https://tooters.example/@maria" class="u-url mention">@<span>maria</span></a></span> hola</p>`,
			"@maria hola"},
		{"hashtag keeps #tag",
			`<p><a href="https://social.example/tags/AcmeCoffee" class="mention hashtag" rel="tag">#<span>AcmeCoffee</span></a></p>`,
			"#AcmeCoffee"},
		{"long URL with invisible and ellipsis spans reads whole",
			`<p>See <a href="https://shop.acme.example/orders/4822?ref=masto" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">shop.acme.example/orders/4822?</span><span class="invisible">ref=masto</span></a> now</p>`,
			"See https://shop.acme.example/orders/4822?ref=masto now"},
		{"link with other text shows href",
			`<p><a href="https://acme.example/faq">our FAQ</a></p>`,
			"our FAQ (https://acme.example/faq)"},
		{"link text without scheme counts as the URL",
			`<p><a href="https://acme.example/">acme.example</a></p>`,
			"acme.example"},
		{"link with empty text shows href", `<p><a href="https://x.example/a"></a></p>`, "https://x.example/a"},
		{"mention-looking link without class", `<a href="https://f.example/profile/bo">@bo</a> hey`, "@bo hey"},
		{"quote-inline paragraph kept", `<p class="quote-inline">RE: <a href="https://s.example/@a/1">https://s.example/@a/1</a></p><p>agreed</p>`, "RE: https://s.example/@a/1\n\nagreed"},
		{"custom emoji stays shortcode", "<p>yum :blobcoffee:</p>", "yum :blobcoffee:"},
		{"img alt text", `<p>ok <img src="x.png" alt=":blob:"> done</p>`, "ok :blob: done"},
		{"script and style dropped", "<p>a<script>alert(1)</script>b<style>p{}</style>c</p>", "abc"},
		{"list items", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"blockquote is a block", "<blockquote><p>quoted</p></blockquote><p>reply</p>", "quoted\n\nreply"},
		{"unclosed tags", "<p>open <a href='https://x.example'>link", "open link (https://x.example)"},
		{"stray close tags", "</p></a></span>text</p>", "text"},
		{"bare ampersand", "a & b", "a & b"},
		{"control bytes kept exactly", "<p>a\x1b[31mred</p>", "a\x1b[31mred"},
		{"fixture: polish post",
			`<p><span class="h-card" translate="no"><a href="https://social.example/@acmecoffee" class="u-url mention">@<span>acmecoffee</span></a></span> Zamówiłam ekspres 3 dni temu i nadal nic. Kiedy wysyłka? <a href="https://shop.acme.example/orders/4822?ref=masto" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">shop.acme.example/orders/4822?</span><span class="invisible">ref=masto</span></a></p><p><a href="https://social.example/tags/AcmeCoffee" class="mention hashtag" rel="tag">#<span>AcmeCoffee</span></a></p>`,
			"@acmecoffee Zamówiłam ekspres 3 dni temu i nadal nic. Kiedy wysyłka? https://shop.acme.example/orders/4822?ref=masto\n\n#AcmeCoffee"},
	})
}

// TestFeed is an RSS/Atom entry's HTML (Options Feed).
func TestFeed(t *testing.T) {
	testkit.Table(t, "Text(Feed)", func(in string) string { return Text(in, Feed) }, []testkit.Case[string, string]{
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
	})
}

func TestDeepNesting(t *testing.T) {
	in := strings.Repeat("<span>", 100000) + "deep" + strings.Repeat("</span>", 100000)
	for _, o := range []Options{Status, Feed} {
		if got := Text(in, o); got != "deep" {
			t.Errorf("%+v: got %q", o, got)
		}
	}
	in = strings.Repeat("<div><span class=invisible>", 5000) + "x" + strings.Repeat("</i>", 5000)
	_ = Text(in, Feed) // must finish quickly and not panic
	_ = Text(in, Status)
	in = strings.Repeat("<b>", 10000) + "visible" + strings.Repeat("</b>", 10000)
	for _, o := range []Options{Status, Feed} {
		if got := Text(in, o); got != "visible" {
			t.Errorf("%+v: got %q", o, got)
		}
	}
}
