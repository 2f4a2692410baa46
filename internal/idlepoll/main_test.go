package idlepoll

import (
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
