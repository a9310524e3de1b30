package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

func searchCmd(f *flags) *cobra.Command {
	c := &cobra.Command{
		Use:   "search QUERY",
		Short: "Print the conversations a search finds, like hark queue (from the full-text index)",
		Long: "Search every conversation's posts, the customers' names, handles, notes and tags, in queue order.\n" +
			"Words match from their start (rebook finds rebooking), case and accents folded; \"quoted words\" are a phrase.\n" +
			"Terms: brand:NAME net:NETWORK from:PART-OF-HANDLE-OR-NAME tag:NAME lang:es sentiment:neg|pos|neutral\n" +
			"is:new|open|pending|snoozed|resolved|breached|vip|dm after:YYYY-MM-DD before:YYYY-MM-DD (both days included);\n" +
			"-term excludes.",
		Args: usageArgs(1, -1, `hark search QUERY [--view V] [-n N] [--json]: the words and terms to find, e.g. hark search 'rebooking is:open'`),
	}
	n, view := numberFlag(c, "how many conversations"), viewFlag(c, "all")
	asJSON := c.Flags().Bool("json", false, "print JSON (one object per conversation, terminal-safe)")
	c.RunE = withRunning(f, app.Options{ReadOnly: true, Offline: true}, func(cmd *cobra.Command, args []string, a *app.App) error {
		q, err := query.Parse(strings.Join(args, " "))
		if err != nil {
			return err
		}
		v, _ := store.ParseView(*view)
		if !cmd.Flags().Changed("view") {
			v = q.View(v)
		}
		now := time.Now()
		refs, _, err := query.Search(cmd.Context(), a.Store, q, v, nil, now, time.Local)
		if err != nil {
			return err
		}
		total := len(refs)
		if *n > 0 && len(refs) > *n {
			refs = refs[:*n]
		}
		convs, err := a.Store.Conversations(cmd.Context(), store.RefIDs(refs))
		if err != nil {
			return err
		}
		return printConvs(cmd.OutOrStdout(), convs, total, now, *asJSON)
	})
	return c
}

// convLine is a conversation as --json prints it.
type convLine struct {
	ID       string    `json:"id"`
	Priority int       `json:"priority"`
	State    string    `json:"state"`
	Brand    string    `json:"brand"`
	Network  string    `json:"network"`
	Handle   string    `json:"handle"`
	Name     string    `json:"name,omitempty"`
	Lang     string    `json:"lang,omitempty"`
	DueAt    time.Time `json:"due_at,omitzero"`
	Preview  string    `json:"preview"`
	Reasons  []string  `json:"reasons,omitempty"`
}

// printJSON prints v as indented JSON made safe for a terminal (what
// encoding/json leaves raw, C1 controls, bidi and invisible characters,
// escaped as \uXXXX).
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(textsafe.EscapeJSON(buf.Bytes()))
	return err
}

// printConvs prints conversations like hark queue, or as JSON with the
// number found.
func printConvs(w io.Writer, convs []social.Conversation, total int, now time.Time, asJSON bool) error {
	if asJSON {
		out := struct {
			Total         int        `json:"total"`
			Conversations []convLine `json:"conversations"`
		}{Total: total, Conversations: []convLine{}}
		for _, c := range convs {
			out.Conversations = append(out.Conversations, convLine{ID: c.ID, Priority: c.Priority, State: string(c.State),
				Brand: c.Brand, Network: string(c.Network), Handle: c.Contact.Handle, Name: c.Contact.DisplayName, Lang: c.Lang,
				DueAt: c.DueAt, Preview: c.Preview, Reasons: c.Reasons})
		}
		return printJSON(w, out)
	}
	for _, c := range convs {
		fmt.Fprintln(w, app.QueueLine(c, now))
	}
	if len(convs) == 0 {
		fmt.Fprintln(w, "(no match)")
	} else if total > len(convs) {
		fmt.Fprintf(w, "(%d of %d; -n 0 prints all)\n", len(convs), total)
	}
	return nil
}
