package store

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/fold"
	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// TestMigrationNamesFromSchema7: a store of schema 7 (the contacts' names
// indexed as 'n' word 0 contact) opens as schema 8 and every search finds
// what it found before: words, from: by a part of the name or of the
// handle, a renamed customer under both names, notes and tags.
func TestMigrationNamesFromSchema7(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hark.db")
	s := openAt(t, path, Options{})
	named := func(id, handle, name, text string, at time.Duration) social.Post {
		p := post(id, handle, text, at)
		p.Author.DisplayName = name
		return p
	}
	batch := []social.Post{
		named("1", "@maria.g@mastodon.example", "María García", "my flight was cancelled", 0),
		named("2", "@lukasz", "Łukasz Wiśniewski", "zwrot pieniędzy", time.Minute),
		named("3", "@ann", "Ann Old", "where is my parcel", 2*time.Minute),
		named("4", "@bob", "Bob", "thanks", 3*time.Minute),
	}
	if _, err := s.Ingest(ctx, "demo", "c1", batch, prio, t0); err != nil {
		t.Fatal(err)
	}
	// Ann changes her name and writes again, in a new conversation
	if _, err := s.Ingest(ctx, "demo", "c2", []social.Post{named("5", "@ann", "Ann Newname", "any news?", time.Hour)}, prio, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateContact(ctx, social.Demo, "@bob", func(ct *Contact) {
		ct.Notes, ct.Tags = "journalist, escalate politely", []string{"press"}
	}); err != nil {
		t.Fatal(err)
	}
	queries := map[string][]SearchClause{
		"maria":          {{Kind: ClauseWord, Words: []string{"maria"}}},
		"garcia":         {{Kind: ClauseWord, Words: []string{"garcia"}}},
		"from:mar":       {{Kind: ClauseFrom, Value: "mar"}},
		"from:lukasz":    {{Kind: ClauseFrom, Value: "lukasz"}},
		"from:wisn":      {{Kind: ClauseFrom, Value: "wisn"}},
		"from:ia.g":      {{Kind: ClauseFrom, Value: "ia.g"}}, // a part of the handle
		"newname":        {{Kind: ClauseWord, Words: []string{"newname"}}},
		"from:newname":   {{Kind: ClauseFrom, Value: "newname"}},
		"from:ann":       {{Kind: ClauseFrom, Value: "ann"}},
		"tag:press":      {{Kind: ClauseTag, Value: "press"}},
		"journalist":     {{Kind: ClauseWord, Words: []string{"journalist"}}},
		"parcel -from:b": {{Kind: ClauseWord, Words: []string{"parcel"}}, {Kind: ClauseFrom, Value: "b", Not: true}},
	}
	run := func(s *Bolt) map[string][]string {
		out := map[string][]string{}
		for q, cl := range queries {
			refs, err := s.Search(ctx, ViewAll, cl, nil)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var ids []string
			for _, r := range refs {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			out[q] = ids
		}
		return out
	}
	want := run(s)
	for q, ids := range map[string][]string{"maria": {"1"}, "from:mar": {"1"}, "from:wisn": {"2"}, "from:ia.g": {"1"},
		"newname": {"3", "5"}, "from:newname": {"3", "5"}, "from:ann": {"3", "5"}, "tag:press": {"4"}, "journalist": {"4"}} {
		if !slices.Equal(want[q], ids) {
			t.Errorf("schema 8, %s: %v, want %v", q, want[q], ids)
		}
	}
	// back to schema 7: names as 'n' word 0 contact, no 'f'
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bIndex)
		var del [][]byte
		c := b.Cursor()
		for k, _ := c.Seek([]byte{'f'}); k != nil && k[0] == 'f'; k, _ = c.Next() {
			del = append(del, slices.Clone(k))
		}
		for _, k := range del {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if err := eachContact(tx, func(k []byte, ct *Contact) error {
			for _, w := range fold.Unique(ct.Author.DisplayName + " " + ct.Handle) {
				if err := b.Put(postingKey('n', w, k), nil); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(keySchema, []byte(strconv.Itoa(7)))
	}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, path)
	got := run(s)
	for q := range queries {
		if !slices.Equal(got[q], want[q]) {
			t.Errorf("after the migration, %s: %v, want %v", q, got[q], want[q])
		}
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d", v)
		}
		if k, _ := tx.Bucket(bIndex).Cursor().Seek([]byte{'n'}); k != nil && k[0] == 'n' {
			t.Errorf("an 'n' key is left: %q", k)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
