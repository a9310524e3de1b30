package canned

import (
	"errors"
	"strings"
	"testing"
)

func sampleVars() Vars {
	return Vars{
		Name: "María López", Handle: "@maria@social.example", Brand: "Skylark Air",
		Agent: "Jane Doe", Initials: "JD", Ticket: "C-1042",
		Custom: map[string]string{"order_url": "https://petal.example/o/77", "rebook_url": "https://skylark.example/rebook"},
	}
}

func TestRenderVariables(t *testing.T) {
	tests := []struct {
		name string
		body string
		vars Vars
		want string
	}{
		{"every variable",
			"{{.Name}}|{{.Handle}}|{{.Brand}}|{{.Agent}}|{{.Initials}}|{{.Ticket}}|{{.order_url}}",
			sampleVars(),
			"María López|@maria@social.example|Skylark Air|Jane Doe|JD|C-1042|https://petal.example/o/77"},
		{"no variables", "Thanks!", Vars{}, "Thanks!"},
		{"name falls back to handle", "Hi {{.Name}}", Vars{Handle: "@bob"}, "Hi @bob"},
		{"blank name falls back to handle", "Hi {{.Name}}", Vars{Name: " \t\u200b ", Handle: "@bob"}, "Hi @bob"},
		{"empty name and handle", "Hi {{.Name}}!", Vars{}, "Hi !"},
		{"custom value", "Track it at {{.order_url}}", sampleVars(), "Track it at https://petal.example/o/77"},
		{"custom cannot override a built-in", "{{.Name}}",
			Vars{Name: "Real", Custom: map[string]string{"Name": "Fake"}}, "Real"},
		{"dollar access", "{{$.Initials}}", sampleVars(), "JD"},
		{"if with a custom value", "{{if .order_url}}Track: {{.order_url}}{{else}}none{{end}}", sampleVars(), "Track: https://petal.example/o/77"},
		{"with binds dot", "{{with .rebook_url}}Rebook: {{.}}{{end}}", sampleVars(), "Rebook: https://skylark.example/rebook"},
		{"default function", "Hi {{default \"there\" .Agent}}", Vars{}, "Hi there"},
		{"upper lower trim", "{{upper .Initials}} {{lower .Brand}} [{{trim .Ticket}}]",
			Vars{Initials: "jd", Brand: "Skylark", Ticket: " 7 "}, "JD skylark [7]"},
		{"comparison", "{{if eq .Brand \"Skylark Air\"}}yes{{end}}", sampleVars(), "yes"},
		{"comment", "a{{/* note */}}b", Vars{}, "ab"},
		{"name is cleaned", "Hi {{.Name}}!", Vars{Name: "  Bob\n\n\u202eevil\u200b\x1b[31m  Smith\t"}, "Hi Bob evil Smith!"},
		{"escape sequences go with their bodies", "Hi {{.Name}}!", Vars{Name: "Ev\x1b]0;pwned\x07il\u009d8;;https://x.example\u009c Admin\u009b2J"}, "Hi Evil Admin!"},
		{"handle is cleaned", "{{.Handle}}", Vars{Handle: "@bo\u2066b\x00"}, "@bob"},
		{"emoji zwj in name kept", "{{.Name}}", Vars{Name: "Anna 👨\u200d👩\u200d👧"}, "Anna 👨\u200d👩\u200d👧"},
		{"config values are not cleaned", "{{.Agent}}", Vars{Agent: "Jane  Doe"}, "Jane  Doe"},
		{"html escaping is opt-in", "{{html .Name}}", Vars{Name: "<b>"}, "&lt;b&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.body, tt.vars)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestRenderUnknownVariable(t *testing.T) {
	for _, body := range []string{
		"Track it at {{.order_url}}",
		"{{if .order_url}}x{{end}}",
		"{{$.order_url}}",
		"{{upper .order_url}}",
		"{{with .Name}}{{end}}{{.order_url}}",
		"{{ (.order_url) }}",
	} {
		t.Run(body, func(t *testing.T) {
			out, err := Render(body, Vars{Name: "Bob", Custom: map[string]string{"rebook_url": "x"}})
			if err == nil {
				t.Fatalf("Render(%q) = %q, want an error", body, out)
			}
			if out != "" {
				t.Errorf("output %q returned with an error", out)
			}
			var uv *UnknownVariableError
			if !errors.As(err, &uv) || uv.Name != "order_url" {
				t.Fatalf("error %v (%T) does not name order_url as unknown", err, err)
			}
			msg := err.Error()
			for _, want := range []string{"order_url", "unknown variable", "rebook_url", "Name"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "<no value>") {
				t.Errorf("message mentions <no value>: %q", msg)
			}
		})
	}
}

func TestRenderTemplateErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		line     int
		contains string
	}{
		{"unclosed action", "Hi\n{{.Name", 2, "unclosed action"},
		{"bad character", "{{.order-url}}", 1, "bad character"},
		{"unknown function", "{{shout .Name}}", 1, `"shout" not defined`},
		{"unclosed if", "{{if .Name}}x", 1, "unexpected EOF"},
		{"range refused", "a\n{{range .Name}}x{{end}}", 2, "{{range}}"},
		{"range over int refused", "{{range 1000000}}x{{end}}", 1, "{{range}}"},
		{"define refused", `{{define "x"}}a{{end}}b`, 0, "define"},
		{"block refused", `{{block "x" .}}a{{end}}`, 0, "define"},
		{"template call refused", `{{template "response"}}`, 1, "{{template}}"},
		{"printf refused", `{{printf "%0999999999d" 1}}`, 1, `"printf" is not allowed`},
		{"call refused", `{{call .Name}}`, 1, `"call" is not allowed`},
		{"index refused", `{{index . "Name"}}`, 1, `"index" is not allowed`},
		{"whole dot refused", "{{.}}", 1, "{{.}} is not a variable"},
		{"whole dollar refused", "a\n\n{{$}}", 3, "{{$}} is not a variable"},
		{"field of a string", "{{.Name.First}}", 1, "can't evaluate field First"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.body, sampleVars())
			if err == nil {
				t.Fatalf("Render(%q) = %q, want an error", tt.body, out)
			}
			checkLineError(t, err, func(e *TemplateError) int { return e.Line }, tt.line, tt.contains)
			if !strings.HasPrefix(err.Error(), "canned: render: ") {
				t.Errorf("error %q lacks context", err)
			}
		})
	}
}

func TestRenderOutputLimit(t *testing.T) {
	body := strings.Repeat("{{.Name}}", 100)
	_, err := Render(body, Vars{Name: strings.Repeat("n", 1000)})
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v, want output too long", err)
	}
}

func TestSignature(t *testing.T) {
	v := sampleVars()
	tests := []struct{ sig, want string }{
		{"^{{.Initials}}", "^JD"},
		{"– {{.Agent}}, {{.Brand}}", "– Jane Doe, Skylark Air"},
		{"", ""},
		{"   ", ""},
		{"^JD", "^JD"},
	}
	for _, tt := range tests {
		got, err := Signature(tt.sig, v)
		if err != nil || got != tt.want {
			t.Errorf("Signature(%q) = %q, %v; want %q", tt.sig, got, err, tt.want)
		}
	}
	_, err := Signature("^{{.initials}}", v)
	var uv *UnknownVariableError
	if !errors.As(err, &uv) || uv.Name != "initials" || !strings.Contains(err.Error(), "signature") {
		t.Errorf("Signature with a typo: err = %v, want unknown variable initials in a signature", err)
	}
	if _, err := Signature("^{{.Initials", v); err == nil {
		t.Error("Signature with a parse error: no error")
	}
}

func TestVariables(t *testing.T) {
	got, err := Variables("Hi {{.Name}}, see {{.order_url}} {{if .Ticket}}({{.Ticket}}){{end}} {{with .x}}{{.y}}{{end}} {{$.Agent}}")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Agent", "Name", "Ticket", "order_url", "x"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Variables = %v, want %v", got, want)
	}
	if _, err := Variables("{{.Name"); err == nil {
		t.Error("Variables of a broken template: no error")
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Hi {{.Name}}, see {{.order_url}}", "María", "@m", "order_url", "https://x")
	f.Add("{{if .Name}}{{.Name}}{{else}}{{.Handle}}{{end}}", "", "@h", "k", "v")
	f.Add("{{with .k}}{{.}}{{end}}", "n", "h", "k", "v")
	f.Add("{{.Name", "", "", "", "")
	f.Add("{{range 3}}x{{end}}", "", "", "", "")
	f.Add(`{{printf "%d" 1}}`, "", "", "", "")
	f.Add("{{default \"there\" .Name | upper}}", "", "", "", "")
	for _, r := range Builtin() {
		f.Add(r.Body, "Ann", "@ann", "order_url", "u")
	}
	f.Fuzz(func(t *testing.T, body, name, handle, key, value string) {
		v := Vars{Name: name, Handle: handle, Brand: "B", Agent: "A", Initials: "I", Ticket: "T",
			Custom: map[string]string{key: value}}
		out, err := Render(body, v)
		if err != nil {
			if out != "" {
				t.Fatalf("Render returned %q with error %v", out, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if strings.Contains(out, "<no value>") && !strings.Contains(body, "<no value>") &&
			!strings.Contains(name+handle+value, "<no value>") {
			t.Fatalf("Render(%q) = %q contains <no value>", body, out)
		}
		if len(out) > MaxRendered {
			t.Fatalf("output is %d bytes", len(out))
		}
		if _, err := Variables(body); err != nil {
			t.Fatalf("Render accepted %q but Variables says %v", body, err)
		}
	})
}

func TestStatusVariable(t *testing.T) {
	body := "Updates: {{.Status}}"
	got, err := Render(body, Vars{Name: "Ana", Status: "https://m.example/@brand/1"})
	if err != nil || got != "Updates: https://m.example/@brand/1" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := Render(body, Vars{Name: "Ana"}); !errors.Is(err, ErrNoStatus) {
		t.Fatalf("no status post: %v, want ErrNoStatus", err)
	}
	// a body that does not use it renders without one
	if got, err := Render("Hi {{.Name}} (Status page soon)", Vars{Name: "Ana"}); err != nil || got != "Hi Ana (Status page soon)" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestSigned(t *testing.T) {
	for _, tt := range []struct{ text, sig, want string }{
		{"Thanks!", "^JD", "Thanks! ^JD"},
		{"Thanks!  \n", "^JD", "Thanks! ^JD"},
		{"Thanks! ^JD", "^JD", "Thanks! ^JD"}, // signed already
		{"Thanks!", "– Jane, Skylark Air", "Thanks!\n– Jane, Skylark Air"},
		{"Thanks!", "^J D", "Thanks!\n^J D"},
		{"Thanks! \n", "", "Thanks!"},
	} {
		if got := Signed(tt.text, tt.sig); got != tt.want {
			t.Errorf("Signed(%q, %q) = %q, want %q", tt.text, tt.sig, got, tt.want)
		}
	}
}
