package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// The bbolt file keeps conversations, posts and contacts in a compact binary form
// (schema 11), not as JSON: a poll decodes and encodes every conversation
// it touches and encodes every post it stores, and encoding/json's
// reflection was a fifth of a poll's CPU. JSON stays the interchange:
// Export gives each document as encoding/json writes it (the same bytes as
// before), Import takes JSON, PostgreSQL keeps JSON, and decodeConv and
// decodePost read both forms (a JSON document begins with '{', a binary
// one with its tag byte).
//
// A binary document is its tag, then the struct's fields in declaration
// order: strings and byte strings as uvarint(len)+bytes, ints as varints,
// bools as one byte, times as binTime, slices and maps as uvarint(n+1)
// (0: nil) then the items. Every read is bounds-checked: a damaged document
// is an error that says where, never a panic (TestBinDamaged).
// TestBinCodecFields keeps the codec in step with the structs' fields.
const (
	binConv byte = 0xc1 // a conversation, version 1
	binPost byte = 0xb1 // a stored post, version 1
	binCont byte = 0xa1 // a contact, version 1
)

var errBinDamaged = errors.New("damaged binary document")

type binW struct {
	b   []byte
	err error
}

// str writes a string as its JSON reads back: invalid UTF-8 as U+FFFD,
// byte by byte, as encoding/json writes it (a conversation's preview is
// cut from untrusted text; PostgreSQL keeps the JSON, and both backends
// give the same values). A post's text keeps its bytes (raw).
func (w *binW) str(s string) {
	if !utf8.ValidString(s) {
		s = jsonString(s)
	}
	w.raw(s)
}

// raw writes a string's bytes as they are.
func (w *binW) raw(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

// jsonString is s as encoding/json's document of it reads back: each byte
// that is not part of valid UTF-8 replaced by U+FFFD.
func jsonString(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

func (w *binW) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *binW) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

func (w *binW) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// n writes a slice's or a map's length (nil: 0, else len+1).
func (w *binW) n(isNil bool, n int) {
	if isNil {
		w.b = append(w.b, 0)
		return
	}
	w.uint(uint64(n) + 1)
}

// time writes a time as the JSON of it reads back: 0 for the zero time,
// else 1 (offset 0: UTC) or 2 (another offset, then the offset in
// seconds), the Unix seconds and the nanoseconds. A time encoding/json
// could not write (a year outside 0–9999) is an error, as it was.
func (w *binW) time(t time.Time) {
	if t.IsZero() {
		w.b = append(w.b, 0)
		return
	}
	if y := t.Year(); y < 0 || y > 9999 {
		if w.err == nil {
			w.err = errors.New("Time.MarshalJSON: year outside of range [0,9999]")
		}
	}
	_, off := t.Zone()
	if off == 0 {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 2)
		w.int(int64(off))
	}
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
}

func (w *binW) author(a *social.Author) {
	w.str(a.ID)
	w.str(a.Handle)
	w.str(a.DisplayName)
	w.int(int64(a.Followers))
	w.str(a.URL)
}

func (w *binW) actor(a *social.Actor) {
	w.str(a.Name)
	w.str(a.Initials)
}

type binR struct {
	b   []byte
	err error
}

func (r *binR) fail() {
	if r.err == nil {
		r.err = errBinDamaged
	}
	r.b = nil
}

func (r *binR) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binR) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// intN is an int that fits Go's int.
func (r *binR) intN() int {
	v := r.int()
	if v < math.MinInt || v > math.MaxInt {
		r.fail()
		return 0
	}
	return int(v)
}

// str copies a string out of the document (bbolt's mapping).
func (r *binR) str() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *binR) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *binR) bool() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail()
	return false
}

// n reads a slice's or map's length: nil, and the length (bounded by
// the bytes left: every item takes one at least).
func (r *binR) n() (isNil bool, n int) {
	v := r.uint()
	if v == 0 {
		return true, 0
	}
	if v-1 > uint64(len(r.b)) {
		r.fail()
		return true, 0
	}
	return false, int(v - 1)
}

// time reads binW.time's form, as time.Parse reads the JSON of it: UTC
// for offset 0, the local zone where it has that offset, else a fixed
// zone.
func (r *binR) time() time.Time {
	var off int64
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
	case 2:
		off = r.int()
		if off == 0 || off < -86400 || off > 86400 {
			r.fail()
			return time.Time{}
		}
	default:
		r.fail()
		return time.Time{}
	}
	sec, ns := r.int(), r.uint()
	if r.err != nil || ns >= 1e9 {
		r.fail()
		return time.Time{}
	}
	t := time.Unix(sec, int64(ns))
	if off == 0 {
		return t.UTC()
	}
	if l := t.In(time.Local); zoneOffset(l) == int(off) {
		return l
	}
	return t.In(time.FixedZone("", int(off)))
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

func (r *binR) author() social.Author {
	return social.Author{ID: r.str(), Handle: r.str(), DisplayName: r.str(), Followers: r.intN(), URL: r.str()}
}

func (r *binR) actor() social.Actor { return social.Actor{Name: r.str(), Initials: r.str()} }

func (r *binR) strs() []string {
	isNil, n := r.n()
	if isNil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (w *binW) strs(s []string) {
	w.n(s == nil, len(s))
	for _, x := range s {
		w.str(x)
	}
}

// done checks that the whole document was read.
func (r *binR) done(what string) error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errBinDamaged
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	return nil
}

// encodeConv is a conversation's binary document.
func encodeConv(c *social.Conversation) ([]byte, error) {
	w := binW{b: make([]byte, 0, 256+32*len(c.PostKeys))}
	w.b = append(w.b, binConv)
	w.str(c.ID)
	w.str(string(c.Network))
	w.str(c.Account)
	w.str(c.Brand)
	w.bool(c.Direct)
	w.str(c.RootKey)
	w.author(&c.Contact)
	w.str(c.Preview)
	w.str(c.Lang)
	w.strs(c.PostKeys)
	w.str(c.ReadOnly)
	w.str(string(c.State))
	w.time(c.SnoozedUntil)
	w.str(c.SnoozeNote)
	w.int(int64(c.Priority))
	w.int(int64(c.Base))
	w.strs(c.Reasons)
	w.int(int64(c.Sentiment))
	w.bool(c.VIP)
	for _, t := range []time.Time{c.CreatedAt, c.UpdatedAt, c.LastCustomerAt, c.WaitingSince, c.DueAt,
		c.FirstResponseAt, c.FirstDueAt, c.LastResponseAt, c.ResolvedAt} {
		w.time(t)
	}
	w.str(c.Origin)
	w.str(string(c.FollowUp))
	w.str(c.Status)
	w.actor(&c.FirstReplyBy)
	w.n(c.Answered == nil, len(c.Answered))
	for _, k := range sortedKeys(c.Answered) {
		w.str(k)
		w.time(c.Answered[k])
	}
	w.time(c.ThreadCheckedAt)
	w.actor(&c.ResolvedBy)
	w.n(c.Activity == nil, len(c.Activity))
	for i := range c.Activity {
		a := &c.Activity[i]
		w.time(a.At)
		w.actor(&a.By)
		w.str(string(a.Action))
		w.str(a.Note)
	}
	w.uint(c.Version)
	if w.err != nil {
		return nil, fmt.Errorf("encoding conversation %s: %w", c.ID, w.err)
	}
	return w.b, nil
}

// decodeConvBin reads encodeConv's document.
func decodeConvBin(raw []byte) (social.Conversation, error) {
	r := binR{b: raw}
	var c social.Conversation
	if r.byte() != binConv {
		return c, fmt.Errorf("decoding conversation: %w (tag %x)", errBinDamaged, raw[:min(len(raw), 1)])
	}
	c.ID = r.str()
	c.Network = social.Network(r.str())
	c.Account = r.str()
	c.Brand = r.str()
	c.Direct = r.bool()
	c.RootKey = r.str()
	c.Contact = r.author()
	c.Preview = r.str()
	c.Lang = r.str()
	c.PostKeys = r.strs()
	c.ReadOnly = r.str()
	c.State = social.State(r.str())
	c.SnoozedUntil = r.time()
	c.SnoozeNote = r.str()
	c.Priority = r.intN()
	c.Base = r.intN()
	c.Reasons = r.strs()
	c.Sentiment = r.intN()
	c.VIP = r.bool()
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.LastCustomerAt, &c.WaitingSince, &c.DueAt,
		&c.FirstResponseAt, &c.FirstDueAt, &c.LastResponseAt, &c.ResolvedAt} {
		*t = r.time()
	}
	c.Origin = r.str()
	c.FollowUp = social.FollowUp(r.str())
	c.Status = r.str()
	c.FirstReplyBy = r.actor()
	if isNil, n := r.n(); !isNil {
		c.Answered = make(map[string]time.Time, n)
		for range n {
			k := r.str()
			c.Answered[k] = r.time()
		}
	}
	c.ThreadCheckedAt = r.time()
	c.ResolvedBy = r.actor()
	if isNil, n := r.n(); !isNil {
		c.Activity = make([]social.Activity, n)
		for i := range c.Activity {
			c.Activity[i] = social.Activity{At: r.time(), By: r.actor(), Action: social.Action(r.str()), Note: r.str()}
		}
	}
	c.Version = r.uint()
	if err := r.done("decoding conversation"); err != nil {
		return social.Conversation{}, err
	}
	return c, nil
}

// encodePost is a stored post's binary document. Its text is kept as is
// (JSON needed text_raw for text that is not UTF-8).
func encodePost(sp *StoredPost) ([]byte, error) {
	p := &sp.Post
	w := binW{b: make([]byte, 0, 128+len(p.Text)+len(p.URL))}
	w.b = append(w.b, binPost)
	w.str(string(p.Network))
	w.str(p.Account)
	w.str(p.Brand)
	w.str(p.RemoteID)
	w.str(p.URL)
	w.author(&p.Author)
	w.raw(p.Text) // exact (JSON kept it in text_raw)
	w.str(p.Lang)
	w.time(p.CreatedAt)
	w.str(string(p.Kind))
	w.bool(p.Direct)
	w.str(p.ThreadRoot)
	w.str(p.ReplyTo)
	w.str(p.DMKey)
	w.str(p.ReadOnly)
	w.time(p.EditedAt)
	w.str(p.Revision)
	w.time(p.DeletedAt)
	w.n(p.Meta == nil, len(p.Meta))
	for _, k := range sortedKeys(p.Meta) {
		w.str(k)
		w.str(p.Meta[k])
	}
	w.n(p.Media == nil, len(p.Media))
	for i := range p.Media {
		m := &p.Media[i]
		w.str(string(m.Kind))
		w.str(m.URL)
		w.str(m.Preview)
		w.str(m.MIME)
		w.int(int64(m.Width))
		w.int(int64(m.Height))
		w.int(m.Size)
		w.str(m.Alt)
	}
	w.str(sp.ConvID)
	w.time(sp.StoredAt)
	w.bool(sp.Attached)
	if w.err != nil {
		return nil, fmt.Errorf("encoding post %s: %w", sp.Key(), w.err)
	}
	return w.b, nil
}

// decodePostBin reads encodePost's document.
func decodePostBin(raw []byte) (StoredPost, error) {
	r := binR{b: raw}
	var sp StoredPost
	if r.byte() != binPost {
		return sp, fmt.Errorf("decoding post: %w (tag %x)", errBinDamaged, raw[:min(len(raw), 1)])
	}
	p := &sp.Post
	p.Network = social.Network(r.str())
	p.Account = r.str()
	p.Brand = r.str()
	p.RemoteID = r.str()
	p.URL = r.str()
	p.Author = r.author()
	p.Text = r.str()
	p.Lang = r.str()
	p.CreatedAt = r.time()
	p.Kind = social.Kind(r.str())
	p.Direct = r.bool()
	p.ThreadRoot = r.str()
	p.ReplyTo = r.str()
	p.DMKey = r.str()
	p.ReadOnly = r.str()
	p.EditedAt = r.time()
	p.Revision = r.str()
	p.DeletedAt = r.time()
	if isNil, n := r.n(); !isNil {
		p.Meta = make(map[string]string, n)
		for range n {
			k := r.str()
			p.Meta[k] = r.str()
		}
	}
	if isNil, n := r.n(); !isNil {
		p.Media = make([]social.Media, n)
		for i := range p.Media {
			p.Media[i] = social.Media{Kind: social.MediaKind(r.str()), URL: r.str(), Preview: r.str(), MIME: r.str(),
				Width: r.intN(), Height: r.intN(), Size: r.int(), Alt: r.str()}
		}
	}
	sp.ConvID = r.str()
	sp.StoredAt = r.time()
	sp.Attached = r.bool()
	if err := r.done("decoding post"); err != nil {
		return StoredPost{}, err
	}
	return sp, nil
}

// encodeContact is a contact's binary document.
func encodeContact(ct *Contact) ([]byte, error) {
	w := binW{b: make([]byte, 0, 160+len(ct.Notes))}
	w.b = append(w.b, binCont)
	w.str(string(ct.Network))
	w.str(ct.Handle)
	w.author(&ct.Author)
	w.bool(ct.VIP)
	w.str(ct.Notes)
	w.strs(ct.Tags)
	w.strs(ct.Brands)
	w.strs(ct.ConvIDs)
	w.time(ct.FirstSeen)
	w.time(ct.LastSeen)
	if w.err != nil {
		return nil, fmt.Errorf("encoding contact %s/%s: %w", ct.Network, ct.Handle, w.err)
	}
	return w.b, nil
}

// decodeContactBin reads encodeContact's document.
func decodeContactBin(raw []byte) (Contact, error) {
	r := binR{b: raw}
	var ct Contact
	if r.byte() != binCont {
		return ct, fmt.Errorf("decoding contact: %w (tag %x)", errBinDamaged, raw[:min(len(raw), 1)])
	}
	ct.Network = social.Network(r.str())
	ct.Handle = r.str()
	ct.Author = r.author()
	ct.VIP = r.bool()
	ct.Notes = r.str()
	ct.Tags = r.strs()
	ct.Brands = r.strs()
	ct.ConvIDs = r.strs()
	ct.FirstSeen = r.time()
	ct.LastSeen = r.time()
	if err := r.done("decoding contact"); err != nil {
		return Contact{}, err
	}
	return ct, nil
}

// decodeContact reads a contact document, binary or JSON.
func decodeContact(raw []byte) (Contact, error) {
	if len(raw) > 0 && raw[0] == binCont {
		return decodeContactBin(raw)
	}
	var ct Contact
	err := decodeDoc(raw, &ct)
	return ct, err
}

// decodePost reads a post document, binary or JSON.
func decodePost(raw []byte) (StoredPost, error) {
	if len(raw) > 0 && raw[0] == binPost {
		return decodePostBin(raw)
	}
	var sp StoredPost
	err := sp.UnmarshalJSON(raw)
	return sp, err
}

// docJSON is a stored conversation, post or contact document as JSON (Export):
// a JSON one as it is, a binary one decoded and written by encoding/json.
func docJSON(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	switch raw[0] {
	case binConv:
		c, err := decodeConvBin(raw)
		if err != nil {
			return nil, err
		}
		return json.Marshal(c)
	case binPost:
		sp, err := decodePostBin(raw)
		if err != nil {
			return nil, err
		}
		return marshalPost(sp)
	case binCont:
		ct, err := decodeContactBin(raw)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ct)
	}
	return raw, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// DecodePost decodes a post document (JSON, or the bbolt file's binary
// form).
func DecodePost(raw []byte) (StoredPost, error) { return decodePost(raw) }
