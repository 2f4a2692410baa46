package ws

import (
	"errors"

	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// SetMetrics counts c in m from now on: as opened at once, then the
// messages it delivers and accepts for sending and, when its OnClose is
// called, its close code and lifetime (see package wsmetrics for what is
// counted). Server and wsloop.Server call it for every connection when
// their Metrics is set; a driver of its own calls it once, before the
// connection is served. A nil m counts nothing.
func (c *Conn) SetMetrics(m *wsmetrics.Set) {
	if m == nil {
		return
	}
	c.metrics = &connMetrics{set: m, openedAt: m.Open()}
}

// connMetrics is where a Conn is counted, made by SetMetrics: a connection
// that is not counted carries one nil pointer. Its methods, like
// wsmetrics.Set's, count nothing on nil.
type connMetrics struct {
	set      *wsmetrics.Set
	openedAt int64 // set.Open's start time of the connection
}

// Received counts a message of n payload bytes delivered.
func (m *connMetrics) Received(n int) {
	if m != nil {
		m.set.Received(n)
	}
}

// Sent counts a message of n payload bytes accepted for sending.
func (m *connMetrics) Sent(n int) {
	if m != nil {
		m.set.Sent(n)
	}
}

// sent counts a message of n payload bytes as sent if err is nil, and
// returns err.
func (c *Conn) sent(err error, n int) error {
	if err == nil && c.metrics != nil {
		c.metrics.Sent(n)
	}
	return err
}

// countClose counts c as closed for the error it ended with, with the
// code closed gives its OnClose.
func (c *Conn) countClose(err error) {
	if c.metrics == nil {
		return
	}
	code := StatusAbnormalClosure
	var ce *CloseError
	var pe *ProtocolError
	switch {
	case errors.As(err, &ce):
		code = ce.Code
	case errors.As(err, &pe):
		code = pe.Code
	}
	c.metrics.set.Close(uint16(code), c.metrics.openedAt)
}

// sentBatch is sent for the messages of WriteMessages.
func (c *Conn) sentBatch(err error, payloads [][]byte) error {
	if err == nil && c.metrics != nil {
		for _, p := range payloads {
			c.metrics.Sent(len(p))
		}
	}
	return err
}
