package deflate

import "github.com/autobahn-go/autobahn/ws"

// fragments cuts the compressed message z into binary frames of at most k
// bytes, RSV1 on the first, for exttest.RawFrames.
func fragments(z []byte, k int) (hs []ws.Header, ps [][]byte) {
	for i := 0; len(z) > 0; i++ {
		n := min(len(z), k)
		h := ws.Header{Op: ws.OpContinuation, Fin: n == len(z)}
		if i == 0 {
			h.Op, h.Rsv = ws.OpBinary, ws.Rsv1
		}
		hs, ps = append(hs, h), append(ps, z[:n])
		z = z[n:]
	}
	return hs, ps
}
