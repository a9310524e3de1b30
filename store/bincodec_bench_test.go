package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// benchDocs are a conversation and a post as a poll stores them.
func benchDocs() (social.Conversation, StoredPost) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := social.Conversation{ID: "12345", Network: social.Mastodon, Account: "acme", Brand: "Acme Air",
		RootKey: "mastodon/acme/1099", Contact: social.Author{ID: "77", Handle: "@maria@mastodon.example", DisplayName: "María García", Followers: 120},
		Preview: "my flight was cancelled and nobody at the desk can tell me anything", Lang: "en", State: social.StateOpen,
		Priority: 40, Base: 30, Reasons: []string{"negative", "vip"}, Sentiment: -3, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		LastCustomerAt: at.Add(time.Hour), WaitingSince: at, DueAt: at.Add(2 * time.Hour), Version: 7,
		FirstReplyBy: social.Actor{Name: "Zoe Q", Initials: "ZQ"}, Answered: map[string]time.Time{"mastodon/acme/1099": at}}
	for i := range 6 {
		c.PostKeys = append(c.PostKeys, fmt.Sprintf("mastodon/acme/%d", 1099+i))
		c.Activity = append(c.Activity, social.Activity{At: at.Add(time.Duration(i) * time.Minute), By: social.Actor{Name: "Zoe Q", Initials: "ZQ"}, Action: social.ActReplied, Note: "3"})
	}
	sp := StoredPost{Post: social.Post{Network: social.Mastodon, Account: "acme", RemoteID: "1099", URL: "https://mastodon.example/@maria/1099",
		Author: c.Contact, Text: "my flight was cancelled and nobody at the desk can tell me anything about the rebooking", Lang: "en",
		CreatedAt: at, Kind: social.KindMention, ThreadRoot: "1099", Meta: map[string]string{"visibility": "public"},
		Media: []social.Media{{Kind: social.MediaImage, URL: "https://mastodon.example/m/1.png", MIME: "image/png", Width: 640, Height: 480, Size: 12345}}},
		ConvID: "12345", StoredAt: at}
	return c, sp
}

// BenchmarkBinCodec: a conversation's and a post's binary documents
// written and read.
func BenchmarkBinCodec(b *testing.B) {
	c, sp := benchDocs()
	conv, _ := convBin.encode(&c)
	post, _ := postBin.encode(&sp)
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"EncodeConv", func() error { _, err := convBin.encode(&c); return err }},
		{"DecodeConv", func() error { _, err := convBin.decode(conv); return err }},
		{"EncodePost", func() error { _, err := postBin.encode(&sp); return err }},
		{"DecodePost", func() error { _, err := postBin.decode(post); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
