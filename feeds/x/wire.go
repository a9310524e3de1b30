package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// The wire types below mirror X API v2 responses. They are decoded
// leniently: unknown fields are ignored, ids may arrive as strings or
// numbers, and a field of an unexpected type is dropped instead of failing
// the whole document (see decodeJSON). Since August 2026 the published
// OpenAPI spells some keys with "post" instead of "tweet"; both spellings
// are decoded and merged.

// flexID is an id that arrives as a JSON string (normal) or number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexID(n.String())
	}
	return nil
}

// flexInt is a count that arrives as a number, or as a numeric string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil && n >= 0 && n <= 1<<31-1 {
		*f = flexInt(n)
		return nil
	}
	if x, err := strconv.ParseFloat(string(b), 64); err == nil && x >= 0 && x <= 1<<31-1 {
		*f = flexInt(int(x))
	}
	return nil
}

type wireRef struct {
	Type string `json:"type"`
	ID   flexID `json:"id"`
}

type wireMention struct {
	Username string `json:"username"`
	ID       flexID `json:"id"`
}

type wireEntities struct {
	Mentions []wireMention `json:"mentions"`
}

type wireNote struct {
	Text string `json:"text"`
}

type wireTweet struct {
	ID              flexID       `json:"id"`
	Text            string       `json:"text"`
	NoteTweet       *wireNote    `json:"note_tweet"`
	NotePost        *wireNote    `json:"note_post"`
	AuthorID        flexID       `json:"author_id"`
	ConversationID  flexID       `json:"conversation_id"`
	InReplyToUserID flexID       `json:"in_reply_to_user_id"`
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
	Key     string  `json:"media_key"`
	Type    string  `json:"type"` // photo, video, animated_gif
	URL     string  `json:"url"`
	Preview string  `json:"preview_image_url"`
	Width   flexInt `json:"width"`
	Height  flexInt `json:"height"`
	Alt     string  `json:"alt_text"`
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
	Followers flexInt `json:"followers_count"`
}

type wireUser struct {
	ID            flexID      `json:"id"`
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
	ResultCount flexInt `json:"result_count"`
	NewestID    flexID  `json:"newest_id"`
	OldestID    flexID  `json:"oldest_id"`
	NextToken   string  `json:"next_token"`
}

// wireProblem is an RFC 7807 problem, as a whole error body or as one entry
// of a partial errors[] array.
type wireProblem struct {
	Type       string        `json:"type"`
	Title      string        `json:"title"`
	Detail     string        `json:"detail"`
	Message    string        `json:"message"`
	Status     flexInt       `json:"status"`
	Reason     string        `json:"reason"`
	Period     string        `json:"period"`
	ResourceID flexID        `json:"resource_id"`
	Value      flexID        `json:"value"`
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
		ID   flexID `json:"id"`
		Text string `json:"text"`
	} `json:"data"`
}

type createdDM struct {
	Data struct {
		ConversationID flexID `json:"dm_conversation_id"`
		EventID        flexID `json:"dm_event_id"`
	} `json:"data"`
}

type wireDMEvent struct {
	ID             flexID `json:"id"`
	EventType      string `json:"event_type"`
	Text           string `json:"text"`
	SenderID       flexID `json:"sender_id"`
	ConversationID flexID `json:"dm_conversation_id"`
	CreatedAt      string `json:"created_at"`
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
