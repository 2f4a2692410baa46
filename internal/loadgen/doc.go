// Package loadgen is the engine of `autobahn bench`: a WebSocket load
// generator on the event-loop client (ws/wsloop), for any ws:// or wss://
// server that echoes what it receives.
//
// A Run opens Dial.Conns connections, ramped up at Dial.Rate per second and
// spread over the source addresses 127.0.0.2... for a loopback target (so
// that more than one port range of connections can be opened), then sends
// for Run.Warmup and measures for Run.Duration:
//
//   - closed loop (default): each connection keeps Run.InFlight messages
//     in flight and sends the next one when an echo returns; with
//     Run.Batch it sends all InFlight in one write and the next batch once
//     all are answered. Its latency is the service time, from each actual
//     send: a server that stalls holds back the sends instead of making
//     them wait, so the stall shows in the messages in flight then and not
//     in those it kept from being sent (coordinated omission): use it for
//     peak throughput, and the open loop for latency at a given load;
//   - open loop (Run.MsgRate > 0): one scheduler sends message i at its
//     intended time start + i/MsgRate on connection i mod N whatever the
//     answers do, and latency counts from that intended time, so a stall
//     shows in every message it delayed instead of in one (no coordinated
//     omission).
//
// With Run.Engine "uring" (Linux, ws:// or wss://, closed loop without
// Batch or Compress) the connections are dialed and upgraded with
// blocking calls, then their sockets are driven by one io_uring on one
// locked thread: each io_uring_enter submits the sends and re-armed
// receives of many connections and reaps many completions, so the
// generator makes a few system calls per batch instead of two per
// message; echoes are parsed
// with ws.Parser, and the counts and latencies are those of the default
// engine. On wss:// each connection's crypto/tls client runs its
// handshake over the blocking socket; then, unless Dial.TLSConfig keeps
// sessions (ClientSessionCache), the record layer of internal/tlsrec
// takes over, as on the loop engine's wsloop.Client: the upgrade runs
// through it on the socket, each completed recv is opened in place and
// its plaintext parsed, and every frame is sealed into the connection's
// send queue. With sessions kept, the tls.Conn goes on over memory (the
// ciphertext of each recv into it, frames out through tls.Conn.Write).
//
// Message sizes follow a Sizes distribution ("32", "32:9,4k:1"); messages
// are text or binary, with permessage-deflate offered or not. An echo is
// matched with its message in order per connection and checked for size,
// type and content (the bytes sent). With Run.PID the server's CPU time
// and RSS over the measured time come from /proc, the CPU time exact to
// the nanosecond from the process's CPU-time clock on Linux (processCPU;
// /proc/PID/stat's 10 ms ticks elsewhere), its descendant processes' (a
// prefork server's workers) included on Linux, and the generator reports
// its own CPU; both report how long their threads waited for a CPU
// (/proc/PID/task/*/schedstat), the mark a busy machine leaves on a
// measurement.
//
//	r := &loadgen.Run{Dial: loadgen.Dial{URL: "ws://127.0.0.1:9000/echo", Conns: 100},
//		Duration: 5 * time.Second}
//	res, err := r.Start(ctx)
//	res.WriteText(os.Stdout)
//
// The counts of a Result are of the messages whose (intended) send time
// fell in the measured time, and Sent == Received + Errors once the run is
// over: a message not sent (queue full, open loop past MaxInFlight), lost
// with its connection or unanswered after Run.Drain, or answered with
// another size, type or content is an error. The throughput (msg/s,
// bytes/s, msg per server-CPU-second) counts instead the answers that
// arrived in the measured time (Result.Answered): the server's work in
// the time its CPU is measured, not the backlog an open loop's server
// works off during the drain. The measured time starts when its first
// sample is taken and lasts Run.Duration; the clock, the answer counts and
// the CPU times are read together at both ends. A result whose measured
// time came out far off Run.Duration (the generator held up: a starved
// machine) or whose CPU share exceeds the machine's cores says so in
// Result.Unreliable, and Compare counts it as a failed measurement.
//
// An Idle run opens connections, holds them, reads the server's RSS per
// connection and the kernel's TCP memory (/proc/net/sockstat), then pings
// every connection and counts the pongs.
//
// A Compare runs a matrix: server commands (each started afresh for every
// measurement on GOMAXPROCS=1, pinned with taskset, on a free loopback
// port) × cells of connections and message size, and an Idle run per
// server, Rounds times; a round measures the idle memory, then each cell
// with all servers back to back, in an order rotated every round (a
// server with Server.TLS is dialed over wss://). It reports every sample,
// their medians, and for the ranking the median of each server's
// per-round ratios to the geometric mean of all servers in the same round
// and cell (ServerResult.Relative, Normalized): the load of a shared
// machine moves whole rounds, which the ratios cancel; Markdown tables and
// an SVG bar chart. Its result records the Machine it ran on (CPU, cores,
// load averages at the start and the end, pinning); WriteReport renders
// the result as the Markdown section BENCHMARKS.md includes, with charts
// of throughput per server-CPU-second (WriteSVG), latency percentiles
// (WriteLatencySVG) and idle memory (WriteIdleSVG), and SpliceReport puts
// it between the section's markers.
//
// Kernels measures the nvx kernels (xor.Mask, utf8.Valid) in bytes per
// second by buffer size, once per implementation nvx.List names (forced
// with nvx.Select, then nvx.Reset), against copy() and a read-only pass;
// a table, JSON and an SVG line chart. It changes the process-wide kernel
// choice while it runs.
//
// A WAMP run loads any WAMP router through wamp/client.Connect (ws://,
// wss://, rs://, rss://, unix://): an RPC phase (Callers sessions ×
// InFlight calls to a procedure the run registers on a callee of its own,
// latency histogram) and a PubSub phase (one publisher → Subscribers
// sessions, events numbered, drops counted per subscriber); with PID the
// router's CPU and RSS. Calls == Answered + Errors and Published ×
// Subscribers == Received + Drops; the caller and subscriber sessions
// that ended during a phase are counted (RPCResult.CallersLost,
// PubSubResult.SubscribersLost).
//
// # Latencies
//
// Histogram is log-linear in the manner of HdrHistogram: exact below
// 256 ns, then 128 buckets per power of two, so every reported quantile is
// at most Precision (1/128, 0.78 %) above the exact value of its rank; its
// memory is fixed (35 KiB) whatever is recorded, and Record is a few
// atomic adds, safe from every loop at once.
//
// # Limits
//
// Memory is bounded by the configuration: per connection a ring of
// pending entries of 16 bytes that grows as needed up to InFlight (open
// loop: MaxInFlight, default 1024) and with Run.Batch a slice of InFlight
// payload headers, one shared payload of the largest size, at most 64 dialers at a
// time; the closed loop's output queue per connection takes InFlight
// messages of the largest size (at least the client's default bound),
// so that all of them go out together. The uring engine: at most 16384
// connections, each with an 8 KiB receive buffer and two send buffers
// that hold its InFlight frames; a ring of 2 submissions and 4
// completions per connection (rounded up to a power of two); on wss://
// the record layer's state per connection (two AEADs, about 1.75 KB,
// and a record cut by a recv's end, up to ≈ 17 KiB, while it waits) or,
// with sessions kept, a crypto/tls client state (its input buffer grows
// to a record once a large message arrives) and one 16 KiB plaintext
// buffer for the engine. Connections: at most 2^20; sizes: at most
// MaxMessageSize. wss:// runs TLS in the generator too
// (Dial.TLSConfig), so at small sizes it spends more per
// message there than on ws://. A WAMP run:
// at most MaxWAMPSessions callers and subscribers, MaxWAMPInFlight calls
// per caller, MaxWAMPPayload bytes; each subscriber's event queue holds
// 16384 events or about 64 MiB, whichever is less. Kernels: two buffers of
// the largest size, at most MaxKernelSize.
package loadgen
