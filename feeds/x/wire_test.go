package x

import (
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func TestLenientDecode(t *testing.T) {
	m := &mapper{account: "acme", selfID: brandID, kind: social.KindMention, now: t0}
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, posts []social.Post)
	}{
		{"numeric ids and string counts",
			`{"data":[{"id":2124212497415839751,"text":"hi","author_id":42,"created_at":"2026-11-21T18:45:00.000Z"}],
			  "includes":{"users":[{"id":"42","username":"bob","name":"Bob","public_metrics":{"followers_count":"1200"}}]}}`,
			func(t *testing.T, posts []social.Post) {
				if len(posts) != 1 || posts[0].RemoteID != "2124212497415839751" || posts[0].Author.Followers != 1200 ||
					posts[0].Author.Handle != "@bob" {
					t.Errorf("%+v", posts)
				}
			}},
		{"long post text from note_tweet",
			`{"data":[{"id":"1","text":"short…","note_tweet":{"text":"the whole long text"}}]}`,
			func(t *testing.T, posts []social.Post) {
				if posts[0].Text != "the whole long text" {
					t.Errorf("text %q", posts[0].Text)
				}
			}},
		{"no created_at: time from the snowflake",
			`{"data":[{"id":"2124212497415839751","text":"x"}]}`,
			func(t *testing.T, posts []social.Post) {
				if want := time.Date(2026, 11, 21, 18, 45, 0, 0, time.UTC); posts[0].CreatedAt.Truncate(time.Second) != want {
					t.Errorf("created %v, want %v", posts[0].CreatedAt, want)
				}
			}},
		{"author missing from includes",
			`{"data":[{"id":"5","text":"x","author_id":"77","created_at":"bad"}]}`,
			func(t *testing.T, posts []social.Post) {
				p := posts[0]
				if p.Author.ID != "77" || p.Author.Handle != "77" || p.URL != "https://x.com/i/web/status/5" || !p.CreatedAt.Equal(t0) {
					t.Errorf("%+v", p)
				}
			}},
		{"wrongly typed fields are skipped, not fatal",
			`{"data":[{"id":"6","text":{"odd":1},"lang":7,"referenced_tweets":"nope","entities":[]},{"id":"7","text":"ok"}],"meta":{"newest_id":7}}`,
			func(t *testing.T, posts []social.Post) {
				if len(posts) != 2 || posts[1].Text != "ok" {
					t.Errorf("%+v", posts)
				}
			}},
		{"single object under data",
			`{"data":{"id":"8","text":"one","referenced_posts":[{"type":"replied_to","id":"3"}],"conversation_id":"3"}}`,
			func(t *testing.T, posts []social.Post) {
				if len(posts) != 1 || posts[0].ReplyTo != "3" || posts[0].ThreadRoot != "3" || posts[0].Kind != social.KindMention {
					t.Errorf("%+v", posts)
				}
			}},
		{"posts without id are dropped",
			`{"data":[{"text":"anonymous"},{"id":"","text":"empty"}]}`,
			func(t *testing.T, posts []social.Post) {
				if len(posts) != 0 {
					t.Errorf("%+v", posts)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := decodeTweetPage([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m.mapPage(&page))
		})
	}
	if _, err := decodeTweetPage([]byte(`{"data":[`)); err == nil {
		t.Error("truncated JSON must be an error")
	}
}

func TestNextPeriod(t *testing.T) {
	now := time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC)
	if got := nextPeriod("Daily", now); !got.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("daily: %v", got)
	}
	if got := nextPeriod("Monthly", now); !got.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("monthly: %v", got)
	}
}
