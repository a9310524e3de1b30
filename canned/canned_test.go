package canned

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hark-tui/hark/internal/testkit"
)

func TestParseFrontMatter(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Response
		errLine int    // for errors
		errText string // "" = no error
	}{
		{
			name: "full front matter",
			in:   "---\ntitle: Rebooking\ntags: cancel, rebook\nbrand: Skylark Air\nlang: en\nshortcut: rebook\n---\nHi {{.Name}}\n",
			want: Response{ID: "x", Title: "Rebooking", Tags: []string{"cancel", "rebook"}, Brand: "Skylark Air", Lang: "en", Shortcut: "rebook", Body: "Hi {{.Name}}"},
		},
		{
			name: "no front matter: whole file is the body, title from the id",
			in:   "Thanks {{.Name}}!\n\n",
			want: Response{ID: "x", Title: "X", Body: "Thanks {{.Name}}!"},
		},
		{
			name: "crlf, bom, comments, blank lines, quotes, brackets, case",
			in:   "\ufeff---\r\n# a comment\r\n\r\nTitle: \"Quoted: title\"\r\nTAGS: [a, 'b', , A]\r\nLang: pt_BR\r\n---\r\n\r\n\r\nLine one\r\n  indented\r\n\r\n",
			want: Response{ID: "x", Title: "Quoted: title", Tags: []string{"a", "b"}, Lang: "pt-br", Body: "Line one\n  indented"},
		},
		{
			name: "first body line keeps its indentation",
			in:   "---\ntitle: t\n---\n\n  - item\n",
			want: Response{ID: "x", Title: "t", Body: "  - item"},
		},
		{
			name: "empty values are allowed",
			in:   "---\ntitle:\nbrand:\n---\nbody",
			want: Response{ID: "x", Title: "X", Body: "body"},
		},
		{
			name: "body may contain --- lines",
			in:   "---\ntitle: t\n---\na\n---\nb",
			want: Response{ID: "x", Title: "t", Body: "a\n---\nb"},
		},
		{name: "unclosed front matter", in: "---\ntitle: t\nbody", errLine: 1, errText: "never closed"},
		{name: "line without colon", in: "---\ntitle: t\njust words\n---\nbody", errLine: 3, errText: `"just words" is not a "key: value" line`},
		{name: "unknown key", in: "---\ntitel: t\n---\nbody", errLine: 2, errText: `unknown key "titel"`},
		{name: "duplicate key", in: "---\ntitle: a\ntitle: b\n---\nbody", errLine: 3, errText: "title is already set on line 2"},
		{name: "bad lang", in: "---\nlang: English\n---\nbody", errLine: 2, errText: `lang "English" is not a language code`},
		{name: "shortcut with a space", in: "---\nshortcut: re book\n---\nbody", errLine: 2, errText: "must be one word"},
		{name: "empty body", in: "---\ntitle: t\n---\n\n  \n", errText: "body is empty"},
		{name: "empty file", in: "", errText: "body is empty"},
		{name: "template error gets the file line", in: "---\ntitle: t\n---\n\nHi\n{{.Name\n", errLine: 6, errText: "template: unclosed action"},
		{name: "refused template construct gets the file line", in: "---\ntitle: t\n---\nHi\n\n{{range .Name}}{{end}}", errLine: 6, errText: "{{range}}"},
		{name: "invalid utf-8", in: "---\ntitle: \xff\n---\nbody", errText: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("x", []byte(tt.in))
			if tt.errText != "" {
				if err == nil {
					t.Fatalf("Parse = %+v, want error %q", got, tt.errText)
				}
				checkLineError(t, err, func(e *FileError) int { return e.Line }, tt.errLine, tt.errText)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// checkLineError checks that err is an E (*FileError or *TemplateError)
// whose line is wantLine and whose message contains wantText.
func checkLineError[E error](t *testing.T, err error, line func(E) int, wantLine int, wantText string) {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error %v is %T, want %T", err, err, e)
	}
	if got := line(e); got != wantLine {
		t.Errorf("line = %d, want %d (%v)", got, wantLine, err)
	}
	if !strings.Contains(err.Error(), wantText) {
		t.Errorf("error %q lacks %q", err, wantText)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFile(t, dir, "b-thanks.txt", "Thanks {{.Name}}!")
	testkit.WriteFile(t, dir, "a-rebook.md", "---\ntitle: Rebook\nbrand: Skylark Air\nshortcut: rebook\n---\nHi {{.Name}}")
	testkit.WriteFile(t, dir, "README.md", "# My canned responses\n")
	testkit.WriteFile(t, dir, ".draft.md", "hidden")
	testkit.WriteFile(t, dir, "notes.json", "{}")
	testkit.WriteFile(t, dir, "c-upper.MD", "upper-case extension")
	if err := os.Mkdir(filepath.Join(dir, "sub.md"), 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, filepath.Join(dir, "sub.md"), "inner.md", "not read")

	got, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
		if r.Builtin || r.Path != filepath.Join(dir, filepath.Base(r.Path)) {
			t.Errorf("%s: Path %q Builtin %v", r.ID, r.Path, r.Builtin)
		}
	}
	if want := []string{"a-rebook", "b-thanks", "c-upper"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	if got[0].Title != "Rebook" || got[0].Brand != "Skylark Air" || got[0].Body != "Hi {{.Name}}" {
		t.Errorf("a-rebook = %+v", got[0])
	}
	if got[1].Title != "B thanks" || got[1].Body != "Thanks {{.Name}}!" {
		t.Errorf("b-thanks = %+v", got[1])
	}
}

func TestLoadMissingFolder(t *testing.T) {
	got, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(got) != 0 {
		t.Fatalf("Load(missing) = %v, %v; want empty, nil", got, err)
	}
}

func TestLoadNotAFolder(t *testing.T) {
	p := testkit.WriteFile(t, t.TempDir(), "file", "x")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Load(file) err = %v, want an error naming %s", err, p)
	}
}

func TestLoadBadFilesDoNotStopTheOthers(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFile(t, dir, "good.md", "---\ntitle: Good\n---\nfine")
	bad := map[string]string{
		"unclosed.md":  "---\ntitle: x\nno end",
		"unknown.md":   "---\ncolour: red\n---\nbody",
		"empty.txt":    "",
		"template.md":  "Hi {{.Name",
		"dup.txt":      "duplicate of dup.md",
		"dup.md":       "the first dup",
		"toolarge.txt": strings.Repeat("x", MaxFileSize+1),
	}
	for name, content := range bad {
		testkit.WriteFile(t, dir, name, content)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling.md")); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if want := []string{"dup", "good"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("loaded %v, want %v", ids, want)
	}
	if err == nil {
		t.Fatal("no error for the bad files")
	}
	msg := err.Error()
	for name, why := range map[string]string{
		"unclosed.md":  "never closed",
		"unknown.md":   `unknown key "colour"`,
		"empty.txt":    "body is empty",
		"template.md":  "unclosed action",
		"dup.txt":      `duplicate id "dup"`,
		"toolarge.txt": "larger than",
		"dangling.md":  "no such file",
	} {
		line := lineContaining(msg, filepath.Join(dir, name))
		if line == "" {
			t.Errorf("error does not name %s:\n%s", name, msg)
			continue
		}
		if !strings.Contains(line, why) {
			t.Errorf("error for %s does not say %q: %s", name, why, line)
		}
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Errorf("joined error holds no *FileError: %v", err)
	}
}

func lineContaining(msg, s string) string {
	for line := range strings.SplitSeq(msg, "\n") {
		if strings.Contains(line, s+":") {
			return line
		}
	}
	return ""
}

func TestLoadUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFile(t, dir, "ok.md", "fine")
	p := testkit.WriteFile(t, dir, "secret.md", "cannot read me")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, 0o644) })
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not make a file unreadable")
	}
	if _, err := os.ReadFile(p); err == nil {
		t.Skip("this file system ignores permissions")
	}
	got, err := Load(dir)
	if len(got) != 1 || got[0].ID != "ok" {
		t.Errorf("loaded %+v, want only ok", got)
	}
	if err == nil || !strings.Contains(err.Error(), p) || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("err = %v, want a permission error naming %s", err, p)
	}
}

func TestNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "canned", "nested")
	r := Response{
		ID: "outage-es", Title: `"Corte" de luz: estimación`, Tags: []string{"corte", "luz"},
		Brand: "Northwind Energy", Lang: "es", Shortcut: "outage",
		Body: "\n \n---\nHola {{.Name}},\r\n  estimamos {{.restoration_estimate}}.\n\n",
	}
	p, err := New(dir, r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p != filepath.Join(dir, "outage-es.md") {
		t.Errorf("path = %q", p)
	}
	got, err := Load(dir)
	if err != nil || len(got) != 1 {
		t.Fatalf("Load after New = %v, %v", got, err)
	}
	want := r
	want.Body = "---\nHola {{.Name}},\n  estimamos {{.restoration_estimate}}."
	want.Path = p
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got[0], want)
	}

	// refuses to overwrite, whatever the extension of the existing file
	if _, err := New(dir, r); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second New: err = %v, want ErrExist", err)
	}
	testkit.WriteFile(t, dir, "plain.txt", "old")
	if _, err := New(dir, Response{ID: "plain", Title: "t", Body: "new"}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("New over plain.txt: err = %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "plain.txt")); string(b) != "old" {
		t.Errorf("plain.txt was changed to %q", b)
	}
}

func TestNewRejects(t *testing.T) {
	dir := t.TempDir()
	ok := Response{ID: "fine", Title: "Fine", Body: "Hi"}
	tests := []struct {
		name string
		edit func(*Response)
		want string
	}{
		{"empty id", func(r *Response) { r.ID = "" }, "empty"},
		{"path in id", func(r *Response) { r.ID = "../escape" }, "use letters"},
		{"slash in id", func(r *Response) { r.ID = "a/b" }, "use letters"},
		{"hidden id", func(r *Response) { r.ID = ".hidden" }, "use letters"},
		{"extension in id", func(r *Response) { r.ID = "x.md" }, "leave out the extension"},
		{"readme id", func(r *Response) { r.ID = "README" }, "reserved"},
		{"title on two lines", func(r *Response) { r.Title = "a\nb" }, "title must be one line"},
		{"shortcut with space", func(r *Response) { r.Shortcut = "a b" }, "one word"},
		{"tag with comma", func(r *Response) { r.Tags = []string{"a,b"} }, "comma"},
		{"bad lang", func(r *Response) { r.Lang = "english" }, "language code"},
		{"empty body", func(r *Response) { r.Body = " \n" }, "body is empty"},
		{"broken template", func(r *Response) { r.Body = "{{.Name" }, "unclosed action"},
		{"padded brand", func(r *Response) { r.Brand = " Skylark" }, "spaces"},
		{"duplicate tags", func(r *Response) { r.Tags = []string{"a", "A"} }, "would not read back"},
		{"unknown variable is fine, bad syntax is not", func(r *Response) { r.Body = "{{range .x}}{{end}}" }, "{{range}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			p, err := New(dir, r)
			if err == nil {
				t.Fatalf("New = %q, want an error", p)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("rejected responses left files: %v", entries)
	}
}

func TestBuiltin(t *testing.T) {
	all, err := loadBuiltin()
	if err != nil {
		t.Fatalf("builtin responses do not parse: %v", err)
	}
	files, _ := builtinFS.ReadDir("builtin")
	if len(all) != len(files) || len(all) != len(Builtin()) {
		t.Fatalf("%d builtin responses from %d files", len(all), len(files))
	}
	ids := map[string]bool{}
	langs := map[string]int{}
	brands := map[string]map[string]bool{} // brand -> shortcuts
	for _, r := range all {
		if ids[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		if !r.Builtin || r.Path != "builtin/"+r.ID+".md" {
			t.Errorf("%s: Builtin %v Path %q", r.ID, r.Builtin, r.Path)
		}
		if r.Title == "" || r.Lang == "" || r.Shortcut == "" || len(r.Tags) == 0 {
			t.Errorf("%s: missing title, lang, shortcut or tags: %+v", r.ID, r)
		}
		langs[r.Lang]++
		if brands[r.Brand] == nil {
			brands[r.Brand] = map[string]bool{}
		}
		brands[r.Brand][r.Shortcut] = true
	}
	for _, l := range []string{"en", "es", "fr", "pl", "hu", "et"} {
		if langs[l] < 2 {
			t.Errorf("only %d builtin responses in %s", langs[l], l)
		}
	}
	for brand, shortcuts := range map[string][]string{
		"Skylark Air":      {"rebook", "stranded", "bag", "thanks"},
		"Petal & Stem":     {"areas", "order", "sorry", "thanks"},
		"Northwind Energy": {"outage", "medical", "billing", "thanks"},
		"":                 {"dm", "follow", "thanks"},
	} {
		for _, s := range shortcuts {
			if !brands[brand][s] {
				t.Errorf("brand %q has no builtin with shortcut %q", brand, s)
			}
		}
	}
}

// TestBuiltinsRender renders every builtin with the values a demo brand
// provides: none may fail, leave template syntax behind, or exceed what one
// post on X (280) can hold.
func TestBuiltinsRender(t *testing.T) {
	v := Vars{
		Name: "María", Handle: "@maria@social.example", Agent: "Jane Doe", Initials: "JD", Ticket: "C-1042",
		Status: "https://northwind.example/@northwind/1",
		Custom: map[string]string{
			"rebook_url":           "https://skylark.example/rebook",
			"care_url":             "https://skylark.example/care",
			"baggage_url":          "https://skylark.example/bags",
			"delivery_areas_url":   "https://petal.example/areas",
			"order_url":            "https://petal.example/orders",
			"outage_map_url":       "https://northwind.example/map",
			"restoration_estimate": "today 18:00",
			"medical_register_url": "https://northwind.example/psr",
			"priority_phone":       "0800 123 456",
			"billing_url":          "https://northwind.example/bill",
		},
	}
	used := map[string]bool{}
	for _, r := range Builtin() {
		v.Brand = r.Brand
		if v.Brand == "" {
			v.Brand = "Skylark Air"
		}
		out, err := Render(r.Body, v)
		if err != nil {
			t.Errorf("%s: %v", r.ID, err)
			continue
		}
		if strings.Contains(out, "{{") || strings.Contains(out, "<no value>") {
			t.Errorf("%s rendered %q", r.ID, out)
		}
		if n := utf8.RuneCountInString(out); n > 280 {
			t.Errorf("%s is %d characters with short values; keep builtins within one post", r.ID, n)
		}
		vars, err := Variables(r.Body)
		if err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		for _, name := range vars {
			used[name] = true
		}
	}
	for k := range v.Custom {
		if !used[k] {
			t.Errorf("sample value %s is used by no builtin", k)
		}
	}
}
