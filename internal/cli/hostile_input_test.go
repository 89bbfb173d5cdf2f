package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestHostileInput runs the scripts in testdata/hostile: zone files made to
// exhaust memory, hang, leak a secret or reach a terminal raw. Each runs
// zonecast under a memory and a time bound (the bounded command), so a
// regression fails the test instead of taking the machine down.
func TestHostileInput(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/hostile", RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"bounded": boundedCmd,
			"hostile": hostileCmd,
			// mkfifo FILE makes a named pipe nobody writes to.
			"mkfifo": func(ts *testscript.TestScript, neg bool, args []string) {
				ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
			},
			// decode-x FILE... replaces each \xHH in the files by the
			// octet HH, for octets a txtar file cannot hold well.
			"decode-x": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, name := range args {
					b, err := os.ReadFile(ts.MkAbs(name))
					ts.Check(err)
					b = hexEscape.ReplaceAllFunc(b, func(m []byte) []byte {
						n, _ := strconv.ParseUint(string(m[2:]), 16, 8)
						return []byte{byte(n)}
					})
					ts.Check(os.WriteFile(ts.MkAbs(name), b, 0o644))
				}
			},
		},
	})
}

var hexEscape = regexp.MustCompile(`\\x[0-9a-fA-F]{2}`)

// The bounds on one zonecast run. The test binary may be built with -race,
// which multiplies memory by about three and time by about five; 2,000,000
// records (the default limits.zone_records) take some 0.9 GiB without it.
var memBound, timeBound = func() (int64, time.Duration) {
	if raceEnabled() {
		return 4 << 30, 150 * time.Second
	}
	return 3 << 29, 60 * time.Second
}()

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// boundedEnv are the variables a bounded run passes on from the script.
var boundedEnv = []string{"WORK", "PATH", "HOME", "TMPDIR", "GORACE", "GOCOVERDIR", "NO_COLOR", "TSIG_SECRET"}

// boundedCmd is `bounded EXIT PROGRAM ARGS...`: it runs PROGRAM (zonecast)
// as a child, polls its resident memory (VmRSS) every 50 ms and kills it
// past memBound or timeBound, which fails the script; otherwise the exit
// status must be EXIT. Its output is the command's, for stdout and stderr.
func boundedCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: bounded EXIT PROGRAM ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	prog, err := lookPath(args[1], ts.Getenv("PATH"))
	ts.Check(err)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(prog, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	for _, k := range boundedEnv {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	ts.Check(cmd.Start())
	done := make(chan struct{})
	killed := make(chan string, 1)
	var peak int64 // the largest VmRSS polled; written before done is closed
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(timeBound)
		for {
			select {
			case <-done:
				return
			case <-deadline:
				killed <- fmt.Sprintf("still running after %v", timeBound)
				cmd.Process.Kill()
				return
			case <-tick.C:
				rss := vmRSS(cmd.Process.Pid)
				peak = max(peak, rss)
				if rss > memBound {
					killed <- fmt.Sprintf("resident memory %d MiB, over the bound of %d MiB", rss>>20, memBound>>20)
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	<-polled
	ts.Stdout().Write(stdout.Bytes())
	ts.Stderr().Write(stderr.Bytes())
	// rusage's maxrss is at least the test binary's own size at fork
	// (Linux keeps the high-water mark across exec): the polled peak
	// tells small runs apart.
	maxRSS := int64(0)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	ts.Logf("%s: max RSS %d MiB (rusage), %d MiB polled; CPU %v", strings.Join(args[1:], " "), maxRSS>>20, peak>>20,
		(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Round(time.Millisecond))
	select {
	case why := <-killed:
		ts.Fatalf("killed: %s", why)
	default:
	}
	checkExit(ts, err, want)
}

// vmRSS returns the resident memory of process pid, or 0 when it is gone.
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kib, _ := strconv.ParseInt(f[0], 10, 64)
				return kib << 10
			}
		}
	}
	return 0
}

// lookPath finds prog in path, the script's PATH.
func lookPath(prog, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, prog)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in the script's PATH", prog)
}
