package rss

import (
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func TestEnclosures(t *testing.T) {
	body := `<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
<item><guid>https://m.example/@kim/1</guid><link>https://m.example/@kim/1</link><description>hi</description>
<enclosure url="https://m.example/a.jpg" type="image/jpeg" length="12345"/>
<media:content url="https://m.example/b.png" type="image/png" fileSize="99" medium="image"><media:description>A form, filled in</media:description></media:content>
<media:content url="https://m.example/a.jpg" type="image/jpeg" medium="image"/>
<enclosure url="https://pod.example/ep.mp3" type="audio/mpeg" length="x"/>
</item></channel></rss>`
	feed, err := parse([]byte(body), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	posts := mapFeed(feed, "https://m.example/tags/acme.rss", time.Now())
	if len(posts) != 1 {
		t.Fatalf("posts %+v", posts)
	}
	want := []social.Media{
		{Kind: social.MediaImage, URL: "https://m.example/a.jpg", MIME: "image/jpeg", Size: 12345},
		{Kind: social.MediaAudio, URL: "https://pod.example/ep.mp3", MIME: "audio/mpeg"},
		{Kind: social.MediaImage, URL: "https://m.example/b.png", MIME: "image/png", Size: 99, Alt: "A form, filled in"},
	}
	got := posts[0].Media
	if len(got) != len(want) {
		t.Fatalf("media %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
