package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// MentionBatch is the ingest benchmarks' poll batch: size new mentions,
// numbered on from *n (which it advances), one second apart from Start.
func MentionBatch(n *int, size int) []social.Post {
	posts := make([]social.Post, size)
	for j := range posts {
		posts[j] = social.Post{Network: social.Demo, Account: "acme", RemoteID: fmt.Sprint(*n),
			Author: social.Author{Handle: fmt.Sprintf("@u%d", *n%977)}, Text: "no power since 6am",
			CreatedAt: Start.Add(time.Duration(*n) * time.Second), Kind: social.KindMention}
		*n++
	}
	return posts
}

// IngestBatch stores posts in s as one poll of the ingest benchmarks' feed
// ("bench", no triage), leaving its cursor at cursor.
func IngestBatch(tb testing.TB, s store.Store, cursor int, posts []social.Post) {
	tb.Helper()
	if _, err := s.Ingest(context.Background(), "bench", fmt.Sprint(cursor), posts, nil, Start); err != nil {
		tb.Fatal(err)
	}
}
