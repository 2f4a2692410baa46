package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	wampjson "github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

func init() {
	commands["wamp"] = command{summary: "a WAMP client on the command line: call, publish, subscribe, register", run: runWAMP}
}

const wampUsage = `usage: autobahn wamp call|publish|subscribe|register [flags] URL URI [ARG...]

A WAMP client against any router (autobahn serve, Crossbar, ...). URL picks
the transport: ws://, wss://, rs:// and rss:// (RawSocket), unix:///path.
Each ARG is JSON when it parses as JSON (1, 2.5, true, [1,2], {"a":1},
"text"), else a string. Results and events are printed as JSON, one line
each.

  call URL PROCEDURE [ARG...]        call and print the result
  publish URL TOPIC [ARG...]         publish (acknowledged) and exit
  subscribe URL TOPIC                print every event until Ctrl-C
  register URL PROCEDURE [-- CMD...] answer calls until Ctrl-C: echo the
                                     arguments back, or run CMD with the
                                     call's arguments appended and return
                                     its standard output (at most 1 MiB)

Examples:
  autobahn wamp call ws://127.0.0.1:9000/ws com.example.add2 2 3
  autobahn wamp subscribe ws://127.0.0.1:9000/ws com.example.topic
  autobahn wamp publish --serializer cbor ws://127.0.0.1:9000/ws com.example.topic '{"x":1}' hello
  autobahn wamp register ws://127.0.0.1:9000/ws com.example.date -- date -u
  autobahn wamp call --authid joe --ticket s3cret rs://127.0.0.1:8080 com.example.secret
  autobahn wamp call --ca cert.pem wss://127.0.0.1:9000/ws com.example.add2 2 3

Flags (after the action, before URL):
`

// maxCommandOutput bounds what register keeps of a command's output.
const maxCommandOutput = 1 << 20

type wampFlags struct {
	realm, serializer               string
	authid, authrole                string
	ticket, secret, password, seedf string
	ca                              string
	insecure                        bool
	timeout                         time.Duration
}

func runWAMP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, wampUsage)
		fs := newWAMPFlags(&wampFlags{})
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return nil
	}
	action := args[0]
	var f wampFlags
	fs := newWAMPFlags(&f)
	fs.SetOutput(io.Discard)
	// Flags may come before URL and URI; what follows "--" is register's command.
	rest, cmd := args[1:], []string(nil)
	for i, a := range rest {
		if a == "--" {
			rest, cmd = rest[:i], rest[i+1:]
			break
		}
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, wampUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return usageError{fmt.Errorf("wamp: %w (autobahn wamp -h)", err)}
	}
	pos := fs.Args()
	if len(pos) < 2 {
		return usageError{errors.New("wamp: want URL and URI (autobahn wamp -h)")}
	}
	for _, a := range pos {
		if name := flagName(a); name != "" && fs.Lookup(name) != nil {
			// Flag parsing stops at URL: this one would go out as an
			// argument, unused.
			return usageError{fmt.Errorf("wamp: %s after URL: give flags before URL (an argument of that text: '\"%s\"', as JSON)", a, a)}
		}
	}
	url, uri := pos[0], wamp.URI(pos[1])
	wargs := parseArgs(pos[2:])
	switch action {
	case "call", "publish":
	case "subscribe":
		if len(wargs) > 0 {
			return usageError{errors.New("wamp: subscribe takes no arguments")}
		}
	case "register":
		if len(wargs) > 0 {
			return usageError{errors.New("wamp: register takes a command after --, not arguments")}
		}
	default:
		return usageError{fmt.Errorf("wamp: unknown action %q: call, publish, subscribe or register", action)}
	}
	if cmd != nil && action != "register" {
		return usageError{fmt.Errorf("wamp: a command after -- is for register only")}
	}
	if err := checkTarget(url, wamp.URI(f.realm), uri); err != nil {
		return usageError{err}
	}
	if f.timeout < 0 {
		return usageError{fmt.Errorf("wamp: --timeout %v: want 0 (no bound) or more", f.timeout)}
	}
	opts, err := f.connectOptions()
	if err != nil {
		return usageError{err}
	}
	cctx, cancel := f.bound(ctx)
	s, err := client.Connect(cctx, url, wamp.URI(f.realm), opts)
	cancel()
	if err != nil {
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) {
			return fmt.Errorf("%w (the router's certificate: trust its CA with --ca FILE, or skip the check with --insecure)", err)
		}
		return err
	}
	defer func() {
		lctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.Leave(lctx, "")
		// The handlers' end too: register's running commands killed and
		// reaped, not left behind when autobahn exits.
		s.Wait(lctx)
		cancel()
	}()
	switch action {
	case "call":
		cctx, cancel := f.bound(ctx)
		defer cancel()
		res, err := s.Call(cctx, uri, wargs, nil, nil)
		if err != nil {
			return err
		}
		return printJSON(stdout, result{Args: res.Args, Kwargs: res.Kwargs})
	case "publish":
		cctx, cancel := f.bound(ctx)
		defer cancel()
		return s.Publish(cctx, uri, wargs, nil, &client.PublishOptions{Acknowledge: true})
	case "subscribe":
		if _, err := s.Subscribe(ctx, uri, func(e *wamp.Event) {
			if err := printJSON(stdout, result{Args: e.Args, Kwargs: e.Kwargs, Details: e.Details}); err != nil {
				// Not silently: JSON cannot hold all that CBOR or MessagePack can.
				fmt.Fprintf(stderr, "autobahn: an event on %s not printed: %v\n", uri, err)
			}
		}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "subscribed to %s\n", uri)
	case "register":
		h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
		}
		if len(cmd) > 0 {
			h = commandHandler(cmd)
		}
		if _, err := s.Register(ctx, uri, h, nil); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "registered %s\n", uri)
	}
	select {
	case <-ctx.Done():
		return nil // Ctrl-C: a clean end
	case <-s.Done():
		return fmt.Errorf("wamp: session ended: %w", s.Err())
	}
}

// checkTarget refuses, before connecting, a router URL without one of
// client.Connect's schemes and a realm or URI that is not a (loose) WAMP
// URI, which a router answers by dropping the session.
func checkTarget(rawURL string, realm, uri wamp.URI) error {
	if err := routerURLs.check("wamp", rawURL); err != nil {
		return err
	}
	if !wamp.ValidURI(realm, false, wamp.MatchExact) {
		return fmt.Errorf("wamp: --realm %q is not a WAMP URI", realm)
	}
	if !wamp.ValidURI(uri, false, wamp.MatchExact) {
		return fmt.Errorf("wamp: %q is not a WAMP URI (no empty components, whitespace or '#')", uri)
	}
	return nil
}

// bound is ctx bounded by --timeout; 0 means no bound.
func (f *wampFlags) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.timeout == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, f.timeout)
}

func newWAMPFlags(f *wampFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("wamp", flag.ContinueOnError)
	fs.StringVar(&f.realm, "realm", "realm1", "realm to join")
	fs.StringVar(&f.serializer, "serializer", "", "json, cbor, msgpack or ubjson (default: offer cbor, msgpack, json)")
	fs.StringVar(&f.authid, "authid", "", "authid to announce")
	fs.StringVar(&f.authrole, "authrole", "", "authrole to ask for")
	fs.StringVar(&f.ticket, "ticket", "", "authenticate with this ticket")
	fs.StringVar(&f.secret, "secret", "", "authenticate with WAMP-CRA and this secret")
	fs.StringVar(&f.password, "password", "", "authenticate with WAMP-SCRAM and this password (needs --authid)")
	fs.StringVar(&f.seedf, "cryptosign-seed-file", "", "authenticate with WAMP-cryptosign: file holding the Ed25519 seed, 64 hex digits")
	fs.StringVar(&f.ca, "ca", "", "wss://, rss://: trust the router's certificate when a CA certificate in the PEM `FILE` signed it (or it is one), instead of the system's CAs")
	fs.BoolVar(&f.insecure, "insecure", false, "wss://, rss://: do not verify the router's certificate (a self-signed test router)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "bound for connecting, and for call and publish (0: none)")
	return fs
}

// connectOptions turns the flags into client options.
func (f *wampFlags) connectOptions() (client.ConnectOptions, error) {
	var o client.ConnectOptions
	switch f.serializer {
	case "":
	case "json":
		o.Serializers = []wamp.Serializer{wampjson.Serializer{}}
	case "cbor":
		o.Serializers = []wamp.Serializer{cbor.Serializer{}}
	case "msgpack":
		o.Serializers = []wamp.Serializer{msgpack.Serializer{}}
	case "ubjson":
		o.Serializers = []wamp.Serializer{ubjson.Serializer{}}
	default:
		return o, fmt.Errorf("wamp: --serializer %q: json, cbor, msgpack or ubjson", f.serializer)
	}
	switch {
	case f.ca != "" && f.insecure:
		return o, errors.New("wamp: --ca and --insecure: give one (--insecure verifies nothing)")
	case f.insecure:
		o.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	case f.ca != "":
		b, err := os.ReadFile(f.ca)
		if err != nil {
			return o, fmt.Errorf("wamp: --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return o, fmt.Errorf("wamp: --ca %s: no PEM certificate in it", f.ca)
		}
		o.TLSConfig = &tls.Config{RootCAs: pool}
	}
	o.Join.AuthID, o.Join.AuthRole = f.authid, f.authrole
	if f.ticket != "" {
		o.Join.Authenticators = append(o.Join.Authenticators, &client.Ticket{Ticket: f.ticket})
	}
	if f.secret != "" {
		o.Join.Authenticators = append(o.Join.Authenticators, &client.CRA{Secret: f.secret})
	}
	if f.password != "" {
		if f.authid == "" {
			return o, errors.New("wamp: --password needs --authid")
		}
		o.Join.Authenticators = append(o.Join.Authenticators, &client.SCRAM{AuthID: f.authid, Password: f.password})
	}
	if f.seedf != "" {
		b, err := os.ReadFile(f.seedf)
		if err != nil {
			return o, fmt.Errorf("wamp: --cryptosign-seed-file: %w", err)
		}
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return o, fmt.Errorf("wamp: --cryptosign-seed-file %s: want an Ed25519 seed of %d bytes as hex", f.seedf, ed25519.SeedSize)
		}
		o.Join.Authenticators = append(o.Join.Authenticators, &client.Cryptosign{PrivateKey: ed25519.NewKeyFromSeed(seed)})
	}
	return o, nil
}

// flagName returns the name of the flag a names ("-name", "--name" or
// either with "=value"), or "".
func flagName(a string) string {
	name, ok := strings.CutPrefix(a, "-")
	if !ok {
		return ""
	}
	name = strings.TrimPrefix(name, "-")
	name, _, _ = strings.Cut(name, "=")
	return name
}

// parseArgs reads each argument as JSON, or as a string when it is not.
func parseArgs(in []string) wamp.List {
	out := make(wamp.List, 0, len(in))
	for _, a := range in {
		dec := json.NewDecoder(strings.NewReader(a))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			out = append(out, a)
			continue
		}
		out = append(out, fromJSON(v))
	}
	return out
}

// fromJSON maps encoding/json's values onto WAMP's (int64 for integers,
// uint64 above MaxInt64, else float64).
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u // above MaxInt64: exact, as WAMP's serializers carry it
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i, e := range x {
			x[i] = fromJSON(e)
		}
		return wamp.List(x)
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return wamp.Dict(x)
	}
	return v
}

// result is how calls' results and events are printed.
type result struct {
	Args    wamp.List `json:"args,omitempty"`
	Kwargs  wamp.Dict `json:"kwargs,omitempty"`
	Details wamp.Dict `json:"details,omitempty"`
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// commandHandler runs cmd with the call's positional arguments appended
// (strings as they are, anything else as JSON) and answers with its
// standard output, trimmed; a failing command answers
// wamp.error.runtime_error with its standard error. The invocation's ctx
// (INTERRUPT, the session's end) kills the command, with the processes it
// started where there are process groups (wamp_cmd_unix.go).
func commandHandler(cmd []string) client.Handler {
	return func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		argv := append([]string(nil), cmd[1:]...)
		for _, a := range inv.Args {
			if s, ok := a.(string); ok {
				argv = append(argv, s)
				continue
			}
			b, err := json.Marshal(a)
			if err != nil {
				return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
			}
			argv = append(argv, string(b))
		}
		c := exec.CommandContext(ctx, cmd[0], argv...)
		endWithGroup(c) // wamp_cmd_unix.go
		var out, errOut limitedBuffer
		c.Stdout, c.Stderr = &out, &errOut
		if err := c.Run(); err != nil {
			msg := strings.TrimSpace(errOut.String())
			if msg == "" {
				msg = err.Error()
			}
			return nil, &client.Error{URI: "wamp.error.runtime_error", Args: wamp.List{msg}}
		}
		return &client.Result{Args: wamp.List{strings.TrimSpace(out.String())}}, nil
	}
}

// limitedBuffer keeps the first maxCommandOutput bytes written to it and
// drops the rest, so a chatty command cannot exhaust memory.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxCommandOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
