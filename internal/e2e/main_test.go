package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// zonecastBin is the binary TestMain built from ./cmd/zonecast.
var zonecastBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "zonecast-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	zonecastBin = filepath.Join(dir, "zonecast")
	build := exec.Command("go", "build", "-o", zonecastBin, "./cmd/zonecast")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/zonecast: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the folder of the go.mod this package belongs to.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		if mod := strings.TrimSpace(string(out)); mod != "" && mod != os.DevNull {
			return filepath.Dir(mod), nil
		}
	}
	// go env failed or runs outside the module: this package is
	// internal/e2e of it.
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	return abs, nil
}

// result is one run of the binary.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	took           time.Duration
}

// String shows the run for a failure message: command, status and the ends
// of its output.
func (r result) String() string {
	// The plan's lines are indented; what zonecast says about each
	// provider is not.
	var said []string
	for _, l := range strings.SplitAfter(r.stdout, "\n") {
		if l != "" && l[0] != ' ' && l[0] != '\n' {
			said = append(said, l)
		}
	}
	return fmt.Sprintf("$ zonecast %s\nexit %d after %v\n--- stdout (%d lines; the end, then every unindented line):\n%s--- unindented:\n%s--- stderr:\n%s",
		strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond), strings.Count(r.stdout, "\n"), tail(r.stdout, 20), tail(strings.Join(said, ""), 20), tail(r.stderr, 40))
}

func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[… %d lines]\n", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "")
}

// zonecast runs the built binary in dir with env added to a clean
// environment. It fails t only when the binary cannot run at all.
func zonecast(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, zonecastBin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"NO_COLOR=1",
		// Keep the AWS SDK away from the machine's own settings.
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}, env...)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run zonecast %s: %v", strings.Join(args, " "), err)
	}
	return res
}
