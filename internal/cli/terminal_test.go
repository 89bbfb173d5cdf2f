//go:build linux

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal: what is written
// to master is read from slave as from a keyboard.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no pseudo-terminals here: %v", err)
		}
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// notTerminals are the stdins that are no terminal, each holding "yes"
// where it can: /dev/null (a character device, as a terminal is), a
// regular file and a pipe.
func notTerminals(t *testing.T) map[string]*os.File {
	t.Helper()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	name := filepath.Join(t.TempDir(), "answers")
	if err := os.WriteFile(name, []byte("yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	w.WriteString("yes\n")
	w.Close()
	return map[string]*os.File{"/dev/null": devnull, "a regular file": file, "a pipe": r}
}

func TestIsTerminal(t *testing.T) {
	for name, f := range notTerminals(t) {
		if isTerminal(f) {
			t.Errorf("isTerminal(%s) = true, want false", name)
		}
	}
	if isTerminal(nil) {
		t.Errorf("isTerminal(nil) = true, want false")
	}
	_, slave := openPTY(t)
	if !isTerminal(slave) {
		t.Errorf("isTerminal(a pseudo-terminal) = false, want true")
	}
}

const applyConfig = `providers:
  files:
    type: zonefile
    directory: out
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [files]
`

const applyZone = `$TTL 300
@ SOA ns hostmaster 1 7200 900 1209600 300
@ NS ns
ns A 192.0.2.1
`

// inApplyDir makes the working directory a new folder holding a
// configuration with one zone-file provider, out/, that serves nothing.
func inApplyDir(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"zonecast.yaml": applyConfig, "example.com.zone": applyZone} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

// apply without --yes asks only a terminal: from /dev/null, a file or a
// pipe it refuses, saying to pass --yes, and reads no "yes"; on a
// terminal it asks and applies what the person answers yes to.
func TestApplyAsksOnlyATerminal(t *testing.T) {
	for name, stdin := range notTerminals(t) {
		t.Run(strings.TrimPrefix(name, "/"), func(t *testing.T) {
			inApplyDir(t)
			var out, errs bytes.Buffer
			code := run(t.Context(), &streams{in: stdin, out: &out, err: &errs}, []string{"apply"})
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			want := "zonecast: stdin is not a terminal, so apply cannot ask for confirmation: pass --yes to apply\n"
			if !strings.HasSuffix(errs.String(), want) {
				t.Errorf("stderr %q, want it to end in %q", errs.String(), want)
			}
			if strings.Contains(errs.String(), "[y/N]") {
				t.Errorf("stderr %q asks a question nobody can answer", errs.String())
			}
			if _, err := os.Stat("out/example.com.zone"); !os.IsNotExist(err) {
				t.Errorf("out/example.com.zone was written (stat: %v): a \"yes\" was read from %s", err, name)
			}
		})
	}
	t.Run("terminal", func(t *testing.T) {
		inApplyDir(t)
		master, slave := openPTY(t)
		if _, err := master.WriteString("yes\n"); err != nil {
			t.Fatal(err)
		}
		var out, errs bytes.Buffer
		code := run(t.Context(), &streams{in: slave, out: &out, err: &errs}, []string{"apply"})
		if code != exitOK {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, errs.String())
		}
		if !strings.Contains(errs.String(), "Apply 3 changes? [y/N] ") {
			t.Errorf("stderr %q lacks the question", errs.String())
		}
		if !strings.Contains(out.String(), "\nexample.com. at files: applied (3 of 3 changes); converged\n") {
			t.Errorf("stdout lacks the result:\n%s", out.String())
		}
		if _, err := os.Stat("out/example.com.zone"); err != nil {
			t.Errorf("the answer yes did not apply: %v", err)
		}
	})
}

// With --quiet, apply on a terminal shows the plan's summary before it
// asks, and then one line per result.
func TestApplyQuietAsks(t *testing.T) {
	inApplyDir(t)
	master, slave := openPTY(t)
	if _, err := master.WriteString("y\n"); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run(t.Context(), &streams{in: slave, out: &out, err: &errs}, []string{"apply", "-q"}); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errs.String())
	}
	want := "example.com. at files: 3 to create, 0 to update, 0 to delete\nexample.com. at files: applied (3 of 3 changes); converged\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if errs.String() != "Apply 3 changes? [y/N] " {
		t.Errorf("stderr %q, want only the question", errs.String())
	}
}

// Colour needs a terminal, and NO_COLOR turns it off only when it is not
// empty (https://no-color.org).
func TestColorOK(t *testing.T) {
	_, tty := openPTY(t)
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tc := range []struct {
		name    string
		noColor *string
		w       any
		want    bool
	}{
		{name: "terminal, NO_COLOR unset", w: tty, want: true},
		{name: "terminal, NO_COLOR empty", noColor: new(""), w: tty, want: true},
		{name: "terminal, NO_COLOR=1", noColor: new("1"), w: tty, want: false},
		{name: "terminal, NO_COLOR=0", noColor: new("0"), w: tty, want: false},
		{name: "file", w: file, want: false},
		{name: "buffer", w: &bytes.Buffer{}, want: false},
		{name: "/dev/null", w: notTerminals(t)["/dev/null"], want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			if tc.noColor == nil {
				os.Unsetenv("NO_COLOR")
			} else {
				os.Setenv("NO_COLOR", *tc.noColor)
			}
			if got := colorOK(tc.w); got != tc.want {
				t.Errorf("colorOK = %v, want %v", got, tc.want)
			}
		})
	}
}

// The progress bar is drawn only on a terminal, for a person: with
// --log-format json progress is logged, with --quiet not shown.
func TestProgressBarOnlyForAPerson(t *testing.T) {
	_, tty := openPTY(t)
	for _, tc := range []struct {
		name        string
		json, quiet bool
		want        bool
	}{
		{name: "text", want: true},
		{name: "json", json: true, want: false},
		{name: "quiet", quiet: true, want: false},
	} {
		p := newProgress(t.Context(), &streams{err: tty, raw: tty, json: tc.json, quiet: tc.quiet})
		if p.tty != tc.want {
			t.Errorf("%s on a terminal: bar %v, want %v", tc.name, p.tty, tc.want)
		}
	}
}
