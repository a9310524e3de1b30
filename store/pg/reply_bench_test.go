package pg_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/storetest"
)

// BenchmarkIngestReplies interleaves the two backends (fsync on both) on
// poll batches of 100 replies into 1,000 threads, round robin, with a
// sentence of text each: the conversations grow by a post every ten
// batches (a conversation's search row takes each new post's words).
func BenchmarkIngestReplies(b *testing.B) {
	bes := backends(b)
	stores := []store.Store{bes[0].open(b), bes[1].open(b)}
	defer stores[0].Close()
	defer stores[1].Close()
	const threads = 1000
	text := "the train was cancelled and nobody at the station could tell us when the next one leaves, please help with rebooking"
	n := 0
	for range threads / 100 {
		posts := storetest.MentionBatch(&n, 100)
		for i := range posts {
			posts[i].Text = text
		}
		for _, s := range stores {
			storetest.IngestBatch(b, s, n, posts)
		}
	}
	var spent [2]time.Duration
	r := 0
	for b.Loop() {
		posts := make([]social.Post, 100)
		for j := range posts {
			root := r % threads
			posts[j] = social.Post{Network: social.Demo, Account: "acme", RemoteID: fmt.Sprintf("r%d", r),
				ThreadRoot: fmt.Sprint(root), ReplyTo: fmt.Sprint(root), Author: social.Author{Handle: fmt.Sprintf("@u%d", root%977)},
				Text: text, CreatedAt: storetest.Start.Add(time.Duration(threads+r) * time.Second), Kind: social.KindMention}
			r++
		}
		for i, s := range stores {
			t := time.Now()
			storetest.IngestBatch(b, s, n+r, posts)
			spent[i] += time.Since(t)
		}
	}
	reportPostsPerSecond(b, r, spent[:])
}
