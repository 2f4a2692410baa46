package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is a configuration error: the JSON path of the value at fault, as
// in workers[0].realms[1].roles[0].permissions[2].match, and what is wrong
// with it.
type Error struct {
	Path string
	Msg  string
}

// Error returns the path and the message, as "path: message".
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// ErrTooLarge is returned for a configuration past MaxSize.
var ErrTooLarge = errors.New("wamp/router/config: configuration larger than MaxSize")

// node is a value of the configuration with its path. The decoder keeps
// the first error only: every accessor after it returns zero values, so
// that the mapping reads straight through and reports that one error.
type decoder struct {
	err error
}

func (d *decoder) fail(path, format string, a ...any) {
	if d.err == nil {
		d.err = &Error{Path: path, Msg: fmt.Sprintf(format, a...)}
	}
}

// object is a JSON object being read: every key must be read (or
// explicitly allowed) before done, which refuses the others.
type object struct {
	d    *decoder
	path string
	m    map[string]any
	read map[string]bool
}

// join appends key to path: .key for plain keys, ["key"] for others
// (authids with dots, web paths such as "/").
func join(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// object returns v as an object; nil (absent) gives an empty one.
func (d *decoder) object(path string, v any) *object {
	o := &object{d: d, path: path, read: map[string]bool{}}
	switch v := v.(type) {
	case nil:
	case map[string]any:
		o.m = v
	default:
		d.fail(path, "want an object, got %s", kind(v))
	}
	return o
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// has reports whether key is present.
func (o *object) has(key string) bool {
	_, ok := o.m[key]
	return ok
}

// get marks key read and returns its value (nil when absent). A null
// value is refused: read as absent, it would mean a default ("auth":
// null, anonymous access) rather than nothing.
func (o *object) get(key string) any {
	o.read[key] = true
	v, ok := o.m[key]
	if ok && v == nil {
		o.d.fail(o.at(key), "null (leave the key out for its default)")
	}
	return v
}

func (o *object) at(key string) string { return join(o.path, key) }

// str returns a string member; required ones must be present and not empty.
func (o *object) str(key string, required bool) string {
	v := o.get(key)
	if v == nil {
		if required {
			o.d.fail(o.at(key), "missing")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		o.d.fail(o.at(key), "want a string, got %s", kind(v))
		return ""
	}
	if required && s == "" {
		o.d.fail(o.at(key), "empty")
	}
	return s
}

func (o *object) boolean(key string) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		o.d.fail(o.at(key), "want true or false, got %s", kind(v))
	}
	return b
}

// integer returns an integer member in [lo, hi]; def when absent.
func (o *object) integer(key string, lo, hi, def int64) int64 {
	v := o.get(key)
	if v == nil {
		return def
	}
	return o.d.integer(o.at(key), v, lo, hi)
}

func (d *decoder) integer(path string, v any, lo, hi int64) int64 {
	n, ok := v.(number)
	if !ok {
		d.fail(path, "want an integer, got %s", kind(v))
		return 0
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		d.fail(path, "want an integer, got %s", n)
		return 0
	}
	if i < lo || i > hi {
		d.fail(path, "%d out of range [%d, %d]", i, lo, hi)
		return 0
	}
	return i
}

// seconds returns a non-negative number of seconds (fractions allowed).
func (o *object) seconds(key string) float64 {
	v := o.get(key)
	if v == nil {
		return 0
	}
	n, ok := v.(number)
	if !ok {
		o.d.fail(o.at(key), "want a number of seconds, got %s", kind(v))
		return 0
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > 86400 {
		o.d.fail(o.at(key), "%s out of range [0, 86400] seconds", n)
		return 0
	}
	return f
}

// array returns an array member; nil when absent.
func (o *object) array(key string) []any {
	v := o.get(key)
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		o.d.fail(o.at(key), "want an array, got %s", kind(v))
	}
	return l
}

// strings returns an array of strings.
func (o *object) strings(key string) []string {
	var out []string
	for i, e := range o.array(key) {
		s, ok := e.(string)
		if !ok {
			o.d.fail(index(o.at(key), i), "want a string, got %s", kind(e))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// oneOf returns a string member that must be one of allowed (def when
// absent).
func (o *object) oneOf(key, def string, allowed ...string) string {
	if !o.has(key) {
		o.read[key] = true
		return def
	}
	s := o.str(key, false)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	if o.d.err == nil {
		o.d.fail(o.at(key), "unknown value %q (want %s)", s, strings.Join(quoted(allowed), ", "))
	}
	return ""
}

func quoted(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strconv.Quote(s)
	}
	return out
}

// unsupported refuses key when present, saying why.
func (o *object) unsupported(key, why string) {
	if o.has(key) {
		o.read[key] = true
		o.d.fail(o.at(key), "not supported: %s", why)
	}
}

// done refuses the members nobody read, in key order.
func (o *object) done() {
	var unknown []string
	for k := range o.m {
		if !o.read[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		o.d.fail(o.at(unknown[0]), "unknown or unsupported key")
	}
}

// keys returns the object's keys in order.
func (o *object) keys() []string {
	ks := make([]string, 0, len(o.m))
	for k := range o.m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
