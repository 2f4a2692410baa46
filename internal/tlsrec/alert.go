package tlsrec

import (
	"errors"
	"strconv"
)

// An Alert is a TLS alert description (RFC 8446 6). As an error from
// Conn.Open it is the fatal alert to send the peer before closing.
type Alert uint8

// The alerts a Conn sends or names (RFC 8446 6).
const (
	alertCloseNotify       Alert = 0
	AlertUnexpectedMessage Alert = 10
	AlertBadRecordMAC      Alert = 20
	AlertRecordOverflow    Alert = 22
	AlertIllegalParameter  Alert = 47
	AlertDecodeError       Alert = 50
	AlertInternalError     Alert = 80
	alertUserCanceled      Alert = 90
)

// alertText names every alert of RFC 8446 6, so that the one a peer sent
// after the handshake (a server refusing the client's certificate sends
// certificate_required or bad_certificate then, in TLS 1.3) reads as
// clearly as crypto/tls's errors do.
var alertText = map[Alert]string{
	alertCloseNotify:       "close notify",
	AlertUnexpectedMessage: "unexpected message",
	AlertBadRecordMAC:      "bad record MAC",
	AlertRecordOverflow:    "record overflow",
	40:                     "handshake failure",
	42:                     "bad certificate",
	43:                     "unsupported certificate",
	44:                     "revoked certificate",
	45:                     "expired certificate",
	46:                     "unknown certificate",
	AlertIllegalParameter:  "illegal parameter",
	48:                     "unknown certificate authority",
	49:                     "access denied",
	AlertDecodeError:       "error decoding message",
	51:                     "error decrypting message",
	70:                     "protocol version not supported",
	71:                     "insufficient security level",
	AlertInternalError:     "internal error",
	86:                     "inappropriate fallback",
	alertUserCanceled:      "user canceled",
	109:                    "missing extension",
	110:                    "unsupported extension",
	112:                    "unrecognized name",
	113:                    "bad certificate status response",
	115:                    "unknown PSK identity",
	116:                    "certificate required",
	120:                    "no application protocol",
}

func (a Alert) String() string {
	if s, ok := alertText[a]; ok {
		return s
	}
	return "alert(" + strconv.Itoa(int(a)) + ")"
}

func (a Alert) Error() string { return "tls: " + a.String() }

// A RemoteAlert is the fatal alert the peer sent.
type RemoteAlert struct{ Alert Alert }

func (e *RemoteAlert) Error() string { return "tls: remote error: " + e.Alert.String() }

var errSeqSpent = errors.New("tlsrec: sequence number exhausted after an alert")

var errSecretLen = errors.New("tlsrec: traffic secret of the wrong length for the cipher suite")
