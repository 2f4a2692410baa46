package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/autobahn-go/autobahn/wamp/router"
)

// MaxSize bounds a configuration file, and maxDepth the nesting of its
// values: what Parse holds is bounded by the input.
const (
	MaxSize  = 16 << 20
	maxDepth = 32
)

// Config is a loaded configuration: the router's and the transports to
// serve it on.
type Config struct {
	// Router is ready for router.New (and Router.Reload). Logger is
	// left for the caller. Router.Endpoints has a router endpoint per
	// WAMP endpoint of the transports (Endpoint.Name).
	Router router.Config
	// Transports are the listeners, in the file's order.
	Transports []Transport
}

// Transport is one listener of the router worker.
type Transport struct {
	// Path is the transport's JSON path (workers[0].transports[1]), for
	// messages, and the router.EndpointConfig.Listener of its endpoints.
	Path string
	// ID is the transport's "id", if any.
	ID string
	// Type is "websocket" or "rawsocket". A Crossbar "web" transport
	// becomes "websocket" with an endpoint per websocket path.
	Type string
	// Network is "tcp", "tcp4", "tcp6" or "unix"; Address is host:port
	// (an empty host: every interface) or the socket's path.
	Network, Address string
	// TLS is set for TLS endpoints.
	TLS *TLS
	// Endpoints are what the listener serves WAMP as: a "websocket" or
	// "rawsocket" transport has one (URLPath ""), a "web" transport one
	// per websocket path, ordered by URLPath.
	Endpoints []Endpoint
}

// Endpoint is a WAMP endpoint of a transport: where on the listener it
// is, how it speaks, and the router endpoint its sessions attach to.
type Endpoint struct {
	// Name is the endpoint's JSON path: its transport's
	// (workers[0].transports[1]) or its web path's
	// (workers[0].transports[1].paths.ws). It names its router endpoint
	// in Config.Router.Endpoints ("auth", and the transport's
	// "max_sessions"): attach its sessions with
	// router.Router.Endpoint(Name).
	Name string
	// URLPath is the HTTP path of a web transport's websocket path
	// ("/ws"), matched exactly; "" for a "websocket" transport, which
	// serves every path, and for a "rawsocket" one.
	URLPath string
	// Serializers are the serializer names offered ("json", "msgpack",
	// "cbor", "ubjson"), in the file's order.
	Serializers []string
	// MaxMessageSize bounds a received message (octets); zero means the
	// transport's default.
	MaxMessageSize int
}

// TLS is an endpoint's key and certificate files (PEM), resolved against
// the configuration file's directory.
type TLS struct {
	KeyFile, CertificateFile string
}

// Load reads and parses the configuration file at path; relative file
// names in it (TLS keys) are resolved against path's directory.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse parses a configuration; dir is what relative file names are
// resolved against. Errors are *Error (or ErrTooLarge).
func Parse(data []byte, dir string) (*Config, error) {
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	tree, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	d := &decoder{}
	cfg := d.crossbar(tree, dir) // crossbar.go
	if d.err != nil {
		return nil, d.err
	}
	return cfg, nil
}

// number is a JSON number as written.
type number string

// parseTree decodes data into maps, slices, strings, bools, numbers and
// nils, refusing keys given twice (encoding/json would keep the last one
// silently) and nesting deeper than maxDepth.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec, data, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Msg: "data after the configuration object"}
	}
	return v, nil
}

func parseValue(dec *json.Decoder, data []byte, path string, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(dec, data, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
		}
		if t == '[' {
			l := []any{}
			for i := 0; dec.More(); i++ {
				v, err := parseValue(dec, data, index(path, i), depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, syntaxError(dec, data, err)
		}
		m := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, syntaxError(dec, data, err)
			}
			key, _ := kt.(string)
			kp := join(path, key)
			if _, dup := m[key]; dup {
				return nil, &Error{Path: kp, Msg: "key given twice"}
			}
			v, err := parseValue(dec, data, kp, depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		_, err := dec.Token()
		return m, syntaxError(dec, data, err)
	case json.Number:
		return number(t), nil
	}
	return tok, nil
}

// syntaxError says where in data a JSON error is, by line and column.
func syntaxError(dec *json.Decoder, data []byte, err error) error {
	if err == nil {
		return nil
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return &Error{Msg: fmt.Sprintf("line %d, column %d: invalid JSON: %s", line, col, strings.TrimPrefix(err.Error(), "json: "))}
}
