package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalHelperProcess is not a test: the tests below run the test
// binary as a child that takes SignalContext and then ignores its context,
// as a stuck parser or library call would.
func TestSignalHelperProcess(t *testing.T) {
	if os.Getenv("ZONECAST_SIGNAL_HELPER") != "1" {
		return
	}
	ctx, stop := SignalContext(os.Stderr, os.Exit)
	defer stop()
	if os.Getenv("ZONECAST_SIGNAL_JSON") == "1" {
		// As zonecast --log-format json does before its command runs.
		if code := Main(ctx, []string{"--log-format", "json", "version"}, io.Discard, os.Stderr); code != 0 {
			os.Exit(code)
		}
	}
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("cancelled")
	select {} // stuck: only the grace timer or a second signal ends it
}

// startStuck starts the helper and waits until it has its signal handler.
func startStuck(t *testing.T, env ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalHelperProcess$")
	cmd.Env = append(append(os.Environ(), "ZONECAST_SIGNAL_HELPER=1"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("helper did not start: %q %s", sc.Text(), stderr.String())
	}
	return cmd, sc, &stderr
}

// wait waits for the child, failing the test if it is still running after
// bound: a bound on the test, not a timing assertion.
func wait(t *testing.T, cmd *exec.Cmd, bound time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("child: %v (want an exit status)", err)
		}
		return ee.ExitCode()
	case <-time.After(bound):
		t.Fatalf("still running %s after the signal: SIGINT must end zonecast within seconds", bound)
		return -1
	}
}

// SIGINT cancels the context; work that ignores it is ended after
// StopGrace with exit 3 and a line saying so.
func TestSignalEndsStuckWork(t *testing.T) {
	cmd, sc, stderr := startStuck(t)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if !sc.Scan() || sc.Text() != "cancelled" {
		t.Fatalf("context not cancelled by SIGINT: %q", sc.Text())
	}
	if code := wait(t, cmd, StopGrace+30*time.Second); code != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", code, stderr)
	}
	if want := "did not stop within 5s of interrupt: exiting now"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q lacks %q", stderr, want)
	}
}

// A second signal ends it at once, without waiting for the grace.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	cmd, sc, stderr := startStuck(t)
	cmd.Process.Signal(syscall.SIGTERM)
	if !sc.Scan() || sc.Text() != "cancelled" {
		t.Fatalf("context not cancelled by SIGTERM: %q", sc.Text())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := wait(t, cmd, StopGrace+30*time.Second); code != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", code, stderr)
	}
	if want := "interrupt after terminated: exiting now"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q lacks %q", stderr, want)
	}
}

// With --log-format json the line saying zonecast ends now is a JSON
// record too, and the only thing on stderr.
func TestSignalNoticeJSON(t *testing.T) {
	cmd, sc, stderr := startStuck(t, "ZONECAST_SIGNAL_JSON=1")
	cmd.Process.Signal(syscall.SIGTERM)
	if !sc.Scan() || sc.Text() != "cancelled" {
		t.Fatalf("context not cancelled by SIGTERM: %q", sc.Text())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := wait(t, cmd, StopGrace+30*time.Second); code != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", code, stderr)
	}
	var rec struct{ Level, Msg string }
	if err := json.Unmarshal(bytes.TrimSuffix(stderr.Bytes(), []byte("\n")), &rec); err != nil {
		t.Fatalf("stderr is not one JSON record: %v\n%s", err, stderr)
	}
	if want := "interrupt after terminated: exiting now; run again to converge"; rec.Level != "ERROR" || rec.Msg != want {
		t.Fatalf("record level %q msg %q, want ERROR %q", rec.Level, rec.Msg, want)
	}
}
