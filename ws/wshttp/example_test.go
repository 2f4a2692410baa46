package wshttp_test

import (
	"context"
	"net/http"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

func ExampleAccept() {
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := wshttp.Accept(w, r, &ws.Options{AllowedOrigins: []string{"*.example.com"}})
		if err != nil {
			return // Accept answered with the HTTP error
		}
		defer c.Close(ws.StatusNormalClosure, "")
		for {
			op, p, err := c.ReadMessage(r.Context())
			if err != nil {
				return
			}
			if err := c.WriteMessage(r.Context(), op, p); err != nil {
				return
			}
		}
	})
}

type chat struct{ ws.BaseHandler }

func (chat) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	if req.Get("Authorization") == "" {
		return ws.Accept{}, &ws.HandshakeError{Status: http.StatusUnauthorized, Reason: "log in first"}
	}
	return ws.Accept{Protocol: "chat.v1"}, nil
}

func (chat) OnMessage(c *ws.Conn, _ ws.Opcode, payload []byte) {
	_ = c.WriteMessage(context.Background(), ws.OpText, payload)
}

func ExampleHandler() {
	srv := &ws.Server{Handler: chat{}, Options: &ws.Options{MaxConnections: 10000}}
	mux := http.NewServeMux()
	mux.Handle("/chat", wshttp.Handler(srv))
	// Bounded HTTP: the upgraded connections' deadlines are cleared.
	hs := &http.Server{
		Addr:              "127.0.0.1:8080",
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	_ = hs // go hs.ListenAndServe()
	// On shutdown: hs.Shutdown(ctx), and srv.Shutdown(ctx), which closes
	// every WebSocket connection with 1001.
}
