package wsmetrics_test

import (
	"bytes"
	"testing"

	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// TestNilSetWritesEmptySetSeries: a nil Set "writes zeros": the same
// series as a Set that counted nothing, histogram buckets included (it
// wrote only the +Inf bucket of each histogram).
func TestNilSetWritesEmptySetSeries(t *testing.T) {
	var nilText, emptyText bytes.Buffer
	var m *wsmetrics.Set
	if err := m.WriteText(&nilText); err != nil {
		t.Fatal(err)
	}
	if err := new(wsmetrics.Set).WriteText(&emptyText); err != nil {
		t.Fatal(err)
	}
	if nilText.String() != emptyText.String() {
		t.Errorf("a nil Set wrote\n%s\nan empty Set\n%s", nilText.String(), emptyText.String())
	}
}
