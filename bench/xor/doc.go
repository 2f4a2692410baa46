// Package xor compares Autobahn|Go's WebSocket masking kernel with the
// masking functions other Go WebSocket libraries export, through their public
// APIs. Run:
//
//	cd bench && go test -run '^$' -bench . -count 10 ./xor/ | tee xor.txt && benchstat -col /lib xor.txt
package xor
