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
// before), Import takes JSON, PostgreSQL keeps JSON, and each kind's binForm
// (convBin, postBin, contactBin) decodes both forms (a JSON document
// begins with '{', a binary one with its tag byte).
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

// binDoc reads (dec) or writes a binary document. Each method reads or
// writes one field through its pointer, so one field list for a kind of
// document (convFields, postFields, contactFields) serves both ways and
// the reader cannot drift from the writer.
type binDoc struct {
	b   []byte
	err error
	dec bool
}

// writeDoc is a writer of a document of kind tag (size: the capacity to
// start with).
func writeDoc(tag byte, size int) binDoc {
	d := binDoc{b: make([]byte, 1, size)}
	d.b[0] = tag
	return d
}

// readDoc is a reader of raw, a document of kind tag (another tag: damaged).
func readDoc(raw []byte, tag byte) binDoc {
	d := binDoc{b: raw, dec: true}
	if d.rbyte() != tag {
		d.err = fmt.Errorf("%w (tag %x)", errBinDamaged, raw[:min(len(raw), 1)])
		d.b = nil
	}
	return d
}

// str is a string. Written, it is as its JSON reads back: invalid UTF-8
// as U+FFFD, byte by byte, as encoding/json writes it (a conversation's
// preview is cut from untrusted text; PostgreSQL keeps the JSON, and both
// backends give the same values). A post's text keeps its bytes (raw).
// Read, it is copied out of the document (bbolt's mapping).
func (d *binDoc) str(s *string) {
	if !d.dec {
		if !utf8.ValidString(*s) {
			d.wraw(jsonString(*s))
		} else {
			d.wraw(*s)
		}
		return
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.fail()
		return
	}
	end := k + int(n)
	*s = string(d.b[k:end])
	d.b = d.b[end:]
}

// raw is a string kept byte for byte.
func (d *binDoc) raw(s *string) {
	if d.dec {
		d.str(s)
	} else {
		d.wraw(*s)
	}
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

func (d *binDoc) int(v *int64) {
	if d.dec {
		*v = d.rint()
	} else {
		d.wint(*v)
	}
}

// intN is an int (read: one that fits Go's int).
func (d *binDoc) intN(v *int) {
	if !d.dec {
		d.wint(int64(*v))
		return
	}
	x := d.rint()
	if x < math.MinInt || x > math.MaxInt {
		d.fail()
		return
	}
	*v = int(x)
}

func (d *binDoc) uint(v *uint64) {
	if d.dec {
		*v = d.ruint()
	} else {
		d.wuint(*v)
	}
}

func (d *binDoc) bool(v *bool) {
	if !d.dec {
		d.b = append(d.b, b2i(*v))
		return
	}
	switch d.rbyte() {
	case 0:
		*v = false
	case 1:
		*v = true
	default:
		d.fail()
	}
}

func b2i(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// time is a time as the JSON of it reads back: 0 for the zero time, else 1
// (offset 0: UTC) or 2 (another offset, then the offset in seconds), the
// Unix seconds and the nanoseconds. A time encoding/json could not write
// (a year outside 0–9999) is an error, as it was.
func (d *binDoc) time(t *time.Time) {
	if d.dec {
		*t = d.rtime()
		return
	}
	if t.IsZero() {
		d.b = append(d.b, 0)
		return
	}
	if y := t.Year(); y < 0 || y > 9999 {
		if d.err == nil {
			d.err = errors.New("Time.MarshalJSON: year outside of range [0,9999]")
		}
	}
	_, off := t.Zone()
	if off == 0 {
		d.b = append(d.b, 1)
	} else {
		d.b = append(d.b, 2)
		d.wint(int64(off))
	}
	d.wint(t.Unix())
	d.wuint(uint64(t.Nanosecond()))
}

// rtime reads time's form, as time.Parse reads the JSON of it: UTC for
// offset 0, the local zone where it has that offset, else a fixed zone.
func (d *binDoc) rtime() time.Time {
	var off int64
	switch d.rbyte() {
	case 0:
		return time.Time{}
	case 1:
	case 2:
		off = d.rint()
		if off == 0 || off < -86400 || off > 86400 {
			d.fail()
			return time.Time{}
		}
	default:
		d.fail()
		return time.Time{}
	}
	sec, ns := d.rint(), d.ruint()
	if d.err != nil || ns >= 1e9 {
		d.fail()
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

func (d *binDoc) author(a *social.Author) {
	d.str(&a.ID)
	d.str(&a.Handle)
	d.str(&a.DisplayName)
	d.intN(&a.Followers)
	d.str(&a.URL)
}

func (d *binDoc) actor(a *social.Actor) {
	d.str(&a.Name)
	d.str(&a.Initials)
}

func (d *binDoc) strs(s *[]string) {
	for i := range items(d, s) {
		d.str(&(*s)[i])
	}
}

// items is a slice's length (nil: 0, else len+1), the slice made when
// read; the caller reads or writes each item.
func items[E any](d *binDoc, s *[]E) []E {
	if !d.dec {
		d.wn(*s == nil, len(*s))
	} else if isNil, n := d.rn(); !isNil {
		*s = make([]E, n)
	}
	return *s
}

// binMap is a map with string keys: its length as items', then each key
// (written in order) and its value.
func binMap[V string | time.Time](d *binDoc, m *map[string]V) {
	if d.dec {
		if isNil, n := d.rn(); !isNil {
			*m = make(map[string]V, n)
			for range n {
				var k string
				var v V
				d.str(&k)
				d.value(&v)
				(*m)[k] = v
			}
		}
		return
	}
	d.wn(*m == nil, len(*m))
	for _, k := range sortedKeys(*m) {
		v := (*m)[k]
		d.str(&k)
		d.value(&v)
	}
}

// value is a map's value.
func (d *binDoc) value(v any) {
	switch v := v.(type) {
	case *string:
		d.str(v)
	case *time.Time:
		d.time(v)
	}
}

// The writer's primitives.

func (d *binDoc) wraw(s string) {
	d.b = binary.AppendUvarint(d.b, uint64(len(s)))
	d.b = append(d.b, s...)
}

func (d *binDoc) wint(v int64)   { d.b = binary.AppendVarint(d.b, v) }
func (d *binDoc) wuint(v uint64) { d.b = binary.AppendUvarint(d.b, v) }

// wn writes a slice's or a map's length (nil: 0, else len+1).
func (d *binDoc) wn(isNil bool, n int) {
	if isNil {
		d.b = append(d.b, 0)
		return
	}
	d.wuint(uint64(n) + 1)
}

// The reader's primitives: every read is bounds-checked, and the first
// failure empties what is left to read.

func (d *binDoc) fail() {
	if d.err == nil {
		d.err = errBinDamaged
	}
	d.b = nil
}

func (d *binDoc) ruint() uint64 {
	v, n := binary.Uvarint(d.b)
	return varint(d, v, n)
}

func (d *binDoc) rint() int64 {
	v, n := binary.Varint(d.b)
	return varint(d, v, n)
}

// varint is a varint v read from n bytes (n <= 0: damaged).
func varint[T int64 | uint64](d *binDoc, v T, n int) T {
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *binDoc) rbyte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// rn reads a slice's or map's length: nil, and the length (bounded by
// the bytes left: every item takes one at least).
func (d *binDoc) rn() (isNil bool, n int) {
	v := d.ruint()
	if v == 0 {
		return true, 0
	}
	if v-1 > uint64(len(d.b)) {
		d.fail()
		return true, 0
	}
	return false, int(v - 1)
}

// done checks that the whole document was read.
func (d *binDoc) done(what string) error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errBinDamaged
	}
	if d.err != nil {
		return fmt.Errorf("decoding %s: %w", what, d.err)
	}
	return nil
}

// convFields is a conversation's document after its tag.
func convFields(d *binDoc, c *social.Conversation) {
	d.str(&c.ID)
	d.str((*string)(&c.Network))
	d.str(&c.Account)
	d.str(&c.Brand)
	d.bool(&c.Direct)
	d.str(&c.RootKey)
	d.author(&c.Contact)
	d.str(&c.Preview)
	d.str(&c.Lang)
	d.strs(&c.PostKeys)
	d.str(&c.ReadOnly)
	d.str((*string)(&c.State))
	d.time(&c.SnoozedUntil)
	d.str(&c.SnoozeNote)
	d.intN(&c.Priority)
	d.intN(&c.Base)
	d.strs(&c.Reasons)
	d.intN(&c.Sentiment)
	d.bool(&c.VIP)
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.LastCustomerAt, &c.WaitingSince, &c.DueAt,
		&c.FirstResponseAt, &c.FirstDueAt, &c.LastResponseAt, &c.ResolvedAt} {
		d.time(t)
	}
	d.str(&c.Origin)
	d.str((*string)(&c.FollowUp))
	d.str(&c.Status)
	d.actor(&c.FirstReplyBy)
	binMap(d, &c.Answered)
	d.time(&c.ThreadCheckedAt)
	d.actor(&c.ResolvedBy)
	for i := range items(d, &c.Activity) {
		a := &c.Activity[i]
		d.time(&a.At)
		d.actor(&a.By)
		d.str((*string)(&a.Action))
		d.str(&a.Note)
	}
	d.uint(&c.Version)
}

// postFields is a stored post's document after its tag. Its text is kept
// as is (JSON needed text_raw for text that is not UTF-8).
func postFields(d *binDoc, sp *StoredPost) {
	p := &sp.Post
	d.str((*string)(&p.Network))
	d.str(&p.Account)
	d.str(&p.Brand)
	d.str(&p.RemoteID)
	d.str(&p.URL)
	d.author(&p.Author)
	d.raw(&p.Text) // exact (JSON kept it in text_raw)
	d.str(&p.Lang)
	d.time(&p.CreatedAt)
	d.str((*string)(&p.Kind))
	d.bool(&p.Direct)
	d.str(&p.ThreadRoot)
	d.str(&p.ReplyTo)
	d.str(&p.DMKey)
	d.str(&p.ReadOnly)
	d.time(&p.EditedAt)
	d.str(&p.Revision)
	d.time(&p.DeletedAt)
	binMap(d, &p.Meta)
	for i := range items(d, &p.Media) {
		m := &p.Media[i]
		d.str((*string)(&m.Kind))
		d.str(&m.URL)
		d.str(&m.Preview)
		d.str(&m.MIME)
		d.intN(&m.Width)
		d.intN(&m.Height)
		d.int(&m.Size)
		d.str(&m.Alt)
	}
	d.str(&sp.ConvID)
	d.time(&sp.StoredAt)
	d.bool(&sp.Attached)
}

// contactFields is a contact's document after its tag.
func contactFields(d *binDoc, ct *Contact) {
	d.str((*string)(&ct.Network))
	d.str(&ct.Handle)
	d.author(&ct.Author)
	d.bool(&ct.VIP)
	d.str(&ct.Notes)
	d.strs(&ct.Tags)
	d.strs(&ct.Brands)
	d.strs(&ct.ConvIDs)
	d.time(&ct.FirstSeen)
	d.time(&ct.LastSeen)
}

// binForm is one kind of document's binary form: its tag, what its errors
// call it, a first guess at its size, and its JSON form, which decode also
// reads. Its field list is binFields'.
type binForm[T any] struct {
	tag      byte
	what     string
	size     func(*T) int
	name     func(*T) string
	toJSON   func(T) ([]byte, error)
	fromJSON func([]byte, *T) error
}

var (
	convBin = binForm[social.Conversation]{
		tag: binConv, what: "conversation",
		size:     func(c *social.Conversation) int { return 256 + 32*len(c.PostKeys) },
		name:     func(c *social.Conversation) string { return c.ID },
		toJSON:   func(c social.Conversation) ([]byte, error) { return json.Marshal(c) },
		fromJSON: func(raw []byte, c *social.Conversation) error { return decodeDoc(raw, c) },
	}
	postBin = binForm[StoredPost]{
		tag: binPost, what: "post",
		size:     func(sp *StoredPost) int { return 128 + len(sp.Text) + len(sp.URL) },
		name:     func(sp *StoredPost) string { return sp.Key() },
		toJSON:   marshalPost,
		fromJSON: func(raw []byte, sp *StoredPost) error { return sp.UnmarshalJSON(raw) },
	}
	contactBin = binForm[Contact]{
		tag: binCont, what: "contact",
		size:     func(ct *Contact) int { return 160 + len(ct.Notes) },
		name:     func(ct *Contact) string { return string(ct.Network) + "/" + ct.Handle },
		toJSON:   func(ct Contact) ([]byte, error) { return json.Marshal(ct) },
		fromJSON: func(raw []byte, ct *Contact) error { return decodeDoc(raw, ct) },
	}
)

// binFields runs the field list of v's kind: a direct call, so that
// neither the document nor v escapes to the heap (through a func value
// both did: a third more time to decode a post).
func binFields[T any](d *binDoc, v *T) {
	switch p := any(v).(type) {
	case *social.Conversation:
		convFields(d, p)
	case *StoredPost:
		postFields(d, p)
	case *Contact:
		contactFields(d, p)
	default:
		panic("store: a document kind without a binary field list")
	}
}

// encode is v's binary document.
func (f binForm[T]) encode(v *T) ([]byte, error) {
	d := writeDoc(f.tag, f.size(v))
	binFields(&d, v)
	if d.err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", f.what, f.name(v), d.err)
	}
	return d.b, nil
}

// decodeBin reads encode's document.
func (f binForm[T]) decodeBin(raw []byte) (T, error) {
	var v T
	d := readDoc(raw, f.tag)
	binFields(&d, &v)
	if err := d.done(f.what); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// decode reads a document in either form: binary (it begins with the
// tag) or JSON.
func (f binForm[T]) decode(raw []byte) (T, error) {
	if len(raw) > 0 && raw[0] == f.tag {
		return f.decodeBin(raw)
	}
	var v T
	if err := f.fromJSON(raw, &v); err != nil {
		return v, fmt.Errorf("decoding %s: %w", f.what, err)
	}
	return v, nil
}

// json is a binary document as JSON.
func (f binForm[T]) json(raw []byte) ([]byte, error) {
	v, err := f.decodeBin(raw)
	if err != nil {
		return nil, err
	}
	return f.toJSON(v)
}

// docJSON is a stored conversation, post or contact document as JSON (Export):
// a JSON one as it is, a binary one decoded and written by encoding/json.
func docJSON(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	switch raw[0] {
	case binConv:
		return convBin.json(raw)
	case binPost:
		return postBin.json(raw)
	case binCont:
		return contactBin.json(raw)
	}
	return raw, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// DecodePost decodes a post document (JSON, or the bbolt file's binary
// form).
func DecodePost(raw []byte) (StoredPost, error) { return postBin.decode(raw) }
