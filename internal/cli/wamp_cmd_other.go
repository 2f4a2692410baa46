//go:build !unix

package cli

import "os/exec"

// endWithGroup does nothing here: the end of the context kills the
// command alone (exec.CommandContext).
func endWithGroup(*exec.Cmd) {}
