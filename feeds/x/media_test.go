package x

import (
	"testing"

	"github.com/hark-tui/hark/social"
)

func TestMediaExpansions(t *testing.T) {
	body := `{"data":[{"id":"10","text":"look","author_id":"5","attachments":{"media_keys":["3_1","7_2","3_missing"]}},{"id":"11","text":"none","author_id":"5"}],
	 "includes":{"users":[{"id":"5","username":"kim","name":"Kim"}],
	  "media":[{"media_key":"3_1","type":"photo","url":"https://pbs.twimg.com/media/a.jpg","width":1200,"height":900,"alt_text":"Crushed parcel"},
	           {"media_key":"7_2","type":"video","preview_image_url":"https://pbs.twimg.com/v.jpg","width":"640","height":360}]}}`
	p, err := decodeTweetPage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	m := &mapper{account: "acme"}
	posts := m.mapPage(&p)
	if len(posts) != 2 {
		t.Fatalf("posts %+v", posts)
	}
	want := []social.Media{
		{Kind: social.MediaImage, URL: "https://pbs.twimg.com/media/a.jpg", Width: 1200, Height: 900, Alt: "Crushed parcel"},
		{Kind: social.MediaVideo, URL: "https://pbs.twimg.com/v.jpg", Preview: "https://pbs.twimg.com/v.jpg", Width: 640, Height: 360},
	}
	got := posts[0].Media
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("media %+v\nwant %+v", got, want)
	}
	if len(posts[1].Media) != 0 {
		t.Fatalf("a post without attachments has %+v", posts[1].Media)
	}
}
