package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSyncDaemon runs sync as a daemon on two zone-file providers and
// checks what it serves: metrics (scraped and parsed), /healthz and the
// status page; an edit behind zonecast's back is corrected in a later
// cycle; cancelling (as SIGTERM does) ends it cleanly.
func TestSyncDaemon(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "zonecast.yaml"), `providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two]
`)
	write(t, filepath.Join(dir, "example.com.zone"), "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n")
	addr := freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	var code int
	var wg sync.WaitGroup
	wg.Go(func() {
		code = Main(ctx, []string{"sync", "--interval", "300ms", "--audit-every", "0", "--listen", addr, "--config", filepath.Join(dir, "zonecast.yaml")}, &out, &errb)
	})
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	metric := func(body, name, labels string) float64 {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`)
		m := re.FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen; stderr:\n%s", what, errb.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The first cycle restores both providers.
	var body string
	waitFor("a first successful cycle", func() bool {
		_, body = get("/metrics")
		return metric(body, "zonecast_changes_applied_total", `provider="one",zone="example.com."`) == 4
	})
	for _, m := range []struct{ name, labels string }{
		{"zonecast_provider_up", `provider="two",zone="example.com."`},
		{"zonecast_drift_rrsets", `provider="one",zone="example.com."`},
		{"zonecast_provider_dropped", `provider="one",zone="example.com."`},
	} {
		if v := metric(body, m.name, m.labels); v < 0 {
			t.Errorf("no %s{%s} in /metrics", m.name, m.labels)
		}
	}
	if v := metric(body, "zonecast_last_success_timestamp_seconds", `provider="two",zone="example.com."`); v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success timestamp %v", v)
	}
	if !strings.Contains(body, "zonecast_cycle_duration_seconds_count") {
		t.Error("no cycle duration histogram")
	}
	if code, b := get("/healthz"); code != 200 {
		t.Errorf("/healthz: %d %s", code, b)
	}
	_, page := get("/")
	for _, want := range []string{`<table id="matrix">`, `data-provider="one"`, `<td class="state">in sync`, `<td class="ns">ns.example.com.</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q:\n%s", want, page)
		}
	}

	// Edited behind zonecast's back: corrected in a later cycle.
	target := filepath.Join(dir, "out", "one", "example.com.zone")
	b, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(target, bytes.Replace(b, []byte("192.0.2.2"), []byte("192.0.2.99"), 1), 0o644)
	waitFor("the edit corrected", func() bool {
		b, _ := os.ReadFile(target)
		return bytes.Contains(b, []byte("192.0.2.2\n")) && !bytes.Contains(b, []byte("192.0.2.99"))
	})
	waitFor("the correction counted", func() bool {
		_, body = get("/metrics")
		return metric(body, "zonecast_changes_applied_total", `provider="one",zone="example.com."`) == 5
	})

	cancel() // as SIGTERM does
	wg.Wait()
	if code != 0 {
		t.Errorf("sync ended with exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "sync stopped") {
		t.Errorf("no clean stop in the log:\n%s", errb.String())
	}
}
