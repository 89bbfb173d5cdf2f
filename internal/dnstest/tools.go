package dnstest

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where nothing that
// is missing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Tool returns the path of the program name. When it is not installed the
// test fails under CI and is skipped elsewhere; `make test` installs every
// program the tests use (see .ci/install-deps).
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		if p := dir + "/" + name; isExecutable(p) {
			return p
		}
	}
	if InCI() {
		t.Fatalf("%s is not installed; run `make deps` (it installs Debian's packages with apt-get)", name)
	}
	t.Skipf("%s is not installed; run `make deps` to install it", name)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
