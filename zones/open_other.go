//go:build !unix

package zones

// openNonblock: elsewhere opening a file does not wait.
const openNonblock = 0
