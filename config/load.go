package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// keyDelim separates nested keys inside viper. It is not "." so that map
// keys containing dots (vars, keys) survive flattening.
const keyDelim = "::"

// envKey is a config key that HARK_* environment variables can set.
type envKey struct {
	key string // viper key, keyDelim-separated
	env string // environment variable
}

// envKeys lists the settings the environment can override. Lists (brands,
// accounts, feeds) cannot be set from the environment.
func envKeys() []envKey {
	keys := []string{
		"profile", "store", "log_file", "canned_dir", "demo",
		"agent::name", "agent::initials",
		"theme::name", "theme::bell",
		"outbox::max_attempts", "team::claim_idle", "media::preview",
	}
	out := make([]envKey, len(keys))
	for i, k := range keys {
		out[i] = envKey{key: k, env: "HARK_" + strings.ToUpper(strings.ReplaceAll(k, keyDelim, "_"))}
	}
	return out
}

// EnvVars returns the HARK_* environment variables Load reads.
func EnvVars() []string {
	ks := envKeys()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.env
	}
	return out
}

// Load reads the config file at path ("" = the XDG default from Paths),
// overlays HARK_* environment variables and fills in defaults. A missing
// default file is not an error: Load then returns the Demo configuration
// (Demo=true, Path="") with the environment applied. A missing file named
// explicitly is an error.
//
// Decoding is strict: unknown keys and values of the wrong type are errors.
// Every error is a *FieldError (several are joined with errors.Join) naming
// the file, the key and what to do. Load does not call Validate: the caller
// applies command-line flags first, then validates.
func Load(path string) (*Config, error) {
	defFile, _ := Paths()
	explicit := path != ""
	if !explicit {
		path = defFile
	}
	path = expandHome(path)

	v := viper.NewWithOptions(viper.KeyDelimiter(keyDelim))
	v.SetConfigType("yaml")
	v.SetEnvPrefix("HARK")
	v.SetEnvKeyReplacer(strings.NewReplacer(keyDelim, "_"))
	v.AutomaticEnv()
	for _, k := range envKeys() {
		if err := v.BindEnv(k.key); err != nil {
			return nil, fmt.Errorf("config: binding %s: %w", k.env, err)
		}
	}

	var c *Config
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return nil, &FieldError{File: path, Reason: "not valid YAML: " + yamlReason(err, data) + " (fix the syntax; `hark init` writes a commented example to compare with)", Err: err}
		}
		c = &Config{}
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		c = demoBase()
		path = ""
	case errors.Is(err, fs.ErrNotExist):
		return nil, &FieldError{File: path, Reason: "file not found: check the path, or run `hark init` to write a commented example", Err: err}
	default:
		return nil, &FieldError{File: path, Reason: "cannot read the file: " + err.Error(), Err: err}
	}

	if err := v.UnmarshalExact(c, strictDecoding); err != nil {
		return nil, decodeErrors(path, err)
	}
	c.Path = path
	c.FillDefaults()
	return c, nil
}

func yamlReason(err error, data []byte) string {
	msg := err.Error()
	var pe viper.ConfigParseError
	if errors.As(err, &pe) {
		if u := errors.Unwrap(pe); u != nil {
			msg = u.Error()
		}
	}
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	reported, _ := strconv.Atoi(m[1])
	what := m[2]
	line := problemLine(data)
	if line <= reported {
		return fmt.Sprintf("line %d: %s", reported, what)
	}
	return fmt.Sprintf("line %d: %s (in what starts at line %d)", line, what, reported)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// problemLine is the line of the mistake: the document up to the line
// before it parses, and no longer prefix does. The YAML parser's own
// message names the line where the enclosing block starts (its
// "context"), which for a mis-indented key or a tab is lines above the
// mistake. 0 when it cannot tell.
func problemLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 5000 {
		return 0 // a config is a few hundred lines; don't spend seconds on a huge file
	}
	// A prefix cut inside a multi-line flow list ("[a,\n b]") or quoted
	// text fails too, so the first failing prefix can be innocent: the
	// mistake is just after the longest prefix that parses.
	for n := len(lines) - 1; n >= 0; n-- {
		var v any
		if yaml.Unmarshal(bytes.Join(lines[:n], nil), &v) == nil {
			return n + 1
		}
	}
	return 0
}

// strictDecoding turns off viper's weak typing ("yes" into a bool, 1 into
// a string) and installs hark's own hook: durations need a unit, strings
// from the environment parse into bools and ints, and numbers never
// silently truncate.
func strictDecoding(dc *mapstructure.DecoderConfig) {
	dc.WeaklyTypedInput = false
	dc.ErrorUnused = true
	dc.DecodeHook = mapstructure.DecodeHookFuncType(strictHook)
}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	timeType     = reflect.TypeOf(time.Time{})
	secretType   = reflect.TypeOf(Secret(""))
)

// parseText parses the string in data (spaces trimmed) with parse; isNot
// ends the error for one it refuses ("is not true or false").
func parseText[T any](data any, parse func(string) (T, error), isNot string) (any, error) {
	s := strings.TrimSpace(reflect.ValueOf(data).String())
	v, err := parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q %s", s, isNot)
	}
	return v, nil
}

func strictHook(from, to reflect.Type, data any) (any, error) {
	if to == durationType {
		switch from.Kind() {
		case reflect.String:
			return parseText(data, time.ParseDuration, `is not a duration: write it like "90s", "5m" or "1h30m"`)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			return nil, fmt.Errorf("%v has no unit: write a duration like \"90s\" or \"5m\"", data)
		}
		return data, nil
	}
	if from == timeType && to.Kind() == reflect.String {
		// YAML reads an unquoted 2026-12-25 as a timestamp; hark wants text.
		t := data.(time.Time)
		if t.Equal(t.Truncate(24*time.Hour)) && t.Location() == time.UTC {
			return t.Format(time.DateOnly), nil
		}
		return t.Format(time.RFC3339), nil
	}
	switch to.Kind() {
	case reflect.Struct, reflect.Map:
		if k := from.Kind(); k != reflect.Map && k != reflect.Struct {
			return nil, fmt.Errorf("expected %s, got %s", describeWant(to), describeGot(data))
		}
	case reflect.Slice:
		if k := from.Kind(); k != reflect.Slice && k != reflect.Array {
			return nil, fmt.Errorf("expected %s, got %s", describeWant(to), describeGot(data))
		}
	case reflect.Bool:
		if from.Kind() == reflect.String {
			return parseText(data, strconv.ParseBool, "is not true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch from.Kind() {
		case reflect.String:
			return parseText(data, strconv.Atoi, "is not a whole number")
		case reflect.Float32, reflect.Float64:
			f := reflect.ValueOf(data).Float()
			if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("%v is not a whole number", data)
			}
			return int(f), nil
		}
	}
	return data, nil
}

// decodeErrors turns mapstructure's joined errors into FieldErrors.
func decodeErrors(file string, err error) error {
	var out []error
	var walk func(err error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var de *mapstructure.DecodeError
		if d, ok := err.(*mapstructure.DecodeError); ok {
			de = d
		}
		switch {
		case de != nil:
			inner := de.Unwrap()
			if containsDecodeError(inner) {
				walk(inner)
				return
			}
			out = append(out, leafErrors(file, de.Name(), inner)...)
		default:
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range j.Unwrap() {
					walk(e)
				}
				return
			}
			if u := errors.Unwrap(err); u != nil && containsDecodeError(u) {
				walk(u) // mapstructure's "decoding failed due to …" wrapper
				return
			}
			out = append(out, &FieldError{File: file, Reason: err.Error(), Err: err})
		}
	}
	walk(err)
	if len(out) == 0 {
		return &FieldError{File: file, Reason: err.Error(), Err: err}
	}
	return errors.Join(out...)
}

func containsDecodeError(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := err.(*mapstructure.DecodeError); ok {
		return true
	}
	if u := errors.Unwrap(err); u != nil {
		return containsDecodeError(u)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if containsDecodeError(e) {
				return true
			}
		}
	}
	return false
}

const invalidKeys = "has invalid keys: "

func leafErrors(file, name string, inner error) []error {
	msg := inner.Error()
	if strings.HasPrefix(msg, invalidKeys) {
		var out []error
		known := knownKeys(name)
		for _, k := range strings.Split(strings.TrimPrefix(msg, invalidKeys), ", ") {
			reason := "unknown option (check the spelling against config.example.yaml"
			if s := closest(k, known); s != "" {
				reason += "; did you mean " + strconv.Quote(s) + "?"
			}
			reason += ")"
			out = append(out, &FieldError{File: file, Key: joinKey(name, k), Reason: reason})
		}
		return out
	}
	reason := msg
	var ute *mapstructure.UnconvertibleTypeError
	var pe *mapstructure.ParseError
	switch {
	case errors.As(inner, &ute):
		reason = "expected " + describeWant(ute.Expected.Type()) + ", got " + describeGot(ute.Value)
		if k := ute.Expected.Type().Kind(); k == reflect.String {
			switch ute.Value.(type) {
			case int, int64, uint64, float64, bool:
				reason += fmt.Sprintf(": put it in quotes (\"%v\")", ute.Value)
			}
		}
	case errors.As(inner, &pe):
		reason = "expected " + describeWant(pe.Expected.Type()) + ": " + pe.Err.Error()
	}
	key := displayKey(name)
	for _, k := range envKeys() {
		if displayKey(k.key) == key && os.Getenv(k.env) != "" {
			reason += " (from $" + k.env + ")"
		}
	}
	return []error{&FieldError{File: file, Key: key, Reason: reason, Err: inner}}
}

func joinKey(parent, k string) string {
	parent = displayKey(parent)
	if parent == "" {
		return k
	}
	return parent + "." + k
}

func displayKey(name string) string { return strings.ReplaceAll(name, keyDelim, ".") }

func describeWant(t reflect.Type) string {
	switch t {
	case durationType:
		return `a duration like "90s" or "5m"`
	case secretType:
		return `a secret reference like "env:VAR" or "cmd:pass show hark/token"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list (lines starting with \"- \")"
	case reflect.Map, reflect.Struct:
		return "a mapping (\"key: value\" lines)"
	case reflect.Pointer:
		return describeWant(t.Elem())
	}
	return t.String()
}

func describeGot(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return strconv.Quote(x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprintf("the number %v", x)
	case time.Time:
		return "the date " + x.Format(time.RFC3339)
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// knownKeys lists the option names valid at a decode path such as
// "accounts[1]" or "brands[0]::hours".
func knownKeys(name string) []string {
	t := reflect.TypeOf(Config{})
	name = displayKey(name)
	if name != "" {
		for _, seg := range strings.Split(name, ".") {
			field := seg
			idx := 0
			if i := strings.IndexByte(seg, '['); i >= 0 {
				field = seg[:i]
				idx = strings.Count(seg[i:], "[")
			}
			t = fieldType(t, field)
			if t == nil {
				return nil
			}
			for ; idx > 0; idx-- {
				for t.Kind() == reflect.Pointer {
					t = t.Elem()
				}
				if t.Kind() != reflect.Slice && t.Kind() != reflect.Map && t.Kind() != reflect.Array {
					return nil
				}
				t = t.Elem()
			}
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("mapstructure")
		if tag != "" && tag != "-" {
			out = append(out, strings.Split(tag, ",")[0])
		}
	}
	return out
}

func fieldType(t reflect.Type, name string) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		if strings.Split(t.Field(i).Tag.Get("mapstructure"), ",")[0] == name {
			return t.Field(i).Type
		}
	}
	return nil
}

// closest returns the candidate nearest to s if it is a plausible typo.
func closest(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if d := levenshtein(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || (bestD <= 3 && len(s) > 8) {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// FieldError is one configuration problem: which file, which key, what is
// wrong and what to do about it.
type FieldError struct {
	File   string // "" when the config came from defaults only
	Key    string // "accounts[1].network"; "" for the whole file
	Reason string
	Err    error // underlying error, if any (never holds a secret value)
}

func (e *FieldError) Error() string {
	s := "config"
	if e.File != "" {
		s += " " + e.File
	}
	if e.Key != "" {
		s += ": " + e.Key
	}
	return s + ": " + e.Reason
}

func (e *FieldError) Unwrap() error { return e.Err }
