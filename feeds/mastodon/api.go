package mastodon

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The wire types below hold only the fields hark reads. Every scalar is a
// lenient type: servers differ (Mastodon, GoToSocial, Pleroma/Akkoma), and a
// surprising type in one field must not make a whole page undecodable.

// str is a JSON string that also accepts numbers and booleans (as their
// text) and null, objects or arrays (as "").
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			*s = ""
			return nil
		}
		*s = str(v)
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*s = str(b)
	default:
		*s = ""
	}
	return nil
}

// num is a JSON integer that also accepts floats, numeric strings and
// anything else (as 0).
type num int

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	if len(b) > 0 && b[0] == '"' {
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
	} else {
		s = string(b)
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = num(clampInt(v))
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == f { // not NaN
		switch {
		case f > 1<<31:
			*n = 1 << 31
		case f < -(1 << 31):
			*n = -(1 << 31)
		default:
			*n = num(f)
		}
	}
	return nil
}

func clampInt(v int64) int {
	const lim = 1 << 31
	if v > lim {
		return lim
	}
	if v < -lim {
		return -lim
	}
	return int(v)
}

// obj decodes a JSON object into T, and anything else (null, a string, an
// array) into "absent" without failing.
type obj[T any] struct {
	V  T
	OK bool
}

func (o *obj[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil
	}
	o.V, o.OK = v, true
	return nil
}

// list decodes a JSON array of T, skipping elements that are not objects;
// anything that is not an array is an empty list.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil
	}
	out := make([]T, 0, len(raw))
	for _, r := range raw {
		var o obj[T]
		_ = o.UnmarshalJSON(r)
		if o.OK {
			out = append(out, o.V)
		}
	}
	*l = out
	return nil
}

type account struct {
	ID             str `json:"id"`
	Username       str `json:"username"`
	Acct           str `json:"acct"`
	DisplayName    str `json:"display_name"`
	URL            str `json:"url"`
	FollowersCount num `json:"followers_count"`
}

type status struct {
	ID                 str          `json:"id"`
	CreatedAt          str          `json:"created_at"`
	InReplyToID        str          `json:"in_reply_to_id"`
	InReplyToAccountID str          `json:"in_reply_to_account_id"`
	Visibility         str          `json:"visibility"`
	Language           str          `json:"language"`
	URI                str          `json:"uri"`
	URL                str          `json:"url"`
	Content            str          `json:"content"`
	Text               str          `json:"text"` // source text: GoToSocial, and Mastodon on delete/edit
	SpoilerText        str          `json:"spoiler_text"`
	Account            obj[account] `json:"account"`
	Media              list[media]  `json:"media_attachments"`
}

// media is a status's media_attachment: type image|gifv|video|audio|unknown,
// url (null while processing), preview_url, remote_url, description (alt
// text) and meta.original.{width,height}.
type media struct {
	ID          str `json:"id"`
	Type        str `json:"type"`
	URL         str `json:"url"`
	PreviewURL  str `json:"preview_url"`
	RemoteURL   str `json:"remote_url"`
	Description str `json:"description"`
	Meta        obj[struct {
		Original obj[struct {
			Width  num `json:"width"`
			Height num `json:"height"`
		}] `json:"original"`
	}] `json:"meta"`
}

type notification struct {
	ID        str         `json:"id"`
	Type      str         `json:"type"`
	CreatedAt str         `json:"created_at"`
	Status    obj[status] `json:"status"`
}

type threadContext struct {
	Ancestors   list[status] `json:"ancestors"`
	Descendants list[status] `json:"descendants"`
}

type searchResults struct {
	Statuses list[status] `json:"statuses"`
}

type instance struct {
	Domain        str `json:"domain"`
	Configuration obj[struct {
		Statuses obj[struct {
			MaxCharacters            num `json:"max_characters"`
			CharactersReservedPerURL num `json:"characters_reserved_per_url"`
		}] `json:"statuses"`
	}] `json:"configuration"`
}

type apiError struct {
	Error            str `json:"error"`
	ErrorDescription str `json:"error_description"`
}

// parseTime reads Mastodon's ISO 8601 timestamps; unparsable means zero.
func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
