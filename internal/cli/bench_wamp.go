package cli

// autobahn bench wamp URL: RPC calls/s (callers × in flight against a
// callee the tool registers) and PubSub events/s (1 publisher → N
// subscribers, drops counted by sequence number) against any WAMP router,
// with the progress line, the call latency histogram, --json and --pid
// (--insecure: a wss:// or rss:// router with a self-signed certificate).

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/autobahn-go/autobahn/internal/loadgen"
	"github.com/autobahn-go/autobahn/wamp"
)

func benchWAMP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wamp", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench wamp [flags] URL", `  autobahn bench wamp -callers 8 -inflight 4 -subscribers 8 ws://127.0.0.1:8080/ws
  autobahn bench wamp -only rpc -serializer msgpack -pid $(pidof nexusd) ws://127.0.0.1:8000/ws
  autobahn bench wamp -only pubsub -event-rate 20000 -json rs://127.0.0.1:8081 > pubsub.json
`)
	w := &loadgen.WAMP{}
	realm := fs.String("realm", "realm1", "realm to join (anonymous)")
	fs.StringVar(&w.Serializer, "serializer", "", "json, cbor or msgpack (default: negotiated, CBOR first)")
	fs.IntVar(&w.Callers, "callers", 4, "RPC: caller sessions")
	fs.IntVar(&w.InFlight, "inflight", 1, "RPC: calls in flight per caller")
	fs.IntVar(&w.Subscribers, "subscribers", 4, "PubSub: subscriber sessions")
	fs.Float64Var(&w.EventRate, "event-rate", 0, "PubSub: events per second to publish (0: as fast as Publish returns)")
	fs.IntVar(&w.Size, "size", 32, "payload bytes (call argument, event argument)")
	fs.StringVar(&w.Only, "only", "", `run one phase: "rpc" or "pubsub" (default both)`)
	fs.DurationVar(&w.Warmup, "warmup", time.Second, "traffic before measuring, per phase")
	fs.DurationVar(&w.Duration, "duration", 5*time.Second, "measured time per phase")
	fs.DurationVar(&w.Drain, "drain", 2*time.Second, "wait this long at most for the last answers and events")
	fs.IntVar(&w.PID, "pid", 0, "the router's process ID, for its CPU time and RSS (Linux /proc)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	every := fs.Duration("progress", time.Second, "progress interval (0: none)")
	fs.BoolFunc("insecure", "wss://, rss://: do not verify the server's certificate (a self-signed benchmark server)", func(string) error {
		w.TLSConfig = &tls.Config{InsecureSkipVerify: true}
		return nil
	})
	url, err := parseWithURL(fs, parse, args, routerURLs)
	if err != nil {
		return err
	}
	if err := checkFlags("wamp",
		flagCheck{w.Callers >= 0 && w.Callers <= loadgen.MaxWAMPSessions, "callers", w.Callers, fmt.Sprintf("0..%d", loadgen.MaxWAMPSessions)},
		flagCheck{w.Subscribers >= 0 && w.Subscribers <= loadgen.MaxWAMPSessions, "subscribers", w.Subscribers, fmt.Sprintf("0..%d", loadgen.MaxWAMPSessions)},
		flagCheck{w.InFlight <= loadgen.MaxWAMPInFlight, "inflight", w.InFlight, fmt.Sprintf("at most %d", loadgen.MaxWAMPInFlight)},
		flagCheck{w.Size >= 0 && w.Size <= loadgen.MaxWAMPPayload, "size", w.Size, fmt.Sprintf("0..%d bytes", loadgen.MaxWAMPPayload)},
		flagCheck{w.EventRate >= 0, "event-rate", w.EventRate, "0 (as fast as Publish returns) or more"},
		flagCheck{w.Only == "" || w.Only == "rpc" || w.Only == "pubsub", "only", fmt.Sprintf("%q", w.Only), `"rpc" or "pubsub"`},
		flagCheck{w.Serializer == "" || w.Serializer == "json" || w.Serializer == "cbor" || w.Serializer == "msgpack", "serializer", fmt.Sprintf("%q", w.Serializer), "json, cbor or msgpack"},
	); err != nil {
		return err
	}
	w.URL, w.Realm = url, wamp.URI(*realm)
	pw := newProgressWriter(stdout, stderr, *asJSON)
	if *every > 0 {
		w.Progress, w.ProgressEvery = pw.run, *every
	}
	res, err := w.Start(ctx)
	pw.end()
	if err != nil {
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) && w.TLSConfig == nil {
			return fmt.Errorf("%w (the router's certificate: skip the check with --insecure)", err)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}
