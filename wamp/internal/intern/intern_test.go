package intern

import "testing"

func TestKey(t *testing.T) {
	for _, k := range []string{"progress", "receive_progress", "roles", "x", "", "unknown_key_of_some_length", "publisher_authrole"} {
		b := []byte(k)
		got := Key(b)
		if got != k {
			t.Fatalf("Key(%q) = %q", k, got)
		}
		for i := range b {
			b[i] = '#'
		}
		if got != k {
			t.Fatalf("Key(%q) aliases its input", k)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Key([]byte("receive_progress")) }); n != 0 {
		t.Errorf("Key allocated %v times for a well-known key", n)
	}
}
