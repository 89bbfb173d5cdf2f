package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zonecast/zonecast/internal/cli"
)

// The emulator as a user runs it: the configuration it writes works as
// written, and zonecast applies the quickstart zone to both emulated clouds
// and a zone-file provider, then plans nothing left to do.
func TestEmulatorForPeople(t *testing.T) {
	dir := t.TempDir()
	zone, err := os.ReadFile("../../examples/quickstart/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.com.zone"), zone, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EMULATOR_CF_TOKEN", Token)
	t.Setenv("EMULATOR_AWS_KEY", AWSKey)
	t.Setenv("EMULATOR_AWS_SECRET", AWSSecret)
	// Keep the AWS SDK away from the machine's own settings.
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	cfg := filepath.Join(dir, "zonecast.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	var out bytes.Buffer
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { serveErr = serve(ctx, []string{"--config-out", cfg}, &out, ready) })
	defer func() {
		cancel()
		wg.Wait()
		if serveErr != nil {
			t.Error(serveErr)
		}
	}()
	<-ready
	if !strings.Contains(out.String(), "zonecast apply --config "+cfg+" --yes") {
		t.Fatalf("the emulator does not say how to use it:\n%s", out.String())
	}
	zc := func(want int, args ...string) string {
		t.Helper()
		var o, e bytes.Buffer
		if code := cli.Main(context.Background(), args, &o, &e); code != want {
			t.Fatalf("zonecast %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, o.String(), e.String())
		}
		return o.String()
	}
	applied := zc(0, "apply", "--config", cfg, "--yes")
	for _, p := range []string{"cloudflare", "route53", "files"} {
		if !strings.Contains(applied, "example.com. at "+p+": applied") {
			t.Errorf("%s not applied:\n%s", p, applied)
		}
	}
	zc(0, "plan", "--config", cfg, "--exit-code")
}
