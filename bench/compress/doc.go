// Package compress compares the permessage-deflate of ws/ext/deflate with
// gorilla/websocket's (EnableCompression: no context takeover, compress/flate
// at a chosen level): throughput and compression ratio on JSON-like
// messages, over loopback. Memory per connection is measured by
// bench/cmd/compressmem; bench/run-compress.sh runs both.
package compress
