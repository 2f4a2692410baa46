package inbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var errFull = errors.New("full")

func full(n int, bytes int64) error { return fmt.Errorf("%w: %d %d", errFull, n, bytes) }

func TestOrderAndCopy(t *testing.T) {
	in := New(0, 0, full)
	p := []byte("abc")
	for i := range 1000 {
		p[0] = byte(i)
		if !in.Put(p, i%2 == 0) {
			t.Fatal("Put refused with no limits")
		}
	}
	p[1] = 'X' // the inbox holds copies
	for i := range 1000 {
		m, err := in.Take(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (*m.P)[0] != byte(i) || string((*m.P)[1:]) != "bc" || m.Binary != (i%2 == 0) {
			t.Fatalf("message %d: %q binary=%v", i, *m.P, m.Binary)
		}
		Release(m.P)
	}
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBytes int64
		maxCount int
		accepted int // messages of 10 octets taken before the overflow
	}{
		{"count", 0, 3, 3},
		{"bytes", 25, 0, 2},
		{"both", 35, 5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := New(tc.maxBytes, tc.maxCount, full)
			p := make([]byte, 10)
			for i := range tc.accepted {
				if !in.Put(p, true) {
					t.Fatalf("message %d refused", i)
				}
			}
			if in.Put(p, true) {
				t.Fatal("overflow accepted")
			}
			// What was queued is dropped; the end is the overflow error.
			if _, err := in.Take(context.Background(), nil, nil); !errors.Is(err, errFull) {
				t.Fatalf("Take after overflow: %v", err)
			}
			if !in.Put(p, true) { // after the end messages are dropped silently
				t.Fatal("Put after the end reported overflow")
			}
			if _, err := in.Take(context.Background(), nil, nil); !errors.Is(err, errFull) {
				t.Fatalf("Take after the end: %v", err)
			}
		})
	}
}

func TestFirstMessageAlwaysTaken(t *testing.T) {
	in := New(4, 1, full)
	if !in.Put(make([]byte, 100), false) {
		t.Fatal("an empty inbox refused a message over its byte limit")
	}
}

func TestFinishAfterMessages(t *testing.T) {
	in := New(0, 0, full)
	end := errors.New("end")
	in.Put([]byte("x"), false)
	in.Finish(end)
	in.Finish(errors.New("later")) // the first end stays
	m, err := in.Take(context.Background(), nil, nil)
	if err != nil || string(*m.P) != "x" {
		t.Fatalf("queued message before the end: %v %v", m, err)
	}
	if _, err := in.Take(context.Background(), nil, nil); err != end {
		t.Fatalf("end: %v", err)
	}
}

func TestTakeWaits(t *testing.T) {
	in := New(0, 0, full)
	go func() {
		time.Sleep(10 * time.Millisecond)
		in.Put([]byte("late"), true)
	}()
	m, err := in.Take(context.Background(), nil, nil)
	if err != nil || string(*m.P) != "late" {
		t.Fatalf("%v %v", m, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := in.Take(ctx, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ctx: %v", err)
	}
	closed := make(chan struct{})
	close(closed)
	errClosed := errors.New("closed")
	if _, err := in.Take(context.Background(), closed, errClosed); err != errClosed {
		t.Fatalf("closed: %v", err)
	}
}

func TestLimit(t *testing.T) {
	if Limit(0, 7) != 7 || Limit(-1, 7) != 0 || Limit(3, 7) != 3 {
		t.Fatal("Limit")
	}
}

// TestPause: the Inbox pauses reading at a quarter of either bound and
// resumes once Take brought it to an eighth of both, once each way.
func TestPause(t *testing.T) {
	in := New(0, 80, func(int, int64) error { return errors.New("full") })
	var calls []bool
	in.SetPause(func(p bool) { calls = append(calls, p) })
	for i := range 30 {
		if !in.Put([]byte{byte(i)}, false) {
			t.Fatalf("Put %d refused", i)
		}
		if want := i >= 19; (len(calls) == 1) != want {
			t.Fatalf("after %d messages: pause calls %v", i+1, calls)
		}
	}
	for i := range 20 {
		m, err := in.Take(context.Background(), nil, nil)
		if err != nil || (*m.P)[0] != byte(i) {
			t.Fatalf("Take %d: %v, %v", i, m, err)
		}
		Release(m.P)
		if want := i >= 19; (len(calls) == 2) != want {
			t.Fatalf("after %d taken (%d left): pause calls %v", i+1, 29-i, calls)
		}
	}
	if len(calls) != 2 || !calls[0] || calls[1] {
		t.Fatalf("pause calls %v, want [true false]", calls)
	}
	inb := New(1000, 0, func(int, int64) error { return errors.New("full") })
	calls = nil
	inb.SetPause(func(p bool) { calls = append(calls, p) })
	inb.Put(make([]byte, 249), false)
	inb.Put(make([]byte, 1), false)
	if len(calls) != 1 {
		t.Fatalf("bytes: pause calls %v at 250 of 1000 octets", calls)
	}
}
