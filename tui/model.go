package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/termimg"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/when"
)

// Deps are the Model's collaborators.
type Deps struct {
	Engine   *engine.Engine
	Canned   []canned.Response
	Brands   []Brand
	Agent    string
	Initials string
	Keys     map[string]string
	Mono     bool              // NO_COLOR or theme mono
	Theme    string            // dark | light | mono
	Colors   map[string]string // role -> colour overrides: accent, urgent, high, positive, dim, own, warn
	Bell     bool
	// Notify is how desktop notifications are sent: auto, osc9, osc777,
	// bell or off ("" = auto).
	Notify string
	// UndoSend is how long a sent reply waits in the outbox, where undo
	// takes it back into the composer (0: sent at once).
	UndoSend time.Duration
	// Tick is how often the screen's clock runs (countdowns, SLA warnings,
	// the database probe); 0: every 5 s.
	Tick time.Duration
	// Tmux: the terminal is tmux (notifications go through its DCS
	// passthrough).
	Tmux    bool
	Now     func() time.Time
	Version string
	// OpenURL opens a link in a browser (nil: only show/copy it).
	OpenURL func(string) error
	// Calendar returns a brand's "next business day at h:m" (snooze presets).
	Calendar func(brand string) when.Next
	// Warnings are shown in the status line at start (broken canned files).
	Warnings []string
	// Stats renders the stats view for a width.
	Stats func(ctx context.Context, width int) (string, error)
	// Team is this session's place in the team under hark serve: its
	// operator, the claims and who is online (nil: solo hark).
	Team *team.Session
	// Images is the terminal's graphics protocol for image previews
	// (termimg.Detect; None: no preview); ProbeSixel asks the terminal
	// whether it has sixel. FetchMedia gets an image's bytes (bounded).
	Images     termimg.Protocol
	ProbeSixel bool
	FetchMedia func(ctx context.Context, url string) ([]byte, error)
}

// Model is the root Bubble Tea model. It lays the panes out, routes
// messages and keys to the component that has the focus (or to the
// overlay on top of the stack), and talks to the engine. The queue is
// embedded: the list is the model's main state, and the root reads its
// selection for every action on "the selected conversations".
type Model struct {
	*Common
	*queue
	outboxList

	conv     *conv
	composer *composer
	picker   *picker
	focus    focus
	stack    []overlay

	// Written is what tests saw written raw to the terminal (Drive).
	Written []string

	// held are the keys typed while the list is re-read for another view
	// or the composer's reply is being queued (holding): replayed in
	// order once that is done (replayHeld).
	held       []tea.KeyPressMsg
	padCache   map[padKey]string
	frameCache map[frameKey]string

	msgs msgLog
	// slaSeen: conversations (and deadline) already notified as at risk
	slaSeen     map[string]bool
	lastSLAScan time.Time
	undos       []undo // actions that can be taken back, newest last
	events      <-chan engine.Event
	unsub       func()
	dbDown      bool // the store said the database is unreachable

	cancel context.CancelFunc // ends ctx (Close)
}

// New builds the model. It subscribes to the engine's events.
func New(d Deps) (*Model, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Calendar == nil {
		d.Calendar = func(string) when.Next { return nil }
	}
	km, err := NewKeymap(d.Keys)
	if err != nil {
		return nil, err
	}
	theme := darkTheme()
	if d.Theme == "light" {
		theme = lightTheme()
	}
	if err := theme.apply(d.Colors); err != nil {
		return nil, err
	}
	op := d.Engine.As(social.Actor{}) // solo: the config's agent
	if d.Team != nil {
		op = d.Team.Operator()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Common{
		d: d, ctx: ctx, eng: d.Engine, op: op, team: newTeamState(ctx, d.Team), st: d.Engine.Store(), km: km,
		sty: NewStyles(theme, d.Mono || d.Theme == "mono"),
		now: d.Now,
		w:   120,
		h:   40,
	}
	m := &Model{
		Common:     c,
		cancel:     cancel,
		padCache:   map[padKey]string{},
		slaSeen:    map[string]bool{},
		frameCache: map[frameKey]string{},
	}
	m.queue = newQueue(c, m)
	m.conv = newConv(c, m)
	m.conv.emptyWhy = func() string {
		if q := m.queue; q.loaded && len(q.refs) == 0 && q.search != nil {
			return "No match for /" + textsafe.Line(q.search.Raw) + " in " + q.view.String() + " — esc clears the search, / changes it."
		}
		return ""
	}
	m.conv.scheduled = m.scheduledFor // schedule.go
	m.composer = newComposer(c, m)
	m.composer.seenOf = m.seenOf // seen.go
	m.picker = newPicker(c, m)
	m.events, m.unsub = d.Engine.Subscribe()
	m.feeds = d.Engine.FeedStatuses()
	if len(d.Warnings) > 0 {
		m.flash("warning: "+strings.Join(d.Warnings, "; "), true)
	}
	return m, nil
}

// Close saves a draft not yet saved, ends the session's context (what
// its Cmds still fetch or read is cancelled) and unsubscribes from the
// engine. Run calls it; so does hark serve when a session ends, however
// it ended.
func (m *Model) Close() {
	m.composer.close()
	m.cancel()
	m.team.close()
	if m.unsub != nil {
		m.unsub()
		m.unsub = nil
	}
}

// UrgentScore is the priority from which a conversation counts as urgent
// (bell, red marker).
const UrgentScore = 60

// FlagScore is the priority from which a conversation is flagged "!" (worth
// answering soon); `*` selects every flagged conversation in view.
const FlagScore = 35

// Init loads the queue and starts listening to the engine.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadRefs(), m.waitEvent(), m.team.wait(), m.loadOutbox(), m.tick(), tea.RequestWindowSize, tea.RequestBackgroundColor, m.probeSixel())
}

type eventMsg struct{ ev engine.Event }
type eventsClosedMsg struct{}
type tickMsg time.Time

// doneMsg ends an action run in a Cmd: a flash, or an error.
type doneMsg struct {
	flash string
	err   error
	undo  *undo  // how to take the action back (nil: it cannot be)
	sel   string // a conversation an undo brought back: the cursor goes to it
}

// convsMsg is conversations the engine changed, re-read in a Cmd.
type convsMsg struct {
	convs  []social.Conversation
	counts [4]int
	newIDs []string
	urgent []social.Conversation // actionable and urgent, with a new post
	brand  string                // the brand filter the counts are of
}

func (m *Model) waitEvent() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev}
	}
}

func (m *Model) tick() tea.Cmd {
	every := m.d.Tick
	if every <= 0 {
		every = 5 * time.Second
	}
	return after(m.ctx, every, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// immediate is after with no time to wait (the tests' Instant): a plain
// Cmd, not a timer, so the tests' Drive waits for it like any other.
func immediate(fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg { return fn(time.Now()) }
}

// after is tea.Tick ending with the session: when ctx ends (the program
// quit, the SSH session closed) its goroutine returns at once, with no
// message, instead of waiting out the timer.
func after(ctx context.Context, d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	if d <= 0 {
		return immediate(fn)
	}
	return func() tea.Msg {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case now := <-t.C:
			return fn(now)
		case <-ctx.Done():
			return nil
		}
	}
}

func (m *Model) loadOutbox() tea.Cmd { return loadOutbox(m.ctx, m.st) }

func (m *Model) reloadConv(id string) tea.Cmd {
	if m.conv.openID != id {
		return nil
	}
	return m.conv.loadPosts(id)
}

func (m *Model) loadConvs(ids []string, newPosts []social.Post) tea.Cmd {
	st, brand, op := m.st, m.queue.brandFilter, m.op
	return func() tea.Msg {
		convs, _ := st.Conversations(m.ctx, ids)
		counts := countsOf(m.ctx, st, brand, op)
		msg := convsMsg{convs: convs, counts: counts, brand: brand}
		if len(newPosts) > 0 {
			for _, c := range convs {
				msg.newIDs = append(msg.newIDs, c.ID)
				if c.State.Actionable() && c.Priority >= UrgentScore && op.Allows(c.Brand) {
					msg.urgent = append(msg.urgent, c)
				}
			}
		}
		return msg
	}
}

// Run starts the program on the terminal and returns when the user quits
// or ctx ends.
//
// Signals have one owner: the caller (main's signal.NotifyContext), whose
// context ends the program. Bubble Tea's own SIGINT/SIGTERM handler is off:
// two handlers raced, and Bubble Tea's blocked sending its quit message to
// a program that was already stopping, so quitting hung with the terminal
// raw and the store held (issue 16). However it ends, Bubble Tea restores
// the terminal before Run returns, and the caller then releases the store.
//
// The terminal's window title is pushed (XTWINOPS 22) before hark sets its
// own and popped (XTWINOPS 23) after Bubble Tea has cleared it, so the
// title the user had comes back.
func Run(ctx context.Context, m *Model, opts ...tea.ProgramOption) error {
	return run(ctx, m, os.Stdout, opts...)
}

// ErrHangup is Run's answer when the terminal went away (the window
// closed, the SSH connection dropped) and hark quit because of it.
var ErrHangup = errors.New("the terminal hung up")

// hangupEvery is how often Run checks that its terminal is still there.
const hangupEvery = time.Second

// watchHangup calls gone once tty stops being a terminal that answers (a
// hung-up terminal fails every ioctl with EIO), checking every interval,
// until the returned stop is called. Bubble Tea reads a hung-up terminal's
// end of input as the end of its input and goes on running: without this
// hark would poll and hold its store with nobody to see it, until killed,
// when the session leader that got SIGHUP does not pass it on (make,
// tmux's kill-server).
func watchHangup(tty *os.File, interval time.Duration, gone func()) (stop func()) {
	if _, _, err := term.GetSize(tty.Fd()); err != nil {
		return func() {} // a terminal that never answers: nothing to tell by
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, _, err := term.GetSize(tty.Fd()); err != nil {
					gone()
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// PushTitle and PopTitle (XTWINOPS 22 and 23) save the terminal's icon
// and window title before hark sets its own and bring it back after:
// Bubble Tea only empties the title on exit. hark serve writes them around
// each session's program too.
const (
	PushTitle = "\x1b[22;0t"
	PopTitle  = "\x1b[23;0t"
)

// run is Run with the program's output (out, also passed to Bubble Tea).
func run(ctx context.Context, m *Model, out io.Writer, opts ...tea.ProgramOption) error {
	defer m.Close()
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(out), tea.WithoutSignalHandler()}, opts...)
	if os.Getenv("NO_COLOR") != "" {
		m.sty = NewStyles(darkTheme(), true)
	}
	p := tea.NewProgram(m, opts...)
	var hungUp atomic.Bool
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		stop := watchHangup(f, hangupEvery, func() { hungUp.Store(true); p.Quit() })
		defer stop()
	}
	_, _ = io.WriteString(out, PushTitle)
	_, err := p.Run()
	_, _ = io.WriteString(out, PopTitle)
	if hungUp.Load() && err == nil {
		return ErrHangup
	}
	// a signal (SIGINT, SIGTERM: the context ends) is a normal way to quit
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
