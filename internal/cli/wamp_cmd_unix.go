//go:build unix

package cli

import (
	"os/exec"
	"syscall"
)

// endWithGroup puts register's command in a process group of its own and
// makes the end of its context kill the whole group: the processes a
// script starts without exec (a shell's other commands, a pipeline) end
// with it, rather than outlive autobahn holding the command's output open.
func endWithGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
}
