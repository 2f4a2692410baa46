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

var alertText = map[Alert]string{
	alertCloseNotify:       "close notify",
	AlertUnexpectedMessage: "unexpected message",
	AlertBadRecordMAC:      "bad record MAC",
	AlertRecordOverflow:    "record overflow",
	AlertIllegalParameter:  "illegal parameter",
	AlertDecodeError:       "error decoding message",
	AlertInternalError:     "internal error",
	alertUserCanceled:      "user canceled",
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

var errSecretLen = errors.New("tlsrec: traffic secret of the wrong length for the cipher suite")
