package mastodon

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/social"
)

// A status post (a Reply with no post to answer) is a top-level status:
// Send posts it without in_reply_to_id. Confirm, for such a post, reads the
// account's latest statuses (GET /api/v1/accounts/:id/statuses) for one
// with the same text that answers nothing and no other outbox entry holds.

func (a *api) confirmTopLevel(ctx context.Context, me account, r social.Reply) (social.Sent, bool, error) {
	q := url.Values{"limit": {"40"}, "exclude_reblogs": {"true"}}
	var sts []status
	if err := a.get(ctx, "/api/v1/accounts/"+url.PathEscape(string(me.ID))+"/statuses", q, &sts); err != nil {
		return social.Sent{}, false, fmt.Errorf("mastodon: confirm status post: %w", err)
	}
	want := matchKey(r.Text)
	for _, st := range sts {
		if st.ID == "" || string(st.InReplyToID) != "" {
			continue
		}
		if ((st.Text != "" && matchKey(string(st.Text)) == want) || matchKey(htmltext.Text(string(st.Content), htmltext.Status)) == want) && !r.ClaimedByOther(string(st.ID)) {
			return sentOf(st), true, nil
		}
	}
	return social.Sent{}, false, nil
}
