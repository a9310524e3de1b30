package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/hark-tui/hark/social"
)

// DemoReplies lists what the demo feed received: the brand's posts in the
// threads of the store's conversations, by remote id (the tests' view of
// what hark sent).
func (a *App) DemoReplies(ctx context.Context) (map[string]social.Post, error) {
	if a.Demo == nil {
		return nil, errors.New("no demo feed")
	}
	out := map[string]social.Post{}
	var ferr error
	err := a.Store.ForEachConv(ctx, func(c social.Conversation) bool {
		root, err := a.Store.Post(ctx, c.PostKeys[0])
		if err != nil {
			ferr = fmt.Errorf("conversation %s's first post: %w", c.ID, err)
			return false
		}
		posts, err := a.Demo.Thread(ctx, root.Post)
		if err != nil {
			ferr = fmt.Errorf("the demo thread of conversation %s: %w", c.ID, err)
			return false
		}
		for _, p := range posts {
			if p.Kind == social.KindOwn {
				out[p.RemoteID] = p
			}
		}
		return true
	})
	return out, errors.Join(ferr, err)
}
