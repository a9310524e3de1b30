package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// TestSameContactDoc: sameContactDoc compares every field of Contact but
// LastSeen, and what it calls the same encodes to the same bytes.
func TestSameContactDoc(t *testing.T) {
	if n := reflect.TypeFor[Contact]().NumField(); n != 10 {
		t.Fatalf("Contact has %d fields: compare the new ones in sameContactDoc, then update this test", n)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	base := Contact{Network: social.Mastodon, Handle: "@a@b", Author: social.Author{Handle: "@a@b", DisplayName: "A"},
		Notes: "n", Tags: []string{"t"}, Brands: []string{"x"}, ConvIDs: []string{"1", "2"}, FirstSeen: at, LastSeen: at}
	for _, tc := range []struct {
		name string
		edit func(c *Contact)
		same bool
	}{
		{"identical", func(c *Contact) {}, true},
		{"LastSeen only", func(c *Contact) { c.LastSeen = at.Add(time.Hour) }, true},
		{"network", func(c *Contact) { c.Network = social.Bluesky }, false},
		{"handle", func(c *Contact) { c.Handle = "@a@c" }, false},
		{"author", func(c *Contact) { c.Author.Followers = 3 }, false},
		{"vip", func(c *Contact) { c.VIP = true }, false},
		{"notes", func(c *Contact) { c.Notes = "m" }, false},
		{"tags", func(c *Contact) { c.Tags = append(c.Tags, "u") }, false},
		{"brands", func(c *Contact) { c.Brands = nil }, false},
		{"conv ids", func(c *Contact) { c.ConvIDs = append(c.ConvIDs, "3") }, false},
		{"first seen", func(c *Contact) { c.FirstSeen = at.Add(time.Second) }, false},
		{"first seen offset", func(c *Contact) { c.FirstSeen = at.In(time.FixedZone("x", 3600)) }, false},
		{"first seen same offset", func(c *Contact) { c.FirstSeen = at.In(time.FixedZone("UTC", 0)) }, true},
	} {
		c := cloneContact(base)
		tc.edit(&c)
		if got := sameContactDoc(&base, &c); got != tc.same {
			t.Errorf("%s: sameContactDoc = %v", tc.name, got)
		}
		c.LastSeen = base.LastSeen
		x, _ := json.Marshal(base)
		y, _ := json.Marshal(c)
		if sameContactDoc(&base, &c) && !bytes.Equal(x, y) {
			t.Errorf("%s: called the same, encodes differently:\n%s\n%s", tc.name, x, y)
		}
	}
	// nil and empty slices encode alike (omitempty)
	a, b := Contact{Handle: "h"}, Contact{Handle: "h", Tags: []string{}, Brands: []string{}, ConvIDs: []string{}}
	if !sameContactDoc(&a, &b) {
		t.Error("nil and empty slices: not the same")
	}
}
