package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
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

// TestEmulatorManyZones: --zones hosts generated zones at both clouds and
// --counts reports the requests each endpoint received.
func TestEmulatorManyZones(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	var out bytes.Buffer
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() {
		serveErr = serve(ctx, []string{"--zones", "120", "--zone-records", "5", "--counts"}, &out, ready)
	})
	<-ready
	var cfURL string
	for _, l := range strings.Split(out.String(), "\n") {
		if u, ok := strings.CutPrefix(l, "Cloudflare API: "); ok {
			cfURL, _, _ = strings.Cut(u, " ")
		}
	}
	req, _ := http.NewRequest("GET", cfURL+"/zones?per_page=50&page=3", nil)
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Result []struct{ Name string }
	}
	json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	cancel()
	wg.Wait()
	if serveErr != nil {
		t.Fatal(serveErr)
	}
	// 121 zones: example.com and 120 generated; page 3 holds the last 21.
	if len(env.Result) != 21 || env.Result[20].Name != "zone00119.example" {
		t.Errorf("page 3 of the zones: %d, want 21 ending with zone00119.example", len(env.Result))
	}
	for _, want := range []string{"generated zones: 120 of 5 records", "Cloudflare requests: GET /zones"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestEmulatorDNSSEC: --dnssec signs the zone at both clouds, as their
// DNSSEC APIs then say.
func TestEmulatorDNSSEC(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	var out bytes.Buffer
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { serveErr = serve(ctx, []string{"--dnssec"}, &out, ready) })
	<-ready
	var cfURL string
	for _, l := range strings.Split(out.String(), "\n") {
		if u, ok := strings.CutPrefix(l, "Cloudflare API: "); ok {
			cfURL, _, _ = strings.Cut(u, " ")
		}
	}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", cfURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var zs struct{ Result []struct{ ID string } }
	get("/zones?name=example.com", &zs)
	var d struct {
		Result struct {
			Status      string `json:"status"`
			MultiSigner bool   `json:"dnssec_multi_signer"`
		}
	}
	if len(zs.Result) == 1 {
		get("/zones/"+zs.Result[0].ID+"/dnssec", &d)
	}
	cancel()
	wg.Wait()
	if serveErr != nil {
		t.Fatal(serveErr)
	}
	if d.Result.Status != "active" || !d.Result.MultiSigner {
		t.Errorf("Cloudflare DNSSEC %+v, want active with multi-signer on", d.Result)
	}
	if !strings.Contains(out.String(), "DNSSEC: signed at Cloudflare (multi-signer on) and at Route 53 (one KSK)") {
		t.Errorf("output does not say the zones are signed:\n%s", out.String())
	}
}
