package wsloop_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// A health check on the loop's own port, beside the WebSockets: requests
// without an Upgrade header go to Server.HTTP.
func ExampleServer_healthCheck() {
	srv := &wsloop.Server{
		Handler: greeter{},
		Config:  eventloop.Config{Loops: 1},
		HTTP: func(r *ws.Request) wsloop.HTTPResponse {
			if string(r.Target) == "/healthz" {
				return wsloop.HTTPResponse{Body: []byte("ok")}
			}
			return wsloop.HTTPResponse{Status: 404}
		},
	}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr.String() + "/healthz")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	_ = srv.Shutdown(context.Background())
	<-ran
	// Output: 200 ok
}
