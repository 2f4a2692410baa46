package natsfabric

import (
	"errors"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
)

// Subjects. A publication to topic in realm goes to
//
//	wamp.<realm>.<topic>
//
// where the realm is one subject token (its dots escaped) and each
// component of the topic one token. A token keeps the bytes [A-Za-z0-9_-];
// any other byte (NATS forbids whitespace, gives '*' and '>' a meaning,
// and the escape character '%' must be escaped too) is written %XX, two
// upper-case hex digits. An empty component, which a topic never has, is
// the token "%". Control traffic uses the subjects wampfab.<node>.call,
// wampfab.<node>.reply.<n>, wampfab.announce and wampfab.sync.

const (
	eventPrefix   = "wamp."
	controlPrefix = "wampfab."
)

// ErrBadSubject is returned by ParseSubject for a subject that Subject
// does not make.
var ErrBadSubject = errors.New("natsfabric: not a publication subject")

// Subject returns the NATS subject of a publication to topic in realm.
func Subject(realm, topic wamp.URI) string {
	var b strings.Builder
	b.Grow(len(eventPrefix) + len(realm) + len(topic) + 1)
	b.WriteString(eventPrefix)
	appendToken(&b, string(realm), true)
	for c := range strings.SplitSeq(string(topic), ".") {
		b.WriteByte('.')
		appendToken(&b, c, false)
	}
	return b.String()
}

// realmSubjects is the subscription of a router to its realm's
// publications.
func realmSubjects(realm wamp.URI) string {
	var b strings.Builder
	b.WriteString(eventPrefix)
	appendToken(&b, string(realm), true)
	b.WriteString(".>")
	return b.String()
}

const hexDigits = "0123456789ABCDEF"

func plain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func appendToken(b *strings.Builder, s string, escapeDots bool) {
	if s == "" {
		b.WriteByte('%')
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain(c) || c == '.' && !escapeDots {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
}

// ParseSubject returns the realm and topic of a subject Subject made.
func ParseSubject(subject string) (realm, topic wamp.URI, err error) {
	rest, ok := strings.CutPrefix(subject, eventPrefix)
	if !ok {
		return "", "", ErrBadSubject
	}
	rt, tt, ok := strings.Cut(rest, ".")
	if !ok {
		return "", "", ErrBadSubject
	}
	r, ok := unescapeToken(rt, true)
	if !ok {
		return "", "", ErrBadSubject
	}
	var b strings.Builder
	b.Grow(len(tt))
	first := true
	for tok := range strings.SplitSeq(tt, ".") {
		c, ok := unescapeToken(tok, false)
		if !ok {
			return "", "", ErrBadSubject
		}
		if !first {
			b.WriteByte('.')
		}
		first = false
		b.WriteString(c)
	}
	return wamp.URI(r), wamp.URI(b.String()), nil
}

// unescapeToken decodes one token (dots: the realm's, where '.' is
// escaped); false when appendToken cannot have written it.
func unescapeToken(t string, dots bool) (string, bool) {
	if t == "%" {
		return "", true
	}
	if t == "" {
		return "", false
	}
	var b []byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		if plain(c) {
			b = append(b, c)
			continue
		}
		if c != '%' || i+2 >= len(t) {
			return "", false
		}
		hi, lo := unhex(t[i+1]), unhex(t[i+2])
		if hi < 0 || lo < 0 {
			return "", false
		}
		v := byte(hi<<4 | lo)
		if plain(v) || v == '.' && !dots {
			return "", false // not how appendToken writes it
		}
		b = append(b, v)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
