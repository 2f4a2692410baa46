package wamp

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// BatchSeparator ends every message in a text batch ("wamp.2.json.batched").
// Autobahn|Python writes b'\30', octal 30, which is 0x18; we follow it.
const BatchSeparator = 0x18

// ErrBatchFormat is returned for a batched frame that does not split cleanly.
var ErrBatchFormat = errors.New("wamp: batch format error")

// AppendBatched appends m to a batched WebSocket frame in the framing
// Autobahn uses: text serializers end each message with BatchSeparator;
// binary ones put a 4-octet big-endian length before each message.
func AppendBatched(dst []byte, s Serializer, m Message) ([]byte, error) {
	if !s.Binary() {
		out, err := s.AppendMessage(dst, m)
		if err != nil {
			return dst, err
		}
		return append(out, BatchSeparator), nil
	}
	start := len(dst)
	out, err := s.AppendMessage(append(dst, 0, 0, 0, 0), m)
	if err != nil {
		return dst, err
	}
	n := len(out) - start - 4
	if uint64(n) > 0xFFFFFFFF {
		return dst, ErrBatchFormat
	}
	binary.BigEndian.PutUint32(out[start:], uint32(n))
	return out, nil
}

// SplitBatched decodes every message of a batched frame, in order, and calls
// fn with each. It stops at the first error.
func SplitBatched(s Serializer, frame []byte, fn func(Message) error) error {
	if len(frame) == 0 {
		return ErrBatchFormat
	}
	for len(frame) > 0 {
		var one []byte
		if s.Binary() {
			if len(frame) < 4 {
				return ErrBatchFormat
			}
			n := binary.BigEndian.Uint32(frame)
			if uint64(n) > uint64(len(frame)-4) {
				return ErrBatchFormat
			}
			one, frame = frame[4:4+n], frame[4+n:]
		} else {
			i := bytes.IndexByte(frame, BatchSeparator)
			if i < 0 {
				return ErrBatchFormat
			}
			one, frame = frame[:i], frame[i+1:]
		}
		m, err := s.Unmarshal(one)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
