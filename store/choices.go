package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The canned answers the operators chose, and for which posts: the picker
// ranks an answer higher for a post like those it was used for, and says
// so ("used for 12 posts about cancellation"). The bucket is made on the
// first choice.

var bCanned = []byte("canned_choices") // canned response id -> CannedChoice JSON

// maxChoiceWords bounds the words kept per answer (the rarest go first).
const maxChoiceWords = 64

// CannedChoice is how often an answer was chosen, and the words of the
// posts it was chosen for, with their counts.
type CannedChoice struct {
	ID    string         `json:"id"`
	Count int            `json:"count"`
	Words map[string]int `json:"words,omitempty"`
	Last  time.Time      `json:"last,omitzero"`
}

// RecordCannedChoice counts a choice of the answer id for a post with
// these (already normalised) words.
func (s *Bolt) RecordCannedChoice(ctx context.Context, id string, words []string, now time.Time) error {
	if id == "" {
		return fmt.Errorf("canned choice: no id")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bCanned)
		if err != nil {
			return err
		}
		var c CannedChoice
		if _, err := getJSON(b, []byte(id), &c); err != nil {
			return err
		}
		AddCannedChoice(&c, id, words, now)
		return putJSON(b, []byte(id), c)
	})
}

// AddCannedChoice counts one more choice of answer id into c (the rule
// both backends share).
func AddCannedChoice(c *CannedChoice, id string, words []string, now time.Time) {
	c.ID = id
	c.Count++
	c.Last = now
	if c.Words == nil {
		c.Words = map[string]int{}
	}
	for _, w := range words {
		c.Words[w]++
	}
	if len(c.Words) > maxChoiceWords {
		type wc struct {
			w string
			n int
		}
		all := make([]wc, 0, len(c.Words))
		for w, n := range c.Words {
			all = append(all, wc{w, n})
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].n != all[j].n {
				return all[i].n > all[j].n
			}
			return all[i].w < all[j].w
		})
		for _, x := range all[maxChoiceWords:] {
			delete(c.Words, x.w)
		}
	}
}

// CannedChoices returns every answer's choices by id.
func (s *Bolt) CannedChoices(ctx context.Context) (map[string]CannedChoice, error) {
	out := map[string]CannedChoice{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bCanned)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c CannedChoice
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("canned choice %s: %w", k, err)
			}
			out[string(k)] = c
			return nil
		})
	})
	return out, err
}
