//go:build !linux

package dnstest

import "syscall"

// sysProcAttr sets nothing: only Linux can tie a daemon's life to the test
// binary's.
func sysProcAttr() *syscall.SysProcAttr { return nil }
