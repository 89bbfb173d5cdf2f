// Command zonecast keeps one DNS zone served identically by several DNS
// providers. See README.md.
package main

import (
	"os"

	"github.com/zonecast/zonecast/internal/cli"
)

func main() {
	ctx, stop := cli.SignalContext(os.Stderr, os.Exit)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
