package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// The lenient wire types: a network adapter's response types use them for
// the fields it reads, so that servers that differ (Mastodon, GoToSocial,
// Pleroma/Akkoma; X's ids as numbers or strings) and a field of a
// surprising type never make a whole page undecodable. None of them ever
// returns an error.

// Str is a JSON string that also takes a number or a boolean (as its
// text); null, an object, an array or a broken string decode as "".
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Str) UnmarshalJSON(b []byte) error {
	*s = ""
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if json.Unmarshal(b, &v) == nil {
			*s = Str(v)
		}
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*s = Str(b) // (the decoder hands over only whole JSON values)
	}
	return nil
}

// Count is a JSON count (followers, a width, a character limit): an
// integer, a float (cut to its whole part) or a numeric string; anything
// else, and a negative number, decodes as 0, and a count past MaxCount as
// MaxCount.
type Count int

// MaxCount is the largest Count (2³¹−1).
const MaxCount = math.MaxInt32

// UnmarshalJSON implements json.Unmarshaler.
func (c *Count) UnmarshalJSON(b []byte) error {
	*c = 0
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && f > 0, err == nil && f >= MaxCount && !math.IsInf(f, 1):
		*c = MaxCount // (a number too large; not the word "Inf")
	case err == nil && f > 0 && f < MaxCount: // (NaN is none of these)
		*c = Count(f)
	}
	return nil
}

// Obj decodes a JSON object into V (OK true); anything else (null, a
// string, an array, an object that does not decode into T) is absent.
type Obj[T any] struct {
	V  T
	OK bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *Obj[T]) UnmarshalJSON(b []byte) error {
	*o = Obj[T]{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var v T
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	o.V, o.OK = v, true
	return nil
}

// List is a JSON array of objects T, without the elements that are not
// objects of T; anything that is not an array is an empty list.
type List[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	*l = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	out := make([]T, 0, len(raw))
	for _, r := range raw {
		var o Obj[T]
		_ = o.UnmarshalJSON(r)
		if o.OK {
			out = append(out, o.V)
		}
	}
	*l = out
	return nil
}

// CompareIDs orders two of a network's opaque post ids without parsing
// them, as Mastodon's and X's paging does: a shorter id is older (decimal
// snowflakes grow in length) and ids of one length compare byte by byte
// (snowflakes, ULIDs and base62 flake ids all sort that way). It returns
// -1, 0 or +1, as cmp.Compare does.
func CompareIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}
