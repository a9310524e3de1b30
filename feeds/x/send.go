package x

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hark-tui/hark/social"
)

// confirmSlack widens the time window Confirm searches around
// Reply.CreatedAt, for clock skew between hark and X.
const confirmSlack = 5 * time.Minute

// confirmPages bounds the pages of the own timeline Confirm reads.
const confirmPages = 5

// Send posts r: a public reply (POST /2/tweets with
// reply.in_reply_to_tweet_id) or, when r.Direct, a direct message to the
// author of r.To (POST /2/dm_conversations/with/:participant_id/messages).
// X has no idempotency key: when X answers 403 "duplicate content" (a
// retry of a send that went through), Send asks Confirm and returns the
// post it finds.
func (c *Client) Send(ctx context.Context, r social.Reply) (social.Sent, error) {
	if strings.TrimSpace(r.Text) == "" {
		return social.Sent{}, fmt.Errorf("x: send: %w", &social.Error{Kind: social.Permanent, Msg: "empty reply"})
	}
	if n, limit := c.Count(r.Text, r.Direct); n > limit {
		return social.Sent{}, fmt.Errorf("x: send: %w", &social.Error{Kind: social.Permanent,
			Msg: fmt.Sprintf("reply is %d characters as X counts them; the limit is %d", n, limit)})
	}
	var (
		sent social.Sent
		err  error
	)
	if r.Direct {
		sent, err = c.sendDM(ctx, r)
	} else {
		sent, err = c.sendReply(ctx, r)
	}
	if err != nil && isDuplicate(err) {
		found, ok, cerr := c.Confirm(ctx, r)
		switch {
		case cerr != nil:
			// Unknown whether it went through: let the engine retry later.
			return social.Sent{}, fmt.Errorf("x: send: duplicate content, and checking for the earlier copy failed: %w", cerr)
		case ok:
			return found, nil
		}
	}
	return sent, err
}

func (c *Client) sendReply(ctx context.Context, r social.Reply) (social.Sent, error) {
	if r.To.ReadOnly != "" {
		return social.Sent{}, fmt.Errorf("x: reply to %s: %w", r.To.RemoteID,
			&social.Error{Kind: social.Permanent, Msg: r.To.ReadOnly})
	}
	body := createTweetRequest{Text: r.Text, Reply: &replyRef{InReplyToTweetID: r.To.RemoteID}}
	if r.To.RemoteID == "" {
		body.Reply = nil // a status post: a top-level post (Confirm matches posts that reply to nothing)
	}
	if len(r.Attachments) > 0 {
		ids, err := c.mediaIDs(ctx, r.Attachments)
		if err != nil {
			return social.Sent{}, fmt.Errorf("x: post: %w", err)
		}
		body.Media = &mediaRef{MediaIDs: ids}
	}
	resp, err := c.do(ctx, keyPost, http.MethodPost, "/2/tweets", nil, body)
	if err != nil {
		return social.Sent{}, fmt.Errorf("x: reply to %s: %w", r.To.RemoteID, err)
	}
	var created createdTweet
	if err := decodeJSON(resp.Body, &created); err != nil {
		return social.Sent{}, fmt.Errorf("x: reply to %s: %w", r.To.RemoteID, malformed(keyPost, resp, err))
	}
	id := string(created.Data.ID)
	if id == "" {
		return social.Sent{}, fmt.Errorf("x: reply to %s: %w", r.To.RemoteID,
			&social.Error{Kind: social.Transient, Status: resp.Status, Msg: "X accepted the post but returned no id"})
	}
	return social.Sent{RemoteID: id, URL: postURL(c.ownUsername(), id)}, nil
}

func (c *Client) sendDM(ctx context.Context, r social.Reply) (social.Sent, error) {
	pid := strings.TrimSpace(r.To.Author.ID)
	if pid == "" {
		return social.Sent{}, fmt.Errorf("x: direct message: %w",
			&social.Error{Kind: social.Permanent, Msg: "the post answered has no author id to message"})
	}
	path := "/2/dm_conversations/with/" + url.PathEscape(pid) + "/messages"
	resp, err := c.do(ctx, keyDMSend, http.MethodPost, path, nil, createDMRequest{Text: r.Text})
	if err != nil {
		return social.Sent{}, fmt.Errorf("x: direct message to %s: %w", pid, err)
	}
	var created createdDM
	if err := decodeJSON(resp.Body, &created); err != nil {
		return social.Sent{}, fmt.Errorf("x: direct message to %s: %w", pid, malformed(keyDMSend, resp, err))
	}
	id := string(created.Data.EventID)
	if id == "" {
		return social.Sent{}, fmt.Errorf("x: direct message to %s: %w", pid,
			&social.Error{Kind: social.Transient, Status: resp.Status, Msg: "X accepted the message but returned no event id"})
	}
	return social.Sent{RemoteID: id, URL: dmURL(string(created.Data.ConversationID))}, nil
}

func dmURL(conv string) string {
	if conv == "" {
		return ""
	}
	return "https://x.com/messages/" + conv
}

func (c *Client) ownUsername() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.username
}

// isDuplicate reports X's 403 "You are not allowed to create a Tweet with
// duplicate content."
func isDuplicate(err error) bool {
	var e *social.Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden &&
		strings.Contains(strings.ToLower(e.Msg), "duplicate content")
}

// Confirm reports whether r already reached X. Public replies: the
// account's own posts since shortly before r.CreatedAt (GET
// /2/users/:id/tweets) are searched for one replying to r.To with the same
// text (compared after normalisation: X may prepend @mentions, shorten URLs
// and escape &, < and >). Direct messages: the conversation's events (GET
// /2/dm_conversations/with/:participant_id/dm_events) are searched for one
// we sent with the same text, not older than r.CreatedAt.
func (c *Client) Confirm(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	if r.Direct {
		return c.confirmDM(ctx, r)
	}
	return c.confirmReply(ctx, r)
}

func (c *Client) confirmReply(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	id, _, err := c.identity(ctx, false)
	if err != nil {
		return social.Sent{}, false, fmt.Errorf("x: confirm reply to %s: %w", r.To.RemoteID, err)
	}
	q := url.Values{
		"max_results":  {strconv.Itoa(pageSize)},
		"tweet.fields": {"referenced_tweets,created_at,conversation_id,note_tweet"},
		"exclude":      {"retweets"},
	}
	if !r.CreatedAt.IsZero() {
		q.Set("start_time", r.CreatedAt.Add(-confirmSlack).UTC().Format(time.RFC3339))
	}
	want := normText(r.Text)
	path := "/2/users/" + url.PathEscape(id) + "/tweets"
	for page := 0; page < confirmPages; page++ {
		resp, err := c.do(ctx, keyUserTweets, http.MethodGet, path, q, nil)
		if err != nil {
			return social.Sent{}, false, fmt.Errorf("x: confirm reply to %s: %w", r.To.RemoteID, err)
		}
		tp, err := decodeTweetPage(resp.Body)
		if err != nil {
			return social.Sent{}, false, fmt.Errorf("x: confirm reply to %s: %w", r.To.RemoteID, malformed(keyUserTweets, resp, err))
		}
		for i := range tp.Data {
			t := &tp.Data[i]
			if t.ID != "" && t.ref("replied_to") == r.To.RemoteID && normText(t.fullText()) == want && !r.ClaimedByOther(string(t.ID)) {
				return social.Sent{RemoteID: string(t.ID), URL: postURL(c.ownUsername(), string(t.ID))}, true, nil
			}
		}
		if tp.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", tp.Meta.NextToken)
	}
	return social.Sent{}, false, nil
}

func (c *Client) confirmDM(ctx context.Context, r social.Reply) (social.Sent, bool, error) {
	pid := strings.TrimSpace(r.To.Author.ID)
	if pid == "" {
		return social.Sent{}, false, fmt.Errorf("x: confirm direct message: %w",
			&social.Error{Kind: social.Permanent, Msg: "the post answered has no author id"})
	}
	id, _, err := c.identity(ctx, false)
	if err != nil {
		return social.Sent{}, false, fmt.Errorf("x: confirm direct message to %s: %w", pid, err)
	}
	q := url.Values{
		"event_types":     {"MessageCreate"},
		"dm_event.fields": {"id,text,sender_id,dm_conversation_id,created_at"},
		"max_results":     {strconv.Itoa(pageSize)},
	}
	path := "/2/dm_conversations/with/" + url.PathEscape(pid) + "/dm_events"
	resp, err := c.do(ctx, keyDMEvents, http.MethodGet, path, q, nil)
	if err != nil {
		return social.Sent{}, false, fmt.Errorf("x: confirm direct message to %s: %w", pid, err)
	}
	var page dmEventPage
	if err := decodeJSON(resp.Body, &page); err != nil {
		return social.Sent{}, false, fmt.Errorf("x: confirm direct message to %s: %w", pid, malformed(keyDMEvents, resp, err))
	}
	want := normText(r.Text)
	for _, e := range page.Data {
		if e.ID == "" || string(e.SenderID) != id || (e.EventType != "" && e.EventType != "MessageCreate") {
			continue
		}
		if !r.CreatedAt.IsZero() {
			if at, err := time.Parse(time.RFC3339Nano, e.CreatedAt); err == nil && at.Before(r.CreatedAt.Add(-confirmSlack)) {
				continue
			}
		}
		if normText(e.Text) == want && !r.ClaimedByOther(string(e.ID)) {
			return social.Sent{RemoteID: string(e.ID), URL: dmURL(string(e.ConversationID))}, true, nil
		}
	}
	return social.Sent{}, false, nil
}

// normText is the form in which our text and X's copy of it compare equal:
// HTML entities decoded, NFC, leading @mentions dropped, URLs replaced by
// one placeholder (X rewrites them to t.co), whitespace collapsed.
func normText(s string) string {
	s = norm.NFC.String(html.UnescapeString(s))
	s = stripLeadingMentions(s)
	if spans := urlSpans(s); len(spans) > 0 {
		var b strings.Builder
		last := 0
		for _, sp := range spans {
			b.WriteString(s[last:sp[0]])
			b.WriteString(" \x00url ")
			last = sp[1]
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

func stripLeadingMentions(s string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if !strings.HasPrefix(s, "@") && !strings.HasPrefix(s, "＠") {
			return s
		}
		_, size := utf8.DecodeRuneInString(s)
		j := size
		for j < len(s) && isHandleRune(rune(s[j])) {
			j++
		}
		if j == size {
			return s
		}
		s = s[j:]
	}
}
