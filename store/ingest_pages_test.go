package store_test

import (
	"fmt"
	"github.com/hark-tui/hark/store"
	"maps"
	"slices"
)

// diffPages adds to acc, per bucket, the pages after has that before did
// not.
func diffPages(before, after map[string]map[uint64]bool, acc map[string]int) {
	for b, s := range after {
		for id := range s {
			if !before[b][id] {
				acc[b]++
			}
		}
	}
}

// printPages is acc per batch, by bucket.
func printPages(acc map[string]int, batches int) string {
	out := ""
	for _, k := range slices.Sorted(maps.Keys(acc)) {
		out += fmt.Sprintf("%s=%.1f ", k, float64(acc[k])/float64(batches))
	}
	return out
}

var bucketPages = store.BucketPages
