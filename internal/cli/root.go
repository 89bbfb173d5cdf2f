package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is the zonecast version, set at build time with
// -ldflags "-X github.com/zonecast/zonecast/internal/cli.Version=v1.2.3";
// without it the module version from the build info is used.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Exit codes, as DESIGN.md and each command's help list them.
const (
	exitOK    = 0
	exitError = 1
)

// exitError carries a command's exit code without an extra message: the
// command has already said what went wrong.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// streams are a command's output streams.
type streams struct {
	out, err io.Writer
}

// Main runs zonecast with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	io := &streams{out: stdout, err: stderr}
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	fmt.Fprintf(stderr, "zonecast: %v\n", err)
	return exitError
}

func newRootCmd(io *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "zonecast",
		Short: "Keep one DNS zone served identically by several independent providers",
		Long: `zonecast keeps one DNS zone, written as a BIND zone file in git, served
identically by several independent DNS providers, so that no single
provider's outage takes the domain off the Internet.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("zonecast {{.Version}}\n")
	var logFormat, logLevel string
	root.PersistentFlags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		var level slog.Level
		if err := level.UnmarshalText([]byte(logLevel)); err != nil {
			return fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
		}
		hopts := &slog.HandlerOptions{Level: level}
		var h slog.Handler
		switch logFormat {
		case "text":
			h = slog.NewTextHandler(io.err, hopts)
		case "json":
			h = slog.NewJSONHandler(io.err, hopts)
		default:
			return fmt.Errorf("--log-format %q: want text or json", logFormat)
		}
		cmd.SetContext(context.WithValue(cmd.Context(), loggerKey{}, slog.New(h)))
		return nil
	}
	root.AddCommand(newValidateCmd(io), newZoneCmd(io), newPlanCmd(io), newApplyCmd(io), newProvidersCmd(io), newVerifyCmd(io), newFailoverCmd(io), newAuditCmd(io), newExportCmd(io), newInitCmd(io), newSyncCmd(io))
	return root
}

// exitStatus is the EXIT STATUS section closing each command's help.
const exitStatus = `

EXIT STATUS
  0  success
  1  an error (a zone file with errors, a file that cannot be read, a bad flag)`
