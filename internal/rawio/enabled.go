//go:build !autobahn_norawio

package rawio

import "os"

// enabled says Sysread and Syswrite (and so Read and Write) take the raw
// path: where there is one (flagged), unless the environment variable
// AUTOBAHN_RAWIO is "off" when the program starts (read once, here).
var enabled = flagged && os.Getenv("AUTOBAHN_RAWIO") != "off"

// tagOff says the autobahn_norawio build tag turned the raw path off.
const tagOff = false
