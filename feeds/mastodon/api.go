package mastodon

import (
	"time"

	"github.com/hark-tui/hark/feeds/web"
)

// The wire types below hold only the fields hark reads, each of a lenient
// type (web.Str, web.Count, web.Obj, web.List): servers differ (Mastodon,
// GoToSocial, Pleroma/Akkoma), and a surprising type in one field must not
// make a whole page undecodable.

type account struct {
	ID             web.Str   `json:"id"`
	Username       web.Str   `json:"username"`
	Acct           web.Str   `json:"acct"`
	DisplayName    web.Str   `json:"display_name"`
	URL            web.Str   `json:"url"`
	FollowersCount web.Count `json:"followers_count"`
}

type status struct {
	ID                 web.Str          `json:"id"`
	CreatedAt          web.Str          `json:"created_at"`
	EditedAt           web.Str          `json:"edited_at"`
	InReplyToID        web.Str          `json:"in_reply_to_id"`
	InReplyToAccountID web.Str          `json:"in_reply_to_account_id"`
	Visibility         web.Str          `json:"visibility"`
	Language           web.Str          `json:"language"`
	URI                web.Str          `json:"uri"`
	URL                web.Str          `json:"url"`
	Content            web.Str          `json:"content"`
	Text               web.Str          `json:"text"` // source text: GoToSocial, and Mastodon on delete/edit
	SpoilerText        web.Str          `json:"spoiler_text"`
	Account            web.Obj[account] `json:"account"`
	Media              web.List[media]  `json:"media_attachments"`
}

// media is a status's media_attachment: type image|gifv|video|audio|unknown,
// url (null while processing), preview_url, remote_url, description (alt
// text) and meta.original.{width,height}.
type media struct {
	ID          web.Str `json:"id"`
	Type        web.Str `json:"type"`
	URL         web.Str `json:"url"`
	PreviewURL  web.Str `json:"preview_url"`
	RemoteURL   web.Str `json:"remote_url"`
	Description web.Str `json:"description"`
	Meta        web.Obj[struct {
		Original web.Obj[struct {
			Width  web.Count `json:"width"`
			Height web.Count `json:"height"`
		}] `json:"original"`
	}] `json:"meta"`
}

type notification struct {
	ID        web.Str         `json:"id"`
	Type      web.Str         `json:"type"`
	CreatedAt web.Str         `json:"created_at"`
	Status    web.Obj[status] `json:"status"`
}

type threadContext struct {
	Ancestors   web.List[status] `json:"ancestors"`
	Descendants web.List[status] `json:"descendants"`
}

type searchResults struct {
	Statuses web.List[status] `json:"statuses"`
}

type instance struct {
	Domain        web.Str `json:"domain"`
	SourceURL     web.Str `json:"source_url"` // GoToSocial: its repository
	Version       web.Str `json:"version"`
	Configuration web.Obj[struct {
		Statuses web.Obj[struct {
			MaxCharacters            web.Count `json:"max_characters"`
			CharactersReservedPerURL web.Count `json:"characters_reserved_per_url"`
		}] `json:"statuses"`
	}] `json:"configuration"`
}

type apiError struct {
	Error            web.Str `json:"error"`
	ErrorDescription web.Str `json:"error_description"`
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
