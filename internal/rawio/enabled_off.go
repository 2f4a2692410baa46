//go:build autobahn_norawio

package rawio

// Built with the autobahn_norawio tag: no raw path, whatever the
// environment says.
const enabled = false

const tagOff = true
