package storetest

import (
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
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
