package websocket

import (
	"slices"
	"strings"

	"github.com/autobahn-go/autobahn/ws"
)

// MaxHeaderBytes bounds the HTTP headers of its opening handshake that a
// server connection keeps for RequestHeader ("name: value" lines, names in
// lower case): the lines past it are dropped whole, in name order. An
// idle connection holds them, so they are kept as one string.
const MaxHeaderBytes = 4096

// RequestHeader returns the HTTP headers of the client's opening
// handshake, as Crossbar.io's http_headers_received: names in lower case,
// the values of a repeated header joined with ", ". The handshake's own
// headers (Upgrade, Connection, Sec-WebSocket-*) are left out: the
// connection describes them otherwise. At most MaxHeaderBytes are kept.
// It is nil on a client's connection and on one of New.
func (c *Conn) RequestHeader() map[string]string {
	if c.header == "" {
		return nil
	}
	h := make(map[string]string)
	for line := range strings.Lines(c.header) {
		name, value, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		h[name] = value
	}
	return h
}

// packHeader returns h's headers but the handshake's own, host first,
// as RequestHeader describes them.
func packHeader(host string, h map[string][]string) string {
	var b strings.Builder
	add := func(name, value string) {
		if strings.ContainsAny(name, ":\r\n") || strings.ContainsAny(value, "\r\n") {
			return // not from a parsed request
		}
		if b.Len()+len(name)+len(value)+3 > MaxHeaderBytes {
			return
		}
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteByte('\n')
	}
	if host != "" {
		add("host", host)
	}
	// One line per name in lower case (a request may spell one name
	// several ways), in name order.
	raw := make([]string, 0, len(h))
	for name := range h {
		raw = append(raw, name)
	}
	slices.Sort(raw)
	byName := make(map[string][]string, len(h))
	for _, name := range raw {
		values := h[name]
		lower := strings.ToLower(name)
		switch {
		case lower == "host" && host != "", lower == "upgrade", lower == "connection",
			strings.HasPrefix(lower, "sec-websocket-"):
			continue
		}
		byName[lower] = append(byName[lower], values...)
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		add(name, strings.Join(byName[name], ", "))
	}
	return strings.Clone(b.String()) // exactly its size: an idle connection holds it
}

// acceptedHeader is a LoopServer connection's packed headers on their way
// from OnConnect to OnOpen, as the ws.Conn's Data (ws.Accept.Data): OnOpen
// takes them and puts the WAMP Conn there instead.
type acceptedHeader string

// takeHeader returns the headers OnConnect left in wc's Data.
func takeHeader(wc *ws.Conn) string {
	h, _ := wc.Data().(acceptedHeader)
	return string(h)
}
