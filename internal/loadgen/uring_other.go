//go:build !linux

package loadgen

import (
	"context"
	"errors"
	"net/url"
)

// startURing refuses: io_uring is Linux's.
func (r *Run) startURing(context.Context, *url.URL) (*Result, error) {
	return nil, errors.New("loadgen: the uring engine is not supported on this system (Linux only)")
}
