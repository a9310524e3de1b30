package canned

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/hark-tui/hark/textsafe"
)

// Vars are the values a response body or a signature can use:
//
//	{{.Name}}      customer display name, or the handle when it is empty
//	{{.Handle}}    customer handle
//	{{.Brand}}     brand name
//	{{.Agent}}     agent's name
//	{{.Initials}}  agent's initials
//	{{.Ticket}}    conversation id
//	{{.Status}}    link to the brand's latest status post on the customer's
//	               network (rendering fails with ErrNoStatus when it has none)
//
// plus the brand's Custom values by key ({{.order_url}}); a custom key with
// a built-in name is ignored. Name, Handle and Status come from the
// network: they go in as textsafe.Outgoing makes them (escape sequences, control, bidi
// and invisible format characters removed, whitespace collapsed), so they
// cannot break or disguise the reply.
type Vars struct {
	Name, Handle, Brand, Agent, Initials, Ticket string
	Status                                       string
	Custom                                       map[string]string
}

// builtinVars are the names Vars always provides, in documentation order.
func builtinVars() []string {
	return []string{"Name", "Handle", "Brand", "Agent", "Initials", "Ticket", "Status"}
}

// ErrNoStatus is a response using {{.Status}} for a brand with no status
// post on the customer's network.
var ErrNoStatus = errors.New("{{.Status}} is the link to the brand's latest status post on this network, and there is none yet: post one first (P, or hark post)")

// MaxRendered is the longest output Render produces.
const MaxRendered = 64 << 10

// UnknownVariableError is a template that uses a variable Vars does not
// provide.
type UnknownVariableError struct {
	Name  string   // the variable, without the dot
	Known []string // what was available
}

func (e *UnknownVariableError) Error() string {
	return fmt.Sprintf("unknown variable {{.%s}} (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

// TemplateError is a template that does not parse, uses something canned
// templates do not allow, or fails while rendering.
type TemplateError struct {
	Line int // line in the template, 1-based; 0 if unknown
	Msg  string
}

func (e *TemplateError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("template line %d: %s", e.Line, e.Msg)
	}
	return "template: " + e.Msg
}

// Render fills in body, a Go text/template, with v. It is strict: a
// variable v does not provide is an *UnknownVariableError naming it, never
// rendered as "<no value>", and a template that does not parse is a
// *TemplateError. Besides variables, templates may use if/else/with,
// comparisons and the functions and, or, not, eq, ne, lt, le, gt, ge, len,
// print, html, js, urlquery, upper, lower, trim and default
// ({{default "there" .Name}}); range, template/define/block and printf are
// refused.
func Render(body string, v Vars) (string, error) {
	if v.Status == "" && strings.Contains(body, "Status") {
		if used, err := Variables(body); err == nil && slices.Contains(used, "Status") {
			return "", fmt.Errorf("canned: render: %w", ErrNoStatus)
		}
	}
	out, err := render(body, v)
	if err != nil {
		return "", fmt.Errorf("canned: render: %w", err)
	}
	return out, nil
}

// Signature renders a brand signature such as "^{{.Initials}}" or
// "– {{.Agent}}, {{.Brand}}" with the same rules as Render. An empty
// signature renders as "".
func Signature(sig string, v Vars) (string, error) {
	if strings.TrimSpace(sig) == "" {
		return "", nil
	}
	out, err := render(sig, v)
	if err != nil {
		return "", fmt.Errorf("canned: signature: %w", err)
	}
	return out, nil
}

// Signed appends a signature the way operators write them: "^JD" on the
// same line, anything longer on its own line.
func Signed(text, sig string) string {
	text = strings.TrimRight(text, " \n")
	if sig == "" || strings.HasSuffix(text, sig) {
		return text
	}
	if strings.HasPrefix(sig, "^") && !strings.Contains(sig, " ") {
		return text + " " + sig
	}
	return text + "\n" + sig
}

// Variables lists the variables body uses, sorted, so a caller can check a
// brand provides them before an agent picks the response.
func Variables(body string) ([]string, error) {
	t, err := parseTemplate(body)
	if err != nil {
		return nil, fmt.Errorf("canned: %w", err)
	}
	c := checker{src: body}
	if t.Tree != nil {
		if err := c.node(t.Tree.Root); err != nil {
			return nil, fmt.Errorf("canned: %w", err)
		}
	}
	slices.Sort(c.used)
	return slices.Compact(c.used), nil
}

func render(body string, v Vars) (string, error) {
	t, err := parseTemplate(body)
	if err != nil {
		return "", err
	}
	data := v.data()
	if t.Tree == nil {
		return "", nil
	}
	c := checker{src: body, known: data}
	if err := c.node(t.Tree.Root); err != nil {
		return "", err
	}
	w := &limitedWriter{max: MaxRendered}
	if err := t.Execute(w, data); err != nil {
		if errors.Is(err, errTooLong) {
			return "", &TemplateError{Msg: fmt.Sprintf("output is longer than %d bytes", MaxRendered)}
		}
		if m := noEntry.FindStringSubmatch(err.Error()); m != nil {
			return "", &UnknownVariableError{Name: m[1], Known: knownNames(data)}
		}
		return "", templateError(err)
	}
	out := w.b.String()
	if strings.Contains(out, "<no value>") && !strings.Contains(body, "<no value>") {
		return "", &TemplateError{Msg: "a value is missing (rendered as <no value>)"}
	}
	return out, nil
}

// data is the flat map templates see.
func (v Vars) data() map[string]string {
	d := make(map[string]string, len(v.Custom)+6)
	for k, val := range v.Custom {
		d[k] = val
	}
	name := textsafe.Outgoing(v.Name)
	handle := textsafe.Outgoing(v.Handle)
	if name == "" {
		name = handle
	}
	d["Name"] = name
	d["Handle"] = handle
	d["Brand"] = v.Brand
	d["Agent"] = v.Agent
	d["Initials"] = v.Initials
	d["Ticket"] = v.Ticket
	d["Status"] = textsafe.Outgoing(v.Status) // a URL the network gave
	return d
}

func knownNames(data map[string]string) []string {
	known := builtinVars()
	var custom []string
	for k := range data {
		if !slices.Contains(known, k) {
			custom = append(custom, k)
		}
	}
	slices.Sort(custom)
	return append(known, custom...)
}

// allowedFuncs are the functions templates may call.
func allowedFuncs() []string {
	return []string{
		"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len",
		"print", "html", "js", "urlquery", "upper", "lower", "trim", "default",
	}
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"trim":  strings.TrimSpace,
		"default": func(def, v string) string {
			if strings.TrimSpace(v) == "" {
				return def
			}
			return v
		},
	}
}

const templateName = "response"

func parseTemplate(body string) (*template.Template, error) {
	t, err := template.New(templateName).Option("missingkey=error").Funcs(funcs()).Parse(body)
	if err != nil {
		return nil, templateError(err)
	}
	for _, other := range t.Templates() {
		if other.Name() != templateName {
			return nil, &TemplateError{Msg: fmt.Sprintf("{{define %q}} and {{block}} are not allowed in canned responses", other.Name())}
		}
	}
	if t.Tree != nil {
		if err := (&checker{src: body}).node(t.Tree.Root); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// errLine matches text/template's "template: response:3:7: message" and
// "template: response:3: message".
var errLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)? ?(.*)$`)

// noEntry matches missingkey=error's message.
var noEntry = regexp.MustCompile(`map has no entry for key "([^"]*)"`)

func templateError(err error) *TemplateError {
	msg := err.Error()
	if m := errLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &TemplateError{Line: line, Msg: m[2]}
	}
	return &TemplateError{Msg: strings.TrimPrefix(msg, "template: ")}
}

// checker walks a parsed template: it refuses constructs canned templates
// do not allow, records the variables used and, when known is set, reports
// the first one known lacks.
type checker struct {
	src   string // the template source, for line numbers
	known map[string]string
	used  []string
	with  int // depth of {{with}} bodies, where dot is not the variables
}

func (c *checker) fail(n parse.Node, format string, a ...any) error {
	return &TemplateError{Line: c.lineOf(n), Msg: fmt.Sprintf(format, a...)}
}

// lineOf is n's 1-based line in the template source.
func (c *checker) lineOf(n parse.Node) int {
	pos := int(n.Position())
	if pos < 0 || pos > len(c.src) {
		return 0
	}
	return 1 + strings.Count(c.src[:pos], "\n")
}

func (c *checker) variable(n parse.Node, name string) error {
	c.used = append(c.used, name)
	if c.known == nil {
		return nil
	}
	if _, ok := c.known[name]; !ok {
		return &UnknownVariableError{Name: name, Known: knownNames(c.known)}
	}
	return nil
}

func (c *checker) node(n parse.Node) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, child := range n.Nodes {
			if err := c.node(child); err != nil {
				return err
			}
		}
	case *parse.TextNode, *parse.CommentNode:
	case *parse.ActionNode:
		return c.pipe(n.Pipe)
	case *parse.IfNode:
		return c.branch(&n.BranchNode, false)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, true)
	case *parse.RangeNode:
		return c.fail(n, "{{range}} loops are not allowed in canned responses")
	case *parse.TemplateNode:
		return c.fail(n, "{{template}} is not allowed in canned responses")
	case *parse.BreakNode, *parse.ContinueNode:
		return c.fail(n, "{{break}} and {{continue}} are not allowed in canned responses")
	default:
		return c.fail(n, "%s is not allowed in canned responses", n)
	}
	return nil
}

func (c *checker) branch(b *parse.BranchNode, with bool) error {
	if err := c.pipe(b.Pipe); err != nil {
		return err
	}
	if with {
		c.with++
	}
	err := c.node(b.List)
	if with {
		c.with--
	}
	if err != nil {
		return err
	}
	return c.node(b.ElseList)
}

func (c *checker) pipe(p *parse.PipeNode) error {
	if p == nil {
		return nil
	}
	for _, cmd := range p.Cmds {
		for _, arg := range cmd.Args {
			if err := c.arg(arg); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checker) arg(n parse.Node) error {
	switch n := n.(type) {
	case *parse.FieldNode:
		if c.with == 0 {
			return c.variable(n, n.Ident[0])
		}
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			if len(n.Ident) == 1 {
				return c.fail(n, "{{$}} is not a variable; use one such as {{$.Name}}")
			}
			return c.variable(n, n.Ident[1])
		}
	case *parse.ChainNode:
		return c.arg(n.Node)
	case *parse.PipeNode:
		return c.pipe(n)
	case *parse.IdentifierNode:
		if !slices.Contains(allowedFuncs(), n.Ident) {
			return c.fail(n, "function %q is not allowed in canned responses (allowed: %s)",
				n.Ident, strings.Join(allowedFuncs(), ", "))
		}
	case *parse.DotNode:
		if c.with == 0 {
			return c.fail(n, "{{.}} is not a variable; use one such as {{.Name}}")
		}
	case *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
	default:
		return c.fail(n, "%s is not allowed in canned responses", n)
	}
	return nil
}

var errTooLong = errors.New("output too long")

// limitedWriter collects at most max bytes.
type limitedWriter struct {
	b   strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errTooLong
	}
	return w.b.Write(p)
}
