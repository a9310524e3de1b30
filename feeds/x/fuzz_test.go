package x

import (
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

// FuzzMapTweets feeds arbitrary bytes to the decoders and the mapper: they
// may reject the input, never panic, and every post they return has an id.
func FuzzMapTweets(f *testing.F) {
	fakenet.SeedFixtures(f, "x/*.json")
	f.Add([]byte(`{"data":{"id":12345,"text":null,"referenced_posts":[{"type":"replied_to","id":7}]}}`))
	f.Add([]byte(`{"data":[{"id":"1","author_id":"2","public_metrics":"x"}],"includes":{"users":[{"id":"2","public_metrics":{"followers_count":"12"}}]}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := &mapper{account: "acme", selfID: brandID, selfName: "AcmeCoffee", gate: true, now: t0}
		page, err := decodeTweetPage(b)
		if err == nil {
			for _, p := range m.mapPage(&page) {
				if p.RemoteID == "" || p.Network != social.X || p.CreatedAt.IsZero() && !t0.IsZero() {
					t.Fatalf("bad post %+v", p)
				}
				_ = WeightedLength(p.Text)
				_ = normText(p.Text)
			}
		}
		var prob wireProblem
		if decodeJSON(b, &prob) == nil {
			_ = prob.text()
			_ = usageCappedMsg(prob, time.Time{})
		}
		var dms dmEventPage
		_ = decodeJSON(b, &dms)
		_ = WeightedLength(string(b))
		_ = normText(string(b))
	})
}
