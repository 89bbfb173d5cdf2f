package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/plan"
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

// Exit codes, as DESIGN.md and each command's help list them. They are
// decided in one place, exitCode, from the typed errors commands return.
const (
	exitOK      = 0
	exitError   = 1 // an error
	exitChanges = 2 // plan --exit-code found changes; verify found mismatches; sync --dry-run found drift
	exitPartial = 3 // some providers failed, the others were updated
	exitRefused = 4 // refused by a safety check; nothing changed
	exitStale   = 5 // apply PLANFILE: the plan is stale; nothing changed
)

// errDiffers is what a command returns when it found changes, drift or
// mismatches to report (exit 2).
var errDiffers = errors.New("differences found")

// reported wraps an error the command has already shown: Main maps its
// exit code and prints nothing more.
type reported struct{ err error }

func (r reported) Error() string { return r.err.Error() }
func (r reported) Unwrap() error { return r.err }

// exitCode maps a command's error to its exit status.
func exitCode(err error) int {
	var unsafe *plan.UnsafeError
	var refused *engine.RefusedError
	var notServing *engine.NotServingError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, plan.ErrStale):
		return exitStale
	case errors.Is(err, engine.ErrPartial):
		return exitPartial
	case errors.As(err, &unsafe), errors.As(err, &refused), errors.As(err, &notServing):
		return exitRefused
	case errors.Is(err, errDiffers):
		return exitChanges
	}
	return exitError
}

// streams are a command's output streams.
type streams struct {
	out, err io.Writer
}

// Main runs zonecast with args (without the program name) and returns the
// process exit code: the one exitCode gives for the command's error, which
// must be among the codes the command's help documents.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	ios := &streams{out: stdout, err: stderr}
	root := newRootCmd(ios)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var r reported
	if !errors.As(err, &r) {
		fmt.Fprintf(stderr, "zonecast: %v\n", err)
	}
	code := exitCode(err)
	if cmd != nil && !slices.Contains(documentedCodes(cmd), code) {
		fmt.Fprintf(stderr, "zonecast: bug: exit status %d is not documented for %q; exiting 1\n", code, cmd.CommandPath())
		return exitError
	}
	return code
}

// documentedCodes are the exit codes listed in the EXIT STATUS section of
// a command's help (0 and 1 when it has none).
func documentedCodes(cmd *cobra.Command) []int {
	codes := []int{exitOK, exitError}
	_, section, ok := strings.Cut(cmd.Long, "\nEXIT STATUS")
	if !ok {
		return codes
	}
	for _, line := range strings.Split(section, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(line, "  ") {
			break
		}
		if n, err := strconv.Atoi(f[0]); err == nil {
			codes = append(codes, n)
		}
	}
	return codes
}

func newRootCmd(ios *streams) *cobra.Command {
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
			h = slog.NewTextHandler(ios.err, hopts)
		case "json":
			h = slog.NewJSONHandler(ios.err, hopts)
		default:
			return fmt.Errorf("--log-format %q: want text or json", logFormat)
		}
		cmd.SetContext(context.WithValue(cmd.Context(), loggerKey{}, slog.New(h)))
		return nil
	}
	root.AddCommand(newValidateCmd(ios), newZoneCmd(ios), newPlanCmd(ios), newApplyCmd(ios), newProvidersCmd(ios), newVerifyCmd(ios), newFailoverCmd(ios), newAuditCmd(ios), newExportCmd(ios), newInitCmd(ios), newSyncCmd(ios))
	return root
}

// exitStatus is the EXIT STATUS section closing each command's help.
const exitStatus = `

EXIT STATUS
  0  success
  1  an error (a zone file with errors, a file that cannot be read, a bad flag)`
