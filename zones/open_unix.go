//go:build unix

package zones

import "syscall"

// openNonblock opens a FIFO without waiting for a writer, so that a zone
// file that is one is refused (readRegular) instead of hanging.
const openNonblock = syscall.O_NONBLOCK
