// Package wamp compares the WAMP serializers of
// github.com/autobahn-go/autobahn/wamp/serialize with those of
// github.com/gammazero/nexus/v3 (transport/serialize): encode plus decode of
// CALL, RESULT and EVENT with a small payload and a 4 KiB one.
//
//	go test -run '^$' -bench . -benchmem -count 10 ./wamp/ | tee new.txt
//	benchstat -col /impl new.txt
package wamp
