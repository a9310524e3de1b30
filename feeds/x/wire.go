package x

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/hark-tui/hark/feeds/web"
)

// The wire types below mirror X API v2 responses. They are decoded
// leniently: unknown fields are ignored, ids may arrive as strings or
// numbers (web.Str), counts as numbers or strings (web.Count), and a field
// of an unexpected type is dropped instead of failing the whole document
// (see decodeJSON). Since August 2026 the published OpenAPI spells some
// keys with "post" instead of "tweet"; both spellings are decoded and
// merged.

type wireRef struct {
	Type string  `json:"type"`
	ID   web.Str `json:"id"`
}

type wireMention struct {
	Username string  `json:"username"`
	ID       web.Str `json:"id"`
}

type wireEntities struct {
	Mentions []wireMention `json:"mentions"`
}

type wireNote struct {
	Text string `json:"text"`
}

type wireTweet struct {
	ID              web.Str      `json:"id"`
	Text            string       `json:"text"`
	NoteTweet       *wireNote    `json:"note_tweet"`
	NotePost        *wireNote    `json:"note_post"`
	AuthorID        web.Str      `json:"author_id"`
	ConversationID  web.Str      `json:"conversation_id"`
	InReplyToUserID web.Str      `json:"in_reply_to_user_id"`
	CreatedAt       string       `json:"created_at"`
	Lang            string       `json:"lang"`
	RefTweets       []wireRef    `json:"referenced_tweets"`
	RefPosts        []wireRef    `json:"referenced_posts"`
	Entities        wireEntities `json:"entities"`
	Attachments     struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
}

// wireMedia is an expanded media object (includes.media).
type wireMedia struct {
	Key     string    `json:"media_key"`
	Type    string    `json:"type"` // photo, video, animated_gif
	URL     string    `json:"url"`
	Preview string    `json:"preview_image_url"`
	Width   web.Count `json:"width"`
	Height  web.Count `json:"height"`
	Alt     string    `json:"alt_text"`
}

// refs returns the referenced posts under either spelling.
func (t *wireTweet) refs() []wireRef {
	if len(t.RefPosts) == 0 {
		return t.RefTweets
	}
	if len(t.RefTweets) == 0 {
		return t.RefPosts
	}
	return append(append([]wireRef(nil), t.RefTweets...), t.RefPosts...)
}

// ref returns the id of the first reference of the given type.
func (t *wireTweet) ref(typ string) string {
	for _, r := range t.refs() {
		if r.Type == typ && r.ID != "" {
			return string(r.ID)
		}
	}
	return ""
}

// fullText is the post's complete text: long posts carry it in note_tweet.
func (t *wireTweet) fullText() string {
	for _, n := range []*wireNote{t.NoteTweet, t.NotePost} {
		if n != nil && n.Text != "" {
			return n.Text
		}
	}
	return t.Text
}

type wireMetrics struct {
	Followers web.Count `json:"followers_count"`
}

type wireUser struct {
	ID            web.Str     `json:"id"`
	Name          string      `json:"name"`
	Username      string      `json:"username"`
	PublicMetrics wireMetrics `json:"public_metrics"`
}

type wireIncludes struct {
	Users  []wireUser  `json:"users"`
	Tweets []wireTweet `json:"tweets"`
	Posts  []wireTweet `json:"posts"`
	Media  []wireMedia `json:"media"`
}

type wireMeta struct {
	ResultCount web.Count `json:"result_count"`
	NewestID    web.Str   `json:"newest_id"`
	OldestID    web.Str   `json:"oldest_id"`
	NextToken   string    `json:"next_token"`
}

// wireProblem is an RFC 7807 problem, as a whole error body or as one entry
// of a partial errors[] array.
type wireProblem struct {
	Type       string        `json:"type"`
	Title      string        `json:"title"`
	Detail     string        `json:"detail"`
	Message    string        `json:"message"`
	Status     web.Count     `json:"status"`
	Reason     string        `json:"reason"`
	Period     string        `json:"period"`
	ResourceID web.Str       `json:"resource_id"`
	Value      web.Str       `json:"value"`
	Errors     []wireProblem `json:"errors"`
}

// text is the most specific human-readable message of the problem.
func (p *wireProblem) text() string {
	for _, s := range []string{p.Detail, p.Message, p.Title} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	for i := range p.Errors {
		if s := p.Errors[i].text(); s != "" {
			return s
		}
	}
	return ""
}

// tweetPage is the envelope of every endpoint that returns a list of posts.
type tweetPage struct {
	Data     []wireTweet   `json:"data"`
	Includes wireIncludes  `json:"includes"`
	Meta     wireMeta      `json:"meta"`
	Errors   []wireProblem `json:"errors"`
}

type userEnvelope struct {
	Data wireUser `json:"data"`
}

type createdTweet struct {
	Data struct {
		ID   web.Str `json:"id"`
		Text string  `json:"text"`
	} `json:"data"`
}

type createdDM struct {
	Data struct {
		ConversationID web.Str `json:"dm_conversation_id"`
		EventID        web.Str `json:"dm_event_id"`
	} `json:"data"`
}

type wireDMEvent struct {
	ID             web.Str `json:"id"`
	EventType      string  `json:"event_type"`
	Text           string  `json:"text"`
	SenderID       web.Str `json:"sender_id"`
	ConversationID web.Str `json:"dm_conversation_id"`
	CreatedAt      string  `json:"created_at"`
}

type dmEventPage struct {
	Data []wireDMEvent `json:"data"`
	Meta wireMeta      `json:"meta"`
}

// Request bodies.

type replyRef struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

type mediaRef struct {
	MediaIDs []string `json:"media_ids"`
}

type createTweetRequest struct {
	Text  string    `json:"text"`
	Reply *replyRef `json:"reply,omitempty"`
	Media *mediaRef `json:"media,omitempty"`
}

type createDMRequest struct {
	Text string `json:"text"`
}

// errMalformed marks a body that is not the JSON it should be.
var errMalformed = errors.New("malformed JSON")

// decodeJSON decodes b into v leniently: a syntax error (truncated body,
// HTML page) is an error, but a field whose JSON type does not match is
// skipped, as encoding/json keeps decoding the rest of the document.
func decodeJSON(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return errors.Join(errMalformed, err)
}

// decodeTweetPage decodes a list-of-posts envelope. It also accepts a single
// post object under data (some lookups return one), as a one-element list.
func decodeTweetPage(b []byte) (tweetPage, error) {
	var p tweetPage
	if err := decodeJSON(b, &p); err != nil {
		return tweetPage{}, err
	}
	if p.Data == nil {
		var one struct {
			Data *wireTweet `json:"data"`
		}
		if json.Unmarshal(b, &one) == nil && one.Data != nil && one.Data.ID != "" {
			p.Data = []wireTweet{*one.Data}
		}
	}
	return p, nil
}
