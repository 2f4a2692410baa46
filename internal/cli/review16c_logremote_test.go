package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// With --log-format json -v, serve's "open" and "close" lines give the
// peer's address as a string ("127.0.0.1:40622"), as the text format does,
// not as the fields of a *net.TCPAddr ({"IP":…,"Port":…,"Zone":""}).
func TestServeJSONLogRemoteIsString(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := &wsloop.Server{Handler: echoHandler{log: logger}, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+addr.String()+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close(ws.StatusNormalClosure, "bye")
	_ = srv.Shutdown(ctx)
	<-ran

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	seen := map[string]bool{}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		msg, _ := rec["msg"].(string)
		if msg != "open" && msg != "close" {
			continue
		}
		seen[msg] = true
		remote, ok := rec["remote"].(string)
		if !ok || !strings.HasPrefix(remote, "127.0.0.1:") {
			t.Errorf("%s line: remote = %#v, want a string 127.0.0.1:PORT\n%s", msg, rec["remote"], line)
		}
	}
	if !seen["open"] || !seen["close"] {
		t.Fatalf("want an open and a close line, got:\n%s", buf.String())
	}
}
