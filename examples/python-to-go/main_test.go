package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// start runs the example on a free port until the test ends and returns
// the router's URL.
func start(t *testing.T) (string, *exampletest.Output) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := exampletest.NewOutput()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after ctx ended")
		}
	})
	line := out.WaitLine(t, "router on ")
	url, _, _ := strings.Cut(strings.TrimPrefix(line, "router on "), " ")
	return url, out
}

// A Go caller gets the same answers caller.py prints, so the example is
// checked even where Autobahn|Python is missing.
func TestPythonToGoGoCaller(t *testing.T) {
	url, out := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, url, "realm1", client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Leave(ctx, "")
	res, err := s.Call(ctx, "com.example.greet", wamp.List{"Go"}, nil, nil)
	if err != nil || len(res.Args) != 1 || res.Args[0] != "Hello Go, from Go" {
		t.Errorf("greet: %v %v", res, err)
	}
	out.WaitLine(t, `greet("Go") called`)
	res, err = s.Call(ctx, "com.example.add2", wamp.List{2, 3}, nil, nil)
	if err != nil || len(res.Args) != 1 {
		t.Fatalf("add2: %v %v", res, err)
	}
	if n, ok := wamp.AsInt64(res.Args[0]); !ok || n != 5 {
		t.Errorf("add2(2, 3) = %v", res.Args[0])
	}
	_, err = s.Call(ctx, "com.example.add2", wamp.List{"two", 3}, nil, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.URI != wamp.ErrInvalidArgument {
		t.Errorf("add2(\"two\", 3): %v, want %s", err, wamp.ErrInvalidArgument)
	}
}

// TestPythonToGoAutobahnPython runs caller.py on Debian's Autobahn|Python
// against the example, with each serializer: it must exit 0 after printing
// the Go procedures' results and the invalid_argument error. Without
// python3-autobahn the test is skipped, unless INTEROP_REQUIRE=1
// (scripts/interop.sh, run by make test, sets it and installs the
// packages).
func TestPythonToGoAutobahnPython(t *testing.T) {
	py := "/usr/bin/python3" // only Debian's python sees python3-autobahn
	if err := exec.Command(py, "-c", "import autobahn.asyncio.wamp, msgpack, cbor2").Run(); err != nil {
		if os.Getenv("INTEROP_REQUIRE") == "1" {
			t.Fatalf("%s lacks autobahn, msgpack or cbor2 (%v): run scripts/interop.sh", py, err)
		}
		t.Skipf("%s lacks autobahn, msgpack or cbor2 (%v); scripts/interop.sh installs them", py, err)
	}
	url, out := start(t)
	for _, ser := range []string{"json", "msgpack", "cbor"} {
		t.Run(ser, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			got, err := exec.CommandContext(ctx, py, "caller.py", url, ser).CombinedOutput()
			if err != nil {
				t.Fatalf("caller.py: %v\n%s", err, got)
			}
			for _, want := range []string{"greet: Hello Python, from Go\n", "add2: 5\n", "add2 error: wamp.error.invalid_argument\n"} {
				if !strings.Contains(string(got), want) {
					t.Errorf("no %q in caller.py's output:\n%s", want, got)
				}
			}
		})
	}
	out.WaitLine(t, `greet("Python") called`)
}
