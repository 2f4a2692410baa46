package main

import (
	"context"
	"io"
	"testing"
)

// -h prints the flags and is no failure: run returns nil, so the program
// exits 0 instead of logging "flag: help requested" and exiting 1.
func TestReview14cHelpIsNoError(t *testing.T) {
	if err := run(context.Background(), []string{"-h"}, io.Discard); err != nil {
		t.Fatalf("-h: %v", err)
	}
}
