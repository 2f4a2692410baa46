// Package tlsrec is TLS 1.3's record layer (RFC 8446 section 5) for a
// connection whose handshake crypto/tls ran: application data, alerts and
// key updates as bytes in and bytes out, with no net.Conn, no goroutine
// and no lock.
//
// It exists so that an event loop can keep a wss:// connection without
// keeping its tls.Conn: after the handshake, crypto/tls holds several
// kilobytes per connection (its input and handshake buffers stay at the
// size of the largest handshake message), and every record passes
// through its locks and copies. A Conn holds two AEADs, two traffic
// secrets and two sequence numbers.
//
// crypto/tls does not hand its traffic keys over. Capture takes them the
// one documented way it gives them out, its KeyLogWriter (the NSS key log
// lines CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0), on a
// tls.Config of the connection's own, and follows the records crypto/tls
// writes during the handshake to learn how many it already protected with
// the application key (the session tickets): the first sequence number
// is that count. The secrets never leave the process; the lines are not
// kept. crypto/tls reads the handshake through RecordReader, which stops
// at record boundaries, so that the records the client sends right after
// its Finished stay in the connection for Conn.Open rather than in the
// tls.Conn's read-ahead.
//
// A server's TLS 1.3 connections are taken over (NewCapture), and a
// client's when it keeps no sessions (NewClientCapture: its Conn skips
// the server's session tickets, which crypto/tls would drop too without a
// ClientSessionCache); TLS 1.2 stays with crypto/tls. The cipher suites
// are TLS 1.3's three: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305.
//
// Compact lets a quiet connection's AEADs go (the bulk of a Conn's
// memory) until its next record. A Conn answers the peer's KeyUpdate (and updates its own keys after
// 2^24 records, within AES-GCM's limit in RFC 8446 section 5.5), refuses
// everything TLS 1.3 forbids after the handshake with the alert RFC 8446
// names, and reports the peer's close_notify as io.EOF.
package tlsrec
