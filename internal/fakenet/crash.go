package fakenet

import (
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// CrashOptions configure NewCrashMastodon: the load it serves and its crash
// knobs (latency, answers held back after the effect, a trickle of new
// mentions while the client pages; Idempotency-Key is always ignored).
type CrashOptions struct {
	Token    string          // the bearer token every API call must carry
	Self     json.RawMessage // verify_credentials answer: the brand's own account
	Instance json.RawMessage // /api/v2/instance answer
	Total    int             // mentions the server may ever release
	Initial  int             // mentions visible before hark has a cursor (≤ one page)
	Seed     uint64
	// MaxLatency is the random delay (0..MaxLatency) before any request is
	// handled; a client that goes away during it changes nothing.
	MaxLatency time.Duration
	// DelayShare of the statuses created get their response held back
	// MinDelay..MaxDelay after the status exists: the window in which a
	// kill leaves hark not knowing that its reply is out.
	DelayShare         float64
	MinDelay, MaxDelay time.Duration
	// Trickle is the chance that a forward-paging request (min_id) releases
	// one more mention first, so the newest page moves while hark pages.
	Trickle float64
}

// crashStatus is one status the server knows: a customer's mention or a
// reply hark created.
type crashStatus struct {
	ID         string
	InReplyTo  string
	CreatedAt  time.Time
	Visibility string
	Lang       string
	Text       string          // plain text (what was posted)
	Account    json.RawMessage // the author
	Own        bool            // created through POST /api/v1/statuses
}

// crashNotif is one mention notification.
type crashNotif struct {
	ID     int64
	Status *crashStatus
}

// ReplyKey identifies a created status the way Confirm does: the status it
// answers and its text.
type ReplyKey struct{ InReplyTo, Text string }

// CrashStats counts what the server saw.
type CrashStats struct {
	NotifReqs   int // GET /api/v1/notifications
	ContextReqs int // GET /api/v1/statuses/:id/context (Confirm)
	PostReqs    int // POST /api/v1/statuses
	Created     int // statuses created
	Unanswered  int // created, but the client was gone before the answer
	Abandoned   int // requests whose client went away during the latency (no effect)
	Reserved    int // mentions served again (hark died before it stored them)
}

// CrashMastodon behaves like GoToSocial as far as hark's crash safety is
// concerned: it serves mention notifications with Mastodon's paging
// (min_id/max_id/since_id/limit, Link headers on non-empty pages, newest
// first), verify_credentials, /api/v2/instance and thread contexts, and it
// creates statuses on POST /api/v1/statuses while IGNORING Idempotency-Key,
// so only hark's own Confirm (a look at the thread context) keeps a resend
// from posting twice. It is safe for concurrent use.
type CrashMastodon struct {
	tracker
	o      CrashOptions
	srv    *httptest.Server
	selfID string
	// Created gets a (non-blocking) signal whenever a status is created,
	// PageServed whenever a page with mentions has been written.
	Created, PageServed chan struct{}

	mu       sync.Mutex
	rng      *rand.Rand
	all      []*crashNotif // every mention that may be released, oldest first
	released int           // all[:released] are visible
	pending  int           // released once hark pages forward (it has a cursor)
	gate     bool          // hark has paged forward at least once
	frozen   bool          // no more releases
	served   map[string]bool
	statuses map[string]*crashStatus
	children map[string][]string
	posts    map[ReplyKey][]string // created status ids
	ownSeq   int64
	limitCtx int           // answer this many more context lookups with 429
	limitFor time.Duration // … asking the client to wait this long
	inPost   int
	inNotif  int
	maxNotif int // most notification requests handled at once
	requests int
	stats    CrashStats
}

// NewCrashMastodon starts the crash-test Mastodon for a test (closed when
// the test ends): Total generated mentions from a seeded random source,
// Initial of them visible at once, the rest released by Release.
func NewCrashMastodon(t testing.TB, o CrashOptions) *CrashMastodon {
	t.Helper()
	var self struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(o.Self, &self); err != nil || self.ID == "" {
		t.Fatalf("fake: verify_credentials fixture has no account id (%v)", err)
	}
	f := &CrashMastodon{
		o: o, selfID: self.ID, Created: make(chan struct{}, 1), PageServed: make(chan struct{}, 1),
		rng:      rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		served:   map[string]bool{},
		statuses: map[string]*crashStatus{},
		children: map[string][]string{},
		posts:    map[ReplyKey][]string{},
	}
	f.generate()
	f.released = min(o.Initial, len(f.all))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", f.auth(f.verify))
	mux.HandleFunc("GET /api/v2/instance", f.instance)
	mux.HandleFunc("GET /api/v1/notifications", f.auth(f.notifications))
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", f.auth(f.context))
	mux.HandleFunc("POST /api/v1/statuses", f.auth(f.createStatus))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		crashJSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
	})
	f.srv = httptest.NewServer(f.track(mux))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the server's base URL.
func (f *CrashMastodon) URL() string { return f.srv.URL }

// ---- the mentions ----

type crashAuthor struct {
	id, username, domain, name string
	followers                  int
}

func (a crashAuthor) json() json.RawMessage {
	acct, u := a.username, "https://gts.example/@"+a.username
	if a.domain != "" {
		acct = a.username + "@" + a.domain
		u = "https://" + a.domain + "/@" + a.username
	}
	b, _ := json.Marshal(map[string]any{
		"id": a.id, "username": a.username, "acct": acct, "display_name": a.name,
		"locked": false, "bot": false, "url": u, "followers_count": a.followers,
		"created_at": "2024-03-01T00:00:00.000Z",
	})
	return b
}

var crashMentionTexts = map[string][]string{
	"en": {
		"my order #%d still hasn't arrived, can you check?",
		"the grinder I bought (order %d) arrived cracked. Refund please!",
		"do you ship to Estonia? asking for order %d",
		"love the new roast, order %d was perfect ☕",
		"urgent: charged twice for order %d",
	},
	"es": {
		"mi pedido %d no ha llegado todavía, ¿me ayudan?",
		"el molinillo del pedido %d llegó roto, quiero un reembolso",
	},
	"pl": {
		"zamówienie %d nadal nie dotarło, czy możecie sprawdzić?",
		"ekspres z zamówienia %d przyszedł uszkodzony",
	},
}

// generate makes the mentions the server will release, oldest first:
// customers local and remote, public mentions, replies within earlier
// threads, and private mentions (direct).
func (f *CrashMastodon) generate() {
	base := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	var authors []crashAuthor
	domains := []string{"", "mstdn.example", "fedi.example", "social.example"}
	for i := range 40 {
		authors = append(authors, crashAuthor{
			id:        strconv.FormatInt(110757622579200000+int64(i)*7, 10),
			username:  fmt.Sprintf("cust%02d", i),
			domain:    domains[i%len(domains)],
			name:      fmt.Sprintf("Customer %d", i),
			followers: f.rng.IntN(20000),
		})
	}
	langs := []string{"en", "en", "en", "es", "pl"}
	var public []*crashStatus
	for i := range f.o.Total {
		at := base.Add(time.Duration(i) * 7 * time.Second)
		a := authors[f.rng.IntN(len(authors))]
		lang := langs[f.rng.IntN(len(langs))]
		tpl := crashMentionTexts[lang][f.rng.IntN(len(crashMentionTexts[lang]))]
		st := &crashStatus{
			ID:         snowflake(at, i),
			CreatedAt:  at,
			Visibility: "public",
			Lang:       lang,
			Text:       "@acmecoffee " + fmt.Sprintf(tpl, 4000+i),
			Account:    a.json(),
		}
		switch r := f.rng.Float64(); {
		case r < 0.1:
			st.Visibility = "direct"
		case r < 0.35 && len(public) > 0:
			st.InReplyTo = public[max(0, len(public)-1-f.rng.IntN(20))].ID
		}
		if st.Visibility == "public" {
			public = append(public, st)
		}
		f.statuses[st.ID] = st
		if st.InReplyTo != "" {
			f.children[st.InReplyTo] = append(f.children[st.InReplyTo], st.ID)
		}
		f.all = append(f.all, &crashNotif{ID: 58213000 + int64(i)*3, Status: st})
	}
}

// snowflake makes a Mastodon-style status id: milliseconds << 16 | seq.
func snowflake(at time.Time, seq int) string {
	return strconv.FormatUint(uint64(at.UnixMilli())<<16|uint64(seq&0xffff), 10)
}

// Release makes n more mentions visible: at once if hark already pages
// forward, else as soon as it does (before that, hark's first poll reads
// only the newest page, by design, so releasing more would lose posts no
// matter what hark does).
func (f *CrashMastodon) Release(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		return
	}
	if f.gate {
		f.released = min(f.released+n, len(f.all))
		return
	}
	f.pending += n
}

// Freeze stops every further release.
func (f *CrashMastodon) Freeze() {
	f.mu.Lock()
	f.frozen = true
	f.pending = 0
	f.mu.Unlock()
}

// Unfreeze allows releases again.
func (f *CrashMastodon) Unfreeze() {
	setLocked(&f.mu, &f.frozen, false)
}

// ReleasedStatuses returns the ids of the visible mentions, oldest first,
// and the newest notification id ("" if none).
func (f *CrashMastodon) ReleasedStatuses() (ids []string, newest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.all[:f.released] {
		ids = append(ids, n.Status.ID)
	}
	if f.released > 0 {
		newest = strconv.FormatInt(f.all[f.released-1].ID, 10)
	}
	return ids, newest
}

// WasServed reports whether a status appeared in a notifications answer.
func (f *CrashMastodon) WasServed(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served[id]
}

// AllServed reports whether every released mention has been served.
func (f *CrashMastodon) AllServed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.all[:f.released] {
		if !f.served[n.Status.ID] {
			return false
		}
	}
	return true
}

// AllCreated reports whether a status exists for every key.
func (f *CrashMastodon) AllCreated(keys []ReplyKey) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if len(f.posts[k]) == 0 {
			return false
		}
	}
	return true
}

// CreatedPosts returns every created status id per (in_reply_to, text).
func (f *CrashMastodon) CreatedPosts() map[ReplyKey][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[ReplyKey][]string, len(f.posts))
	for k, v := range f.posts {
		out[k] = slices.Clone(v)
	}
	return out
}

func (f *CrashMastodon) Stats() CrashStats {
	return locked(&f.mu, &f.stats)
}

// Busy reports the requests being handled right now.
func (f *CrashMastodon) Busy() (posts, notifs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inPost, f.inNotif
}

// MostNotifs is the most notification requests handled at once: two
// means two processes polled the feed at the same time.
func (f *CrashMastodon) MostNotifs() int {
	return locked(&f.mu, &f.maxNotif)
}

// RequestCount is the number of requests received so far.
func (f *CrashMastodon) RequestCount() int {
	return locked(&f.mu, &f.requests)
}

// RateLimitContext makes the next n thread-context lookups fail with 429
// Too Many Requests (Retry-After: wait), as a throttled server answers.
func (f *CrashMastodon) RateLimitContext(n int, wait time.Duration) {
	f.mu.Lock()
	f.limitCtx, f.limitFor = n, wait
	f.mu.Unlock()
}

// Drain forgets earlier signals.
func (f *CrashMastodon) Drain() { drain(f.Created, f.PageServed) }

// ---- HTTP ----

func (f *CrashMastodon) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.begin()
		defer f.end()
		f.mu.Lock()
		f.requests++
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (f *CrashMastodon) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.o.Token {
			crashJSON(w, http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"})
			return
		}
		w.Header().Set("X-Ratelimit-Limit", "300")
		w.Header().Set("X-Ratelimit-Remaining", "299")
		w.Header().Set("X-Ratelimit-Reset", time.Now().UTC().Add(5*time.Minute).Format("2006-01-02T15:04:05.000000Z"))
		h(w, r)
	}
}

// latency waits 0..MaxLatency; false if the client went away meanwhile.
func (f *CrashMastodon) latency(r *http.Request) bool {
	f.mu.Lock()
	d := time.Duration(f.rng.Int64N(int64(f.o.MaxLatency) + 1))
	f.mu.Unlock()
	return f.sleep(r, d)
}

func (f *CrashMastodon) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		f.mu.Lock()
		f.stats.Abandoned++
		f.mu.Unlock()
		return false
	case <-t.C:
		return true
	}
}

func crashJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func crashRaw(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func (f *CrashMastodon) verify(w http.ResponseWriter, r *http.Request) {
	if f.latency(r) {
		crashRaw(w, f.o.Self)
	}
}

func (f *CrashMastodon) instance(w http.ResponseWriter, r *http.Request) {
	if f.latency(r) {
		crashRaw(w, f.o.Instance)
	}
}

// statusJSON renders a status the way GoToSocial does (content as HTML,
// the source text in "text").
func (f *CrashMastodon) statusJSON(s *crashStatus) map[string]any {
	var parent, parentAcct any
	if s.InReplyTo != "" {
		parent = s.InReplyTo
		if p := f.statuses[s.InReplyTo]; p != nil {
			var a struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(p.Account, &a)
			parentAcct = a.ID
		}
	}
	content := "<p>" + strings.ReplaceAll(html.EscapeString(s.Text), "\n", "<br>") + "</p>"
	if !s.Own {
		content = `<p><span class="h-card"><a href="https://gts.example/@acmecoffee" class="u-url mention">@<span>acmecoffee</span></a></span> ` +
			html.EscapeString(strings.TrimPrefix(s.Text, "@acmecoffee ")) + "</p>"
	}
	return map[string]any{
		"id":                     s.ID,
		"created_at":             s.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id":         parent,
		"in_reply_to_account_id": parentAcct,
		"sensitive":              false,
		"spoiler_text":           "",
		"visibility":             s.Visibility,
		"language":               s.Lang,
		"uri":                    "https://gts.example/users/x/statuses/" + s.ID,
		"url":                    "https://gts.example/@x/statuses/" + s.ID,
		"content":                content,
		"text":                   s.Text,
		"account":                s.Account,
		"media_attachments":      []any{},
		"mentions":               []any{},
		"tags":                   []any{},
		"emojis":                 []any{},
		"interaction_policy":     map[string]any{},
	}
}

// notifications serves GET /api/v1/notifications with Mastodon's paging.
func (f *CrashMastodon) notifications(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.inNotif++
	f.maxNotif = max(f.maxNotif, f.inNotif)
	f.stats.NotifReqs++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inNotif--
		f.mu.Unlock()
	}()
	if !f.latency(r) {
		return
	}
	q := r.URL.Query()
	limit := 40
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = min(n, 80)
		}
	}
	bound := func(name string) (int64, bool, error) {
		v := q.Get(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil, err
	}
	minID, hasMin, err1 := bound("min_id")
	maxID, hasMax, err2 := bound("max_id")
	sinceID, hasSince, err3 := bound("since_id")
	if err1 != nil || err2 != nil || err3 != nil {
		crashJSON(w, http.StatusBadRequest, map[string]string{"error": "bad paging id"})
		return
	}
	if types := q["types[]"]; len(types) > 0 && !slices.Contains(types, "mention") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte("[]"))
		return
	}

	f.mu.Lock()
	if hasMin && !f.frozen {
		// hark has a cursor: releases are safe from here on.
		f.gate = true
		f.released = min(f.released+f.pending, len(f.all))
		f.pending = 0
		if f.rng.Float64() < f.o.Trickle {
			f.released = min(f.released+1, len(f.all))
		}
	}
	var match []*crashNotif
	for _, n := range f.all[:f.released] {
		if (hasMin && n.ID <= minID) || (hasSince && n.ID <= sinceID) || (hasMax && n.ID >= maxID) {
			continue
		}
		match = append(match, n)
	}
	if len(match) > limit {
		if hasMin {
			match = match[:limit] // the ones right after min_id
		} else {
			match = match[len(match)-limit:] // the newest
		}
	}
	slices.Reverse(match)
	out := make([]map[string]any, 0, len(match))
	for _, n := range match {
		st := f.statusJSON(n.Status)
		out = append(out, map[string]any{
			"id":         strconv.FormatInt(n.ID, 10),
			"type":       "mention",
			"created_at": n.Status.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			"account":    n.Status.Account,
			"status":     st,
		})
		if f.served[n.Status.ID] {
			f.stats.Reserved++
		}
		f.served[n.Status.ID] = true
	}
	f.mu.Unlock()

	if len(match) > 0 {
		link := func(k string, id int64) string {
			v := url.Values{}
			v.Set("limit", strconv.Itoa(limit))
			v.Add("types[]", "mention")
			v.Set(k, strconv.FormatInt(id, 10))
			return "<" + f.srv.URL + "/api/v1/notifications?" + v.Encode() + ">"
		}
		w.Header().Set("Link", link("max_id", match[len(match)-1].ID)+`; rel="next", `+link("min_id", match[0].ID)+`; rel="prev"`)
	}
	crashJSON(w, http.StatusOK, out)
	if len(match) > 0 {
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		signal(f.PageServed)
	}
}

// context serves GET /api/v1/statuses/:id/context: the ancestors, top
// down, and every descendant in tree order (hark's own replies among
// them: what Confirm looks for).
func (f *CrashMastodon) context(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.stats.ContextReqs++
	f.mu.Unlock()
	if !f.latency(r) {
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limitCtx > 0 {
		f.limitCtx--
		reset := time.Now().UTC().Add(f.limitFor)
		w.Header().Set("Retry-After", strconv.Itoa(int(f.limitFor.Round(time.Second)/time.Second)))
		w.Header().Set("X-Ratelimit-Remaining", "0")
		w.Header().Set("X-Ratelimit-Reset", reset.Format("2006-01-02T15:04:05.000000Z"))
		crashJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
		return
	}
	st := f.statuses[id]
	if st == nil {
		crashJSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
		return
	}
	ancestors := []map[string]any{}
	for p := f.statuses[st.InReplyTo]; p != nil; p = f.statuses[p.InReplyTo] {
		ancestors = append(ancestors, f.statusJSON(p))
	}
	slices.Reverse(ancestors)
	descendants := []map[string]any{}
	var walk func(string)
	walk = func(id string) {
		for _, c := range f.children[id] {
			descendants = append(descendants, f.statusJSON(f.statuses[c]))
			walk(c)
		}
	}
	walk(id)
	crashJSON(w, http.StatusOK, map[string]any{"ancestors": ancestors, "descendants": descendants})
}

// createStatus serves POST /api/v1/statuses. Idempotency-Key is ignored,
// as GoToSocial does. Some answers are held back after the status exists.
func (f *CrashMastodon) createStatus(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.inPost++
	f.stats.PostReqs++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inPost--
		f.mu.Unlock()
	}()
	if err := r.ParseForm(); err != nil {
		crashJSON(w, http.StatusBadRequest, map[string]string{"error": "bad form"})
		return
	}
	text := r.PostForm.Get("status")
	parent := r.PostForm.Get("in_reply_to_id")
	vis := r.PostForm.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	switch {
	case strings.TrimSpace(text) == "":
		crashJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: Text can't be blank"})
		return
	case utf8.RuneCountInString(text) > 5000:
		crashJSON(w, http.StatusBadRequest, map[string]string{"error": "Bad Request: status too long"})
		return
	}
	if !f.latency(r) {
		return // the client is gone before anything happened
	}
	f.mu.Lock()
	if parent != "" && f.statuses[parent] == nil {
		f.mu.Unlock()
		crashJSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
		return
	}
	f.ownSeq++
	now := time.Now().UTC()
	st := &crashStatus{
		ID:        snowflake(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Add(time.Duration(f.ownSeq)*time.Second), int(f.ownSeq)),
		InReplyTo: parent, CreatedAt: now, Visibility: vis, Lang: r.PostForm.Get("language"),
		Text: text, Account: f.o.Self, Own: true,
	}
	f.statuses[st.ID] = st
	if parent != "" {
		f.children[parent] = append(f.children[parent], st.ID)
	}
	k := ReplyKey{InReplyTo: parent, Text: text}
	f.posts[k] = append(f.posts[k], st.ID)
	f.stats.Created++
	body := f.statusJSON(st)
	var hold time.Duration
	if f.rng.Float64() < f.o.DelayShare {
		hold = f.o.MinDelay + time.Duration(f.rng.Int64N(int64(f.o.MaxDelay-f.o.MinDelay)+1))
	}
	f.mu.Unlock()
	signal(f.Created)
	if hold > 0 && !f.sleep(r, hold) {
		f.mu.Lock()
		f.stats.Unanswered++
		f.stats.Abandoned-- // counted apart: this one did have an effect
		f.mu.Unlock()
		return
	}
	crashJSON(w, http.StatusOK, body)
}
