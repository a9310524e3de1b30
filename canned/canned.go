package canned

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hark-tui/hark/langtag"
)

// Response is one canned response.
type Response struct {
	ID       string   // file name without extension; unique in a folder
	Title    string   // shown in the picker; defaults to the ID
	Tags     []string // free labels, searched by the picker
	Brand    string   // brand name it is written for; "" = generic, any brand
	Lang     string   // language code ("en", "es", "pt-br"); "" = any language
	Shortcut string   // typing exactly this in the picker puts it first
	// Ask are variables the operator must fill in before it is sent (a
	// promise that changes: "ask: restoration_estimate"); they take the
	// place of the brand's value of the same name.
	Ask     []string
	Body    string // text/template source, see Render
	Path    string // file it was loaded from ("builtin/…" for Builtin)
	Builtin bool   // embedded in hark rather than loaded from a folder
}

// MaxFileSize is the largest canned response file Load accepts.
const MaxFileSize = 64 << 10

// Extensions of canned response files; other files in the folder are ignored.
const (
	extMarkdown = ".md"
	extText     = ".txt"
)

// FileError is what is wrong with one canned response file.
type FileError struct {
	Path string
	Line int // 1-based; 0 when the problem is not on one line
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("canned: %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("canned: %s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Load reads every canned response file (*.md, *.txt) in dir, sorted by file
// name. Hidden files, README.* and other extensions are skipped; sub-folders
// are not read. A missing dir is not an error: there are simply no
// responses. A file that cannot be read or is malformed yields a *FileError
// naming it and saying what is wrong; the other files still load, and the
// error returned is all such errors joined.
func Load(dir string) ([]Response, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil && len(entries) == 0 {
		return nil, fmt.Errorf("canned: read folder %s: %w", dir, err)
	}
	var (
		out  []Response
		errs []error
		seen = map[string]string{} // lower-case id -> file name
	)
	if err != nil {
		errs = append(errs, fmt.Errorf("canned: read folder %s: %w", dir, err))
	}
	for _, e := range entries {
		name := e.Name()
		id, ok := responseID(name)
		if !ok || e.IsDir() {
			continue
		}
		p := filepath.Join(dir, name)
		if prev, dup := seen[strings.ToLower(id)]; dup {
			errs = append(errs, &FileError{Path: p, Err: fmt.Errorf("duplicate id %q: %s has it too", id, prev)})
			continue
		}
		r, err := parseFile(id, p, readFile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[strings.ToLower(id)] = name
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// responseID is the id of a file named name, and whether Load reads it.
func responseID(name string) (string, bool) {
	ext := path.Ext(name)
	lower := strings.ToLower(ext)
	if lower != extMarkdown && lower != extText {
		return "", false
	}
	id := strings.TrimSuffix(name, ext)
	if id == "" || strings.HasPrefix(name, ".") || strings.EqualFold(id, "readme") {
		return "", false
	}
	return id, true
}

// readFile reads a regular file of at most MaxFileSize bytes. It refuses
// FIFOs and devices, which would block or never end.
func readFile(p string) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("file is %d bytes, larger than the %d allowed", fi.Size(), MaxFileSize)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file is larger than the %d bytes allowed", MaxFileSize)
	}
	return data, nil
}

func withPath(p string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		fe.Path = p
		return fe
	}
	return &FileError{Path: p, Err: err}
}

// Parse reads one canned response file's content: optional front matter
// between two "---" lines made of "key: value" lines (title, tags as a
// comma-separated list, brand, lang, shortcut; blank lines and lines
// starting with # are ignored; a value may be quoted), then the body. The
// body is trimmed and must be a valid template (see Render). Errors are
// *FileError (Path is id; Load puts the file's path there) with the line
// number in the file when there is one.
func Parse(id string, data []byte) (Response, error) {
	r := Response{ID: id}
	fail := func(line int, format string, a ...any) (Response, error) {
		return Response{}, &FileError{Path: id, Line: line, Err: fmt.Errorf(format, a...)}
	}
	if !utf8.Valid(data) {
		return fail(0, "not valid UTF-8 text")
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	body := text
	bodyStart := 1 // file line of the body's first line
	if len(lines) > 0 && strings.TrimRight(lines[0], " \t") == "---" {
		end := -1
		for i := 1; i < len(lines); i++ {
			if strings.TrimRight(lines[i], " \t") == "---" {
				end = i
				break
			}
		}
		if end < 0 {
			return fail(1, "front matter opened by --- is never closed (add a --- line before the body)")
		}
		seen := map[string]int{}
		for i := 1; i < end; i++ {
			line := strings.TrimSpace(lines[i])
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, value, ok := strings.Cut(line, ":")
			if !ok {
				return fail(i+1, "%q is not a \"key: value\" line", line)
			}
			key = strings.ToLower(strings.TrimSpace(key))
			value = unquote(strings.TrimSpace(value))
			if prev, dup := seen[key]; dup {
				return fail(i+1, "%s is already set on line %d", key, prev)
			}
			seen[key] = i + 1
			if err := r.set(key, value); err != nil {
				return fail(i+1, "%v", err)
			}
		}
		body = strings.Join(lines[end+1:], "\n")
		bodyStart = end + 2
	}
	var skipped int
	r.Body, skipped = normalizeBody(body)
	bodyStart += skipped
	if strings.TrimSpace(r.Body) == "" {
		return fail(0, "the body is empty: write the answer below the front matter")
	}
	if _, err := parseTemplate(r.Body); err != nil {
		var te *TemplateError
		if errors.As(err, &te) && te.Line > 0 {
			return fail(bodyStart+te.Line-1, "template: %s", te.Msg)
		}
		return fail(0, "body: %v", err)
	}
	if r.Title == "" {
		r.Title = defaultTitle(id)
	}
	return r, nil
}

// normalizeBody drops leading blank lines (keeping the first line's
// indentation) and trailing whitespace; skipped is how many lines it
// dropped at the start.
func normalizeBody(body string) (out string, skipped int) {
	for {
		nl := strings.IndexByte(body, '\n')
		if nl < 0 || strings.TrimSpace(body[:nl]) != "" {
			break
		}
		body = body[nl+1:]
		skipped++
	}
	return strings.TrimRightFunc(body, unicode.IsSpace), skipped
}

// set applies one front matter key.
func (r *Response) set(key, value string) error {
	switch key {
	case "title":
		r.Title = value
	case "tags":
		r.Tags = splitTags(value)
	case "brand":
		r.Brand = value
	case "lang", "language":
		lang := strings.ToLower(strings.ReplaceAll(value, "_", "-"))
		if lang != "" && !langtag.Valid(lang) {
			return fmt.Errorf("lang %q is not a language code like en, es or pt-br", value)
		}
		r.Lang = lang
	case "ask":
		for _, name := range splitTags(value) {
			if !askName.MatchString(name) {
				return fmt.Errorf("ask %q is not a variable name (letters, digits and _, as in restoration_estimate)", name)
			}
			if slices.Contains(builtinVars(), name) {
				return fmt.Errorf("ask %q: the built-in {{.%s}} is filled in by hark", name, name)
			}
			r.Ask = append(r.Ask, name)
		}
	case "shortcut":
		if strings.ContainsFunc(value, unicode.IsSpace) {
			return fmt.Errorf("shortcut %q must be one word", value)
		}
		r.Shortcut = value
	default:
		return fmt.Errorf("unknown key %q (known: title, tags, brand, lang, shortcut, ask)", key)
	}
	return nil
}

var askName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// WithAsked is v with the operator's answers to a response's Ask fields
// (they take the place of the brand's values of the same name).
func WithAsked(v Vars, asked map[string]string) Vars {
	if len(asked) == 0 {
		return v
	}
	custom := make(map[string]string, len(v.Custom)+len(asked))
	for k, x := range v.Custom {
		custom[k] = x
	}
	for k, x := range asked {
		custom[k] = x
	}
	v.Custom = custom
	return v
}

// unquote removes one pair of matching surrounding quotes.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// splitTags parses "a, b, c" (or "[a, b, c]"), dropping empties and
// case-insensitive duplicates.
func splitTags(v string) []string {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	var tags []string
	seen := map[string]bool{}
	for t := range strings.SplitSeq(v, ",") {
		t = unquote(strings.TrimSpace(t))
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		tags = append(tags, t)
	}
	return tags
}

func defaultTitle(id string) string {
	t := strings.NewReplacer("-", " ", "_", " ").Replace(id)
	if t == "" {
		return id
	}
	r, n := utf8.DecodeRuneInString(t)
	return string(unicode.ToUpper(r)) + t[n:]
}

//go:embed builtin/*.md
var builtinFS embed.FS

// Builtin returns the starter responses embedded in hark: answers for the
// demo brands (Skylark Air, Petal & Stem, Northwind Energy) and generic
// ones, in English and several in Spanish, French, Polish, Hungarian and
// Estonian. Their Path is "builtin/<file>". Custom variables they use are
// listed by Variables(r.Body).
func Builtin() []Response {
	rs, _ := loadBuiltin()
	return rs
}

func loadBuiltin() ([]Response, error) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil, fmt.Errorf("canned: builtin: %w", err)
	}
	var (
		out  []Response
		errs []error
	)
	for _, e := range entries {
		id, ok := responseID(e.Name())
		if !ok {
			continue
		}
		p := "builtin/" + e.Name()
		r, err := parseFile(id, p, builtinFS.ReadFile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.Builtin = true
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// parseFile reads one response file with read and parses it; an error
// names the file.
func parseFile(id, p string, read func(string) ([]byte, error)) (Response, error) {
	data, err := read(p)
	if err != nil {
		return Response{}, &FileError{Path: p, Err: err}
	}
	r, err := Parse(id, data)
	if err != nil {
		return Response{}, withPath(p, err)
	}
	r.Path = p
	return r, nil
}

// New writes r as a new file <dir>/<r.ID>.md with front matter and returns
// its path. It makes dir if needed and refuses to overwrite: it fails when
// a response with that id (.md or .txt) exists. The file is exactly what
// Load reads back as r (Path and Builtin aside).
func New(dir string, r Response) (string, error) {
	if err := validID(r.ID); err != nil {
		return "", fmt.Errorf("canned: new: %w", err)
	}
	content, err := format(r)
	if err != nil {
		return "", fmt.Errorf("canned: new %s: %w", r.ID, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("canned: new: make folder: %w", err)
	}
	for _, ext := range []string{extMarkdown, extText} {
		p := filepath.Join(dir, r.ID+ext)
		if _, err := os.Lstat(p); err == nil {
			return "", fmt.Errorf("canned: new: %s already exists: %w", p, fs.ErrExist)
		}
	}
	p := filepath.Join(dir, r.ID+extMarkdown)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("canned: new: %w", err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		os.Remove(p)
		return "", fmt.Errorf("canned: new: write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(p)
		return "", fmt.Errorf("canned: new: write %s: %w", p, err)
	}
	return p, nil
}

// validID accepts file-name-safe ids: letters, digits, '-', '_' and '.',
// starting with a letter or digit, without a .md/.txt extension.
func validID(id string) error {
	if id == "" {
		return errors.New("the id (file name) is empty")
	}
	if len(id) > 100 {
		return fmt.Errorf("id %q is longer than 100 characters", id)
	}
	for i, c := range id {
		ok := unicode.IsLetter(c) || unicode.IsDigit(c) || (i > 0 && (c == '-' || c == '_' || c == '.'))
		if !ok {
			return fmt.Errorf("id %q: use letters, digits, '-', '_' or '.', starting with a letter or digit", id)
		}
	}
	if _, ok := responseID(id + extMarkdown); !ok {
		return fmt.Errorf("id %q is reserved", id)
	}
	if ext := strings.ToLower(path.Ext(id)); ext == extMarkdown || ext == extText {
		return fmt.Errorf("id %q: leave out the extension", id)
	}
	return nil
}

// format renders r as a file and checks that Parse reads back the same.
func format(r Response) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("---\n")
	field := func(key, value string) error {
		if value == "" {
			return nil
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("%s must be one line", key)
		}
		if value != strings.TrimSpace(value) {
			return fmt.Errorf("%s has leading or trailing spaces", key)
		}
		if unquote(value) != value {
			value = `"` + value + `"` // keep the user's own quotes
		}
		b.WriteString(key + ": " + value + "\n")
		return nil
	}
	for _, t := range r.Tags {
		if strings.Contains(t, ",") {
			return nil, fmt.Errorf("tag %q contains a comma", t)
		}
	}
	for _, kv := range [][2]string{
		{"title", r.Title}, {"tags", strings.Join(r.Tags, ", ")}, {"brand", r.Brand},
		{"lang", r.Lang}, {"shortcut", r.Shortcut},
	} {
		if err := field(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	b.WriteString("---\n")
	body, _ := normalizeBody(strings.ReplaceAll(r.Body, "\r\n", "\n"))
	b.WriteString(body)
	b.WriteString("\n")

	back, err := Parse(r.ID, b.Bytes())
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, fe.Err
		}
		return nil, err
	}
	want := r
	want.Path, want.Builtin, want.Body = "", false, body
	if want.Title == "" {
		want.Title = back.Title
	}
	if !sameResponse(back, want) {
		return nil, fmt.Errorf("would not read back as written: check the tags (duplicates, brackets, quotes: %s) and the title (%s)",
			strconv.Quote(strings.Join(r.Tags, ",")), strconv.Quote(r.Title))
	}
	return b.Bytes(), nil
}

func sameResponse(a, b Response) bool {
	if len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	return a.ID == b.ID && a.Title == b.Title && a.Brand == b.Brand && a.Lang == b.Lang &&
		a.Shortcut == b.Shortcut && a.Body == b.Body
}

// lessResponse orders by title, then id (case-insensitive).
func lessResponse(a, b Response) bool {
	at, bt := strings.ToLower(a.Title), strings.ToLower(b.Title)
	if at != bt {
		return at < bt
	}
	return strings.ToLower(a.ID) < strings.ToLower(b.ID)
}
