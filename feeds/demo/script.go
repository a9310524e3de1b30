package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

//go:embed demo.json
var scriptJSON []byte

// baseURL is the demo's permalink host; .invalid never resolves.
const baseURL = "https://demo.hark.invalid/"

// firstStatusNumber numbers the demo's permalinks.
const firstStatusNumber = 104001

type scriptFile struct {
	Authors map[string]scriptAuthor `json:"authors"`
	Posts   []scriptPost            `json:"posts"`
}

type scriptAuthor struct {
	Handle    string `json:"handle"`
	Name      string `json:"name"`
	Followers int    `json:"followers"`
}

type scriptPost struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	At      string `json:"at"` // offset from start, a Go duration ("-92m", "4s")
	Author  string `json:"author"`
	Lang    string `json:"lang"`
	Text    string `json:"text"`
	ReplyTo string `json:"reply_to"`
	DMKey   string `json:"dm_key"`
	Answer  string `json:"answer"` // the customer's answer once the brand replies in this thread
	// Media are the post's attachments (the demo's customer photos).
	Media []social.Media `json:"media"`
}

// entry is one scripted post with its schedule.
type entry struct {
	post   social.Post // CreatedAt is the arrival time
	offset time.Duration
	thread string // thread key: the root's remote id, or "dm:"+DMKey
	answer string // only on the entry that starts a thread
}

// threadKey is the key that groups a post with its thread.
func threadKey(p social.Post) string {
	if p.DMKey != "" {
		return "dm:" + p.DMKey
	}
	if p.ThreadRoot != "" {
		return p.ThreadRoot
	}
	return p.RemoteID
}

func profileURL(handle string) string {
	return baseURL + "@" + strings.TrimPrefix(handle, "@")
}

// parseScript decodes and checks the script, and lays it out from start.
// The posts must be listed in arrival order; a reply must follow its parent
// on the same account; an answer may only sit on a thread's first post.
func parseScript(data []byte, start time.Time) ([]entry, error) {
	var f scriptFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode demo script: %w", err)
	}
	brands := brandAccounts()
	byID := make(map[string]int, len(f.Posts))
	firstOfThread := make(map[string]bool)
	out := make([]entry, 0, len(f.Posts))
	for i, sp := range f.Posts {
		ctx := fmt.Sprintf("demo script post %d (%q)", i, sp.ID)
		if sp.ID == "" {
			return nil, fmt.Errorf("%s: no id", ctx)
		}
		if _, dup := byID[sp.ID]; dup {
			return nil, fmt.Errorf("%s: duplicate id", ctx)
		}
		b, ok := brands[sp.Account]
		if !ok {
			return nil, fmt.Errorf("%s: unknown account %q", ctx, sp.Account)
		}
		a, ok := f.Authors[sp.Author]
		if !ok || a.Handle == "" {
			return nil, fmt.Errorf("%s: unknown author %q", ctx, sp.Author)
		}
		if strings.TrimSpace(sp.Text) == "" {
			return nil, fmt.Errorf("%s: empty text", ctx)
		}
		off, err := time.ParseDuration(sp.At)
		if err != nil {
			return nil, fmt.Errorf("%s: at: %w", ctx, err)
		}
		if len(out) > 0 && off < out[len(out)-1].offset {
			return nil, fmt.Errorf("%s: listed before an earlier post (%s)", ctx, sp.At)
		}
		p := social.Post{
			Network:  social.Demo,
			Account:  sp.Account,
			Brand:    b.brand.Name,
			RemoteID: sp.ID,
			URL:      profileURL(a.Handle) + "/" + strconv.Itoa(firstStatusNumber+i),
			Author: social.Author{
				ID:          "demo:" + sp.Author,
				Handle:      a.Handle,
				DisplayName: a.Name,
				Followers:   a.Followers,
				URL:         profileURL(a.Handle),
			},
			Text:      sp.Text,
			Lang:      sp.Lang,
			CreatedAt: start.Add(off),
			Kind:      social.KindMention,
			Media:     sp.Media,
		}
		switch {
		case sp.DMKey != "" && sp.ReplyTo != "":
			return nil, fmt.Errorf("%s: a direct message cannot reply to a public post", ctx)
		case sp.DMKey != "":
			p.Kind, p.Direct, p.DMKey = social.KindDM, true, sp.DMKey
		case sp.ReplyTo != "":
			pi, ok := byID[sp.ReplyTo]
			if !ok {
				return nil, fmt.Errorf("%s: reply_to %q is not an earlier post", ctx, sp.ReplyTo)
			}
			parent := out[pi].post
			if parent.Account != p.Account || parent.Direct {
				return nil, fmt.Errorf("%s: reply_to %q is on another account or private", ctx, sp.ReplyTo)
			}
			p.Kind, p.ReplyTo, p.ThreadRoot = social.KindReply, parent.RemoteID, threadKey(parent)
		}
		key := threadKey(p)
		first := !firstOfThread[key]
		firstOfThread[key] = true
		if sp.Answer != "" && !first {
			return nil, fmt.Errorf("%s: an answer belongs on the first post of its thread", ctx)
		}
		byID[sp.ID] = len(out)
		out = append(out, entry{post: p, offset: off, thread: key, answer: sp.Answer})
	}
	return out, nil
}
