package dnstest

import "syscall"

// sysProcAttr makes the kernel kill a daemon when the test binary dies
// without running its cleanups (a test timeout panics and exits), so no
// stray named or knotd keeps a port. The signal is tied to the OS thread
// that forked the daemon; Go only ends threads that a goroutine locked and
// left locked, which tests here do not do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
