package mastodon

import (
	"encoding/json"
	"testing"

	"github.com/hark-tui/hark/social"
)

func TestMediaAttachments(t *testing.T) {
	raw := `{"id":"1","media_attachments":[
	 {"id":"a","type":"image","url":"https://m.example/a.jpg","preview_url":"https://m.example/a_small.jpg",
	  "description":"A parcel with a crushed corner","meta":{"original":{"width":1200,"height":900}}},
	 {"id":"b","type":"video","url":null,"remote_url":"https://other.example/v.mp4","description":null},
	 {"id":"c","type":"gifv","url":"https://m.example/c.mp4","meta":"weird"},
	 {"id":"d","type":"image","url":null,"preview_url":null},
	 "not an object",
	 {"id":"e","type":"unknown","url":"https://m.example/e.bin"}]}`
	var st status
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		t.Fatal(err)
	}
	got := mediaOf(st.Media)
	want := []social.Media{
		{Kind: social.MediaImage, URL: "https://m.example/a.jpg", Preview: "https://m.example/a_small.jpg", Alt: "A parcel with a crushed corner", Width: 1200, Height: 900},
		{Kind: social.MediaVideo, URL: "https://other.example/v.mp4"},
		{Kind: social.MediaGIF, URL: "https://m.example/c.mp4"},
		{Kind: social.MediaFile, URL: "https://m.example/e.bin"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d items: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if l := got[0].Label(); l != "photo 1200×900" {
		t.Errorf("label %q", l)
	}
}
