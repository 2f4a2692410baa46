package router

import (
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
)

// uriIndex finds the entries (registrations, subscriptions) whose URI
// pattern matches a URI: an exact map, a byte-wise radix tree of prefixes
// and a trie of wildcard patterns by component. A lookup costs time in the
// length of the URI (and, for wildcards, the patterns that share its
// components), not in the number of entries.
type uriIndex[T any] struct {
	exact  map[wamp.URI]T
	prefix radixNode[T]
	wild   wildNode[T]
	n      int
}

func newURIIndex[T any]() *uriIndex[T] {
	return &uriIndex[T]{exact: map[wamp.URI]T{}}
}

// Len returns the number of entries.
func (x *uriIndex[T]) Len() int { return x.n }

// get returns the entry of exactly (uri, match).
func (x *uriIndex[T]) get(uri wamp.URI, match string) (T, bool) {
	switch match {
	case wamp.MatchPrefix:
		n := x.prefix.find(string(uri))
		if n == nil || !n.has {
			var zero T
			return zero, false
		}
		return n.val, true
	case wamp.MatchWildcard:
		n := x.wild.find(string(uri))
		if n == nil || !n.has {
			var zero T
			return zero, false
		}
		return n.val, true
	}
	v, ok := x.exact[uri]
	return v, ok
}

// set adds or replaces the entry of (uri, match).
func (x *uriIndex[T]) set(uri wamp.URI, match string, v T) {
	if _, ok := x.get(uri, match); !ok {
		x.n++
	}
	switch match {
	case wamp.MatchPrefix:
		x.prefix.insert(string(uri), v)
	case wamp.MatchWildcard:
		x.wild.insert(string(uri), v)
	default:
		x.exact[uri] = v
	}
}

// del removes the entry of (uri, match).
func (x *uriIndex[T]) del(uri wamp.URI, match string) {
	if _, ok := x.get(uri, match); !ok {
		return
	}
	x.n--
	switch match {
	case wamp.MatchPrefix:
		x.prefix.remove(string(uri))
	case wamp.MatchWildcard:
		x.wild.remove(string(uri))
	default:
		delete(x.exact, uri)
	}
}

// best returns the entry a call of uri goes to (WAMP spec, "Pattern-based
// Registrations"): an exact match, else the longest matching prefix, else
// the wildcard pattern whose first concrete component comes earliest
// (compared component by component).
func (x *uriIndex[T]) best(uri wamp.URI) (v T, match string, ok bool) {
	if v, ok := x.exact[uri]; ok {
		return v, wamp.MatchExact, true
	}
	if n := x.prefix.longest(string(uri)); n != nil {
		return n.val, wamp.MatchPrefix, true
	}
	if n := x.wild.first(string(uri)); n != nil {
		return n.val, wamp.MatchWildcard, true
	}
	return v, "", false
}

// each calls f for every entry matching uri (pattern-based subscriptions:
// every matching subscription gets the event).
func (x *uriIndex[T]) each(uri wamp.URI, f func(v T, match string)) {
	if v, ok := x.exact[uri]; ok {
		f(v, wamp.MatchExact)
	}
	x.prefix.each(string(uri), func(v T) { f(v, wamp.MatchPrefix) })
	x.wild.each(string(uri), func(v T) { f(v, wamp.MatchWildcard) })
}

// radixNode is a node of a byte-wise radix tree: label is the edge from the
// parent, children are keyed by the first byte of their label.
type radixNode[T any] struct {
	label    string
	children map[byte]*radixNode[T]
	val      T
	has      bool
}

// find returns the node holding exactly key, or nil.
func (n *radixNode[T]) find(key string) *radixNode[T] {
	for {
		if key == "" {
			return n
		}
		c := n.children[key[0]]
		if c == nil || !strings.HasPrefix(key, c.label) {
			return nil
		}
		key, n = key[len(c.label):], c
	}
}

func (n *radixNode[T]) insert(key string, v T) {
	for key != "" {
		c := n.children[key[0]]
		if c == nil {
			if n.children == nil {
				n.children = map[byte]*radixNode[T]{}
			}
			n.children[key[0]] = &radixNode[T]{label: key, val: v, has: true}
			return
		}
		common := commonPrefix(key, c.label)
		if common < len(c.label) {
			// Split c: a new node for the shared part, c below it.
			mid := &radixNode[T]{label: c.label[:common], children: map[byte]*radixNode[T]{}}
			c.label = c.label[common:]
			mid.children[c.label[0]] = c
			n.children[key[0]] = mid
			c = mid
		}
		key, n = key[common:], c
	}
	n.val, n.has = v, true
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// remove deletes key's value and prunes nodes left without a value or
// children (a node with one child is merged into it).
func (n *radixNode[T]) remove(key string) {
	if key == "" {
		var zero T
		n.val, n.has = zero, false
		return
	}
	c := n.children[key[0]]
	if c == nil || !strings.HasPrefix(key, c.label) {
		return
	}
	c.remove(key[len(c.label):])
	switch {
	case !c.has && len(c.children) == 0:
		delete(n.children, key[0])
	case !c.has && len(c.children) == 1:
		for _, gc := range c.children {
			gc.label = c.label + gc.label
			n.children[key[0]] = gc
		}
	}
}

// longest returns the node of the longest key that is a prefix of s.
func (n *radixNode[T]) longest(s string) *radixNode[T] {
	var best *radixNode[T]
	for {
		if n.has {
			best = n
		}
		if s == "" {
			return best
		}
		c := n.children[s[0]]
		if c == nil || !strings.HasPrefix(s, c.label) {
			return best
		}
		s, n = s[len(c.label):], c
	}
}

// each calls f for the value of every key that is a prefix of s.
func (n *radixNode[T]) each(s string, f func(T)) {
	for {
		if n.has {
			f(n.val)
		}
		if s == "" {
			return
		}
		c := n.children[s[0]]
		if c == nil || !strings.HasPrefix(s, c.label) {
			return
		}
		s, n = s[len(c.label):], c
	}
}

// wildNode is a node of the wildcard trie: one level per URI component, an
// empty component (the wildcard) under wild.
type wildNode[T any] struct {
	children map[string]*wildNode[T]
	wild     *wildNode[T]
	val      T
	has      bool
}

// next splits the first component off s; last reports that it was the
// last one.
func next(s string) (comp, rest string, last bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:], false
	}
	return s, "", true
}

func (n *wildNode[T]) child(comp string, create bool) *wildNode[T] {
	if comp == "" {
		if n.wild == nil && create {
			n.wild = &wildNode[T]{}
		}
		return n.wild
	}
	c := n.children[comp]
	if c == nil && create {
		if n.children == nil {
			n.children = map[string]*wildNode[T]{}
		}
		c = &wildNode[T]{}
		n.children[comp] = c
	}
	return c
}

func (n *wildNode[T]) find(pattern string) *wildNode[T] {
	for {
		comp, rest, last := next(pattern)
		n = n.child(comp, false)
		if n == nil || last {
			return n
		}
		pattern = rest
	}
}

func (n *wildNode[T]) insert(pattern string, v T) {
	for {
		comp, rest, last := next(pattern)
		n = n.child(comp, true)
		if last {
			n.val, n.has = v, true
			return
		}
		pattern = rest
	}
}

// remove deletes pattern's value; it reports whether n is left empty.
func (n *wildNode[T]) remove(pattern string) bool {
	comp, rest, last := next(pattern)
	c := n.child(comp, false)
	if c != nil {
		empty := false
		if last {
			var zero T
			c.val, c.has = zero, false
			empty = len(c.children) == 0 && c.wild == nil
		} else {
			empty = c.remove(rest)
		}
		if empty {
			if comp == "" {
				n.wild = nil
			} else {
				delete(n.children, comp)
			}
		}
	}
	return !n.has && len(n.children) == 0 && n.wild == nil
}

// first returns the matching pattern that prefers a concrete component to
// a wildcard at the first place they differ.
func (n *wildNode[T]) first(uri string) *wildNode[T] {
	comp, rest, last := next(uri)
	for _, c := range [2]*wildNode[T]{n.children[comp], n.wild} {
		if c == nil {
			continue
		}
		if last {
			if c.has {
				return c
			}
			continue
		}
		if m := c.first(rest); m != nil {
			return m
		}
	}
	return nil
}

// each calls f for every pattern matching uri.
func (n *wildNode[T]) each(uri string, f func(T)) {
	comp, rest, last := next(uri)
	for _, c := range [2]*wildNode[T]{n.children[comp], n.wild} {
		if c == nil {
			continue
		}
		if last {
			if c.has {
				f(c.val)
			}
			continue
		}
		c.each(rest, f)
	}
}
