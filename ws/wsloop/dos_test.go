package wsloop_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestDoS runs the DoS checklist (issue 15) against wsloop.Server.
func TestDoS(t *testing.T) {
	wsconf.DoS(t, func(t *testing.T, h ws.Handler, o *ws.Options) string {
		a, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: o})
		return a.String()
	}, nil)
}
