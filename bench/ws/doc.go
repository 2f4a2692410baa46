// Package ws compares the cost of the WebSocket server handshake: Autobahn|Go's
// zero-copy parser against gobwas/ws (zero-copy too) and gorilla/websocket
// (on net/http's request parsing). Run:
//
//	go test -run '^$' -bench Handshake -count 10 ./ws/ | benchstat -
package ws
