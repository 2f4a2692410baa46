//go:build linux

package prefork_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/prefork"
)

// The parent reserves the port and starts two children; each listens on
// it with prefork.Listen and calls prefork.Ready (see childMain in this
// package's tests, the children's program). Cancelling the context (wire
// it to SIGINT and SIGTERM) stops them gracefully.
func ExampleRun() {
	addr, hold, err := prefork.Reserve("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hold.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err = prefork.Run(ctx, prefork.Options{
		Procs: 2,
		Args:  []string{"serve", addr.String()},
		Ready: func(pids []int) {
			fmt.Println(len(pids), "children ready")
			cancel()
		},
	})
	fmt.Println("stopped:", err)
	// Output:
	// 2 children ready
	// stopped: <nil>
}
