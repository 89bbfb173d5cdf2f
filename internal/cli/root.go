package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/plan"
)

// Version is the zonecast version the Makefile sets at build time with
// -ldflags "-X github.com/zonecast/zonecast/internal/cli.Version=$(git describe)".
// See version for the order in which the sources count.
var Version = ""

// version is the zonecast version: the module version of a release build
// (go install github.com/zonecast/zonecast/cmd/zonecast@v1.2.3), else the
// -ldflags Version (make build), else the version the go command stamped
// from the checkout, else "(devel)" and the commit.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(Version, bi)
}

// versionOf is version for a given -ldflags value and build info (nil when
// the binary has none).
func versionOf(ldflags string, bi *debug.BuildInfo) string {
	var mod string
	if bi != nil && bi.Main.Version != "(devel)" {
		mod = bi.Main.Version
	}
	// A release: a version from the module proxy, not a pseudo-version
	// (v0.0.0-20260102150405-abcdef123456) nor a dirty checkout's, which
	// the go command stamps from the working tree since Go 1.24.
	if mod != "" && !pseudo(mod) && !strings.HasSuffix(mod, "+dirty") {
		return mod
	}
	if ldflags != "" {
		return ldflags
	}
	if mod != "" {
		return mod
	}
	v := "(devel)"
	if bi != nil {
		var rev string
		var dirty bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			v += " " + rev[:min(len(rev), 12)]
			if dirty {
				v += "-dirty"
			}
		}
	}
	return v
}

// pseudo reports whether v is a Go pseudo-version, vX.Y.Z-[0.]yyyymmddhhmmss-abcdefabcdef
// (https://go.dev/ref/mod#pseudo-versions).
func pseudo(v string) bool {
	v, _, _ = strings.Cut(v, "+")
	i := strings.LastIndexByte(v, '-')
	if i < 0 || len(v)-i-1 != 12 {
		return false
	}
	rest := v[:i]
	j := strings.LastIndexAny(rest, "-.")
	if j < 0 {
		return false
	}
	ts := rest[j+1:]
	if len(ts) != 14 {
		return false
	}
	for _, c := range ts + v[i+1:] {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
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

// streams are a command's input and output streams, and how it writes to
// stderr, as the root flags (--log-format, --log-level, --quiet) set up
// before any command runs.
type streams struct {
	in       *os.File // stdin: apply asks for confirmation on it
	out, err io.Writer
	// raw is stderr itself. With --log-format json, err is a jsonLines
	// writing to it: every line a command writes becomes a log record.
	raw io.Writer
	log *slog.Logger
	// json: --log-format json; quiet: -q, only errors and results.
	json, quiet         bool
	logFormat, logLevel string
	// allPairs: --all-pairs, every zone × provider pair listed, even
	// past plan.BriefAfter in sync.
	allPairs bool
}

// setup makes the logger and the stderr writer from the root flags.
func (s *streams) setup() error {
	if s.raw == nil {
		s.raw = s.err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", s.logLevel)
	}
	if s.quiet {
		level = max(level, slog.LevelError)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch s.logFormat {
	case "text":
		s.log, s.json, s.err = slog.New(slog.NewTextHandler(s.raw, hopts)), false, s.raw
	case "json":
		s.log, s.json = slog.New(slog.NewJSONHandler(s.raw, hopts)), true
		s.err = &jsonLines{log: s.log}
	default:
		return fmt.Errorf("--log-format %q: want text or json", s.logFormat)
	}
	return nil
}

// say writes one line to stderr at level: as it is, or, with --log-format
// json, as one JSON object whose msg is the line less its "zonecast: "
// prefix, with attrs. With --quiet only errors are written.
func (s *streams) say(level slog.Level, line string, attrs ...any) {
	if s.json && s.log != nil {
		msg, _ := strings.CutPrefix(line, "zonecast: ")
		s.log.Log(context.Background(), level, msg, attrs...)
		return
	}
	if s.quiet && level < slog.LevelError {
		return
	}
	fmt.Fprintln(s.err, line)
}

// jsonLines is stderr with --log-format json: each line written to it (a
// message of a command that has no level of its own) becomes one log
// record at info, or at warn for "zonecast: warning: ...".
type jsonLines struct {
	mu  sync.Mutex
	log *slog.Logger
	buf []byte
}

func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = append(j.buf, p...)
	for {
		i := bytes.IndexByte(j.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(j.buf[:i])
		j.buf = j.buf[i+1:]
		j.emit(line)
	}
}

func (j *jsonLines) emit(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	msg, _ := strings.CutPrefix(line, "zonecast: ")
	level := slog.LevelInfo
	if m, ok := strings.CutPrefix(msg, "warning: "); ok {
		level, msg = slog.LevelWarn, m
	}
	j.log.Log(context.Background(), level, msg)
}

// flush writes out a last line that did not end in a newline.
func (j *jsonLines) flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.buf) > 0 {
		j.emit(string(j.buf))
		j.buf = nil
	}
}

// stderrOf is cobra's stderr: whatever the streams' err is when cobra
// writes, which the root flags may have changed since the command was
// built.
type stderrOf struct{ s *streams }

func (w stderrOf) Write(p []byte) (int, error) { return w.s.err.Write(p) }

// Main runs zonecast with args (without the program name) and returns the
// process exit code: the one exitCode gives for the command's error, which
// must be among the codes the command's help documents.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, &streams{in: os.Stdin, out: stdout, err: stderr}, args)
}

// run is Main with the streams given, stdin included.
func run(ctx context.Context, ios *streams, args []string) int {
	ios.raw = ios.err
	root := newRootCmd(ios)
	root.SetArgs(args)
	if ios.in != nil {
		root.SetIn(ios.in)
	}
	root.SetOut(ios.out)
	root.SetErr(stderrOf{ios})
	cmd, err := root.ExecuteContextC(ctx)
	pprof.StopCPUProfile() // --cpuprofile; nothing when not started
	if ios.log == nil {
		// The flags were not all read (a bad flag) or were bad: report
		// as far as they say, else as text.
		if ios.setup() != nil {
			ios.logLevel = "info"
			if ios.setup() != nil {
				ios.logFormat = "text"
				ios.setup()
			}
		}
	}
	defer func() {
		if j, ok := ios.err.(*jsonLines); ok {
			j.flush()
		}
	}()
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var r reported
	if !errors.As(err, &r) {
		ios.say(slog.LevelError, "zonecast: "+err.Error(), "exit", code)
	}
	if cmd != nil && !slices.Contains(documentedCodes(cmd), code) {
		ios.say(slog.LevelError, fmt.Sprintf("zonecast: bug: exit status %d is not documented for %q; exiting 1", code, cmd.CommandPath()))
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
	pf := root.PersistentFlags()
	pf.StringVar(&ios.logFormat, "log-format", "text", "log format on stderr: text or json (every line on stderr is then one JSON object)")
	pf.StringVar(&ios.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.BoolVar(&ios.allPairs, "all-pairs", false, fmt.Sprintf("list every zone × provider pair, even those in sync (past %d pairs they are counted)", plan.BriefAfter))
	pf.BoolVarP(&ios.quiet, "quiet", "q", false, "only errors and the result: plan prints one line per zone × provider with changes, apply one per result")
	// --cpuprofile FILE: a CPU profile of the command, for a slow run to
	// be reported (go tool pprof FILE). Hidden: not for everyday use.
	var cpuProfile string
	pf.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	pf.MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := ios.setup(); err != nil {
			return err
		}
		if cpuProfile != "" {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
		}
		if stop, ok := cmd.Context().Value(stopNoticeKey{}).(*stopNotice); ok && ios.json {
			stop.set(func(msg string) { ios.log.Error(msg) })
		}
		cmd.SetContext(context.WithValue(cmd.Context(), loggerKey{}, ios.log))
		return nil
	}
	root.AddCommand(newValidateCmd(ios), newZoneCmd(ios), newPlanCmd(ios), newApplyCmd(ios), newProvidersCmd(ios), newVerifyCmd(ios), newFailoverCmd(ios), newAuditCmd(ios), newExportCmd(ios), newInitCmd(ios), newSyncCmd(ios), newVersionCmd(ios))
	return root
}

func newVersionCmd(ios *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the zonecast version (as --version does)",
		Long: `Print the zonecast version: the module version of a release
(go install github.com/zonecast/zonecast/cmd/zonecast@vX.Y.Z), else the one
make build records (git describe), else "(devel)" and the commit it was built
from.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(ios.out, "zonecast %s\n", version())
			return err
		},
	}
}

// exitStatus is the EXIT STATUS section closing each command's help.
const exitStatus = `

EXIT STATUS
  0  success
  1  an error (a zone file with errors, a file that cannot be read, a bad flag)`
