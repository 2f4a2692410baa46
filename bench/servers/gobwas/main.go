// Command gobwas is a gobwas/ws echo server, a benchmark peer: echo on
// /echo with the zero-copy upgrade (ws.Upgrade on the raw connection), one
// goroutine per connection. By default it echoes with wsutil
// (ReadClientData, WriteServerMessage). With -low it uses gobwas's low-level
// API the way its README shows, made as fast as that API allows:
// ws.ReadHeader from a 4 KiB bufio.Reader, ws.Cipher to unmask in place,
// and ws.WriteHeader plus the payload in one buffer, one write per echo,
// with the read and write buffers kept for the connection's life. The
// low-level echo checks nothing a conformance suite would (UTF-8,
// fragmentation rules): it is the floor of what gobwas can cost.
package main

import (
	"bufio"
	"flag"
	"io"
	"log"
	"net"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	low := flag.Bool("low", false, "echo with ws.ReadHeader/Cipher/WriteHeader instead of wsutil")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			if _, err := ws.Upgrade(c); err != nil {
				return
			}
			if *low {
				echoLow(c)
				return
			}
			for {
				p, op, err := wsutil.ReadClientData(c)
				if err != nil {
					return
				}
				if err := wsutil.WriteServerMessage(c, op, p); err != nil {
					return
				}
			}
		}()
	}
}

// appendWriter lets ws.WriteHeader append to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// echoLow echoes every data frame as it comes (fragments included), answers
// a ping with a pong and a close with a close.
func echoLow(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	var payload []byte
	out := &appendWriter{b: make([]byte, 0, 4096+ws.MaxHeaderSize)}
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if h.Length > 16<<20 {
			return
		}
		n := int(h.Length)
		if cap(payload) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
			h.Masked = false
		}
		if h.OpCode == ws.OpPing {
			h.OpCode = ws.OpPong
		} else if h.OpCode == ws.OpPong {
			continue
		}
		out.b = out.b[:0]
		if err := ws.WriteHeader(out, h); err != nil {
			return
		}
		out.b = append(out.b, payload...)
		if _, err := c.Write(out.b); err != nil || h.OpCode == ws.OpClose {
			return
		}
	}
}
