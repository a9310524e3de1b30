package bluesky

import (
	"encoding/json"
	"testing"

	"github.com/hark-tui/hark/social"
)

func TestMediaFromEmbeds(t *testing.T) {
	const did = "did:plc:abc"
	for _, tc := range []struct {
		name, embed string
		view        bool
		want        []social.Media
	}{
		{"record images", `{"$type":"app.bsky.embed.images","images":[{"alt":"Broken screen","image":{"$type":"blob","ref":{"$link":"bafkcid1"},"mimeType":"image/jpeg","size":234567},"aspectRatio":{"width":1200,"height":900}},{"alt":"","image":{"cid":"bafklegacy","mimeType":"image/png"}}]}`, false,
			[]social.Media{
				{Kind: social.MediaImage, Alt: "Broken screen", MIME: "image/jpeg", Size: 234567, Width: 1200, Height: 900,
					URL: cdn + "/img/feed_fullsize/plain/did:plc:abc/bafkcid1@jpeg", Preview: cdn + "/img/feed_thumbnail/plain/did:plc:abc/bafkcid1@jpeg"},
				{Kind: social.MediaImage, MIME: "image/png",
					URL: cdn + "/img/feed_fullsize/plain/did:plc:abc/bafklegacy@jpeg", Preview: cdn + "/img/feed_thumbnail/plain/did:plc:abc/bafklegacy@jpeg"},
			}},
		{"record external", `{"$type":"app.bsky.embed.external","external":{"uri":"https://shop.example/order/1","title":"Order 1","description":"","thumb":{"$type":"blob","ref":{"$link":"x"}}}}`, false,
			[]social.Media{{Kind: social.MediaLink, URL: "https://shop.example/order/1", Alt: "Order 1"}}},
		{"record video", `{"$type":"app.bsky.embed.video","video":{"$type":"blob","ref":{"$link":"bafkvid"},"mimeType":"video/mp4","size":99},"alt":"Unboxing","aspectRatio":{"width":16,"height":9}}`, false,
			[]social.Media{{Kind: social.MediaVideo, Alt: "Unboxing", MIME: "video/mp4", Size: 99, Width: 16, Height: 9,
				URL: "https://video.bsky.app/watch/did:plc:abc/bafkvid/playlist.m3u8"}}},
		{"record with media", `{"$type":"app.bsky.embed.recordWithMedia","record":{"record":{"uri":"at://x/app.bsky.feed.post/1","cid":"c"}},"media":{"$type":"app.bsky.embed.images","images":[{"alt":"a","image":{"ref":{"$link":"bafk2"}}}]}}`, false,
			[]social.Media{{Kind: social.MediaImage, Alt: "a",
				URL: cdn + "/img/feed_fullsize/plain/did:plc:abc/bafk2@jpeg", Preview: cdn + "/img/feed_thumbnail/plain/did:plc:abc/bafk2@jpeg"}}},
		{"quote only", `{"$type":"app.bsky.embed.record","record":{"uri":"at://x/app.bsky.feed.post/1","cid":"c"}}`, false, nil},
		{"garbage", `[1,2]`, false, nil},
		{"view images", `{"$type":"app.bsky.embed.images#view","images":[{"thumb":"https://cdn.example/t.jpg","fullsize":"https://cdn.example/f.jpg","alt":"Boarding pass","aspectRatio":{"width":3,"height":4}}]}`, true,
			[]social.Media{{Kind: social.MediaImage, URL: "https://cdn.example/f.jpg", Preview: "https://cdn.example/t.jpg", Alt: "Boarding pass", Width: 3, Height: 4}}},
		{"view external", `{"$type":"app.bsky.embed.external#view","external":{"uri":"https://a.example","title":"A","description":"d","thumb":"https://cdn.example/th.jpg"}}`, true,
			[]social.Media{{Kind: social.MediaLink, URL: "https://a.example", Alt: "A", Preview: "https://cdn.example/th.jpg"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []social.Media
			if tc.view {
				got = mediaFromView(json.RawMessage(tc.embed))
			} else {
				got = mediaFromRecord(json.RawMessage(tc.embed), did)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("item %d: %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
