package syncd

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/config"
)

// probe returns the status code and body of path from the handler of s.
func probe(t *testing.T, s *Status, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(s).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// writeFiles writes name → text under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// breakDir replaces the directory path with a regular file, so that every
// read and write below it fails with ENOTDIR, for root too (a chmod 000
// does not stop root); the returned function puts an empty directory back.
func breakDir(t *testing.T, path string) (mend func()) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

const testZone = "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n"

// TestProbesDuringOutage: with a provider whose directory is gone, /livez
// (and /healthz, its alias) stays 200 while /readyz is 503 naming the
// provider; once it is back and a cycle puts it in sync, /readyz is 200.
func TestProbesDuringOutage(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"zonecast.yaml": `providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two]
`,
		"example.com.zone": testZone,
	})
	cfg := filepath.Join(dir, "zonecast.yaml")
	status := NewStatus(time.Minute, NewMetrics())
	if code, body := probe(t, status, "/readyz"); code != 503 || body != "not ready: no cycle has finished yet\n" {
		t.Errorf("/readyz before the first cycle: %d %q; want 503 saying no cycle finished", code, body)
	}
	if code, body := probe(t, status, "/livez"); code != 200 {
		t.Errorf("/livez before the first cycle: %d %q; want 200", code, body)
	}

	os.MkdirAll(filepath.Join(dir, "out"), 0o755)
	mend := breakDir(t, filepath.Join(dir, "out", "two"))
	for range 3 {
		status.Begin(time.Now())
		status.Record(RunCycle(t.Context(), Options{Config: cfg, Streaks: status.Streaks()}))
	}
	for _, path := range []string{"/livez", "/healthz"} {
		if code, body := probe(t, status, path); code != 200 || body != "live: the sync loop runs\n" {
			t.Errorf("%s during the outage: %d %q; want 200", path, code, body)
		}
	}
	code, body := probe(t, status, "/readyz")
	if want := "not ready: example.com. at two: unreachable: read example.com. at two: "; code != 503 || !strings.HasPrefix(body, want) ||
		!strings.Contains(body, "not a directory (3 cycles in a row)\n") || strings.Contains(body, "at one") {
		t.Errorf("/readyz during the outage: %d %q; want 503 starting %q, saying not a directory, 3 cycles in a row, nothing of one", code, body, want)
	}
	if _, page := probe(t, status, "/"); !strings.Contains(page, `<p id="health">live, NOT READY: example.com. at two: unreachable:`) ||
		!strings.Contains(page, `<span class="streak">(3 failed in a row)</span>`) {
		t.Errorf("the status page does not show the outage:\n%s", page)
	}
	if _, m := probe(t, status, "/metrics"); !strings.Contains(m, `zonecast_failed_cycles{provider="two",zone="example.com."} 3`) ||
		!strings.Contains(m, `zonecast_failed_cycles{provider="one",zone="example.com."} 0`) {
		t.Errorf("metrics lack the failed cycles of two (3) and one (0):\n%s", m)
	}

	mend()
	status.Record(RunCycle(t.Context(), Options{Config: cfg, Streaks: status.Streaks()}))
	if code, body := probe(t, status, "/readyz"); code != 200 || body != "ready: every zone in sync at every provider in service\n" {
		t.Errorf("/readyz once two is back: %d %q; want 200", code, body)
	}
	if _, page := probe(t, status, "/"); !strings.Contains(page, `<p id="health">healthy</p>`) {
		t.Errorf("the status page does not say healthy:\n%s", page)
	}
	if s := status.Streaks(); len(s) != 0 {
		t.Errorf("streaks after a good cycle: %v; want none", s)
	}
}

// TestLive: the loop is live while a cycle in flight is within what its
// limits allow (three intervals plus two reads and a write, plus 5m) and,
// between cycles, while one ended within three intervals.
func TestLive(t *testing.T) {
	t0 := time.Now()
	s := NewStatus(time.Minute, nil)
	s.started = t0
	tests := []struct {
		name    string
		at      time.Duration
		want    bool
		wantWhy string
	}{
		{name: "young loop", at: 2 * time.Minute, want: true},
		{name: "no cycle started in three intervals", at: 4 * time.Minute, wantWhy: "no cycle has started in the 4m0s since the loop started (three intervals: 3m0s)"},
	}
	check := func() {
		t.Helper()
		for _, tt := range tests {
			got, why := s.Live(t0.Add(tt.at))
			if got != tt.want || (why != tt.wantWhy && tt.wantWhy != "*") {
				t.Errorf("%s: Live at +%s = %v %q; want %v %q", tt.name, tt.at, got, why, tt.want, tt.wantWhy)
			}
		}
	}
	check()

	// In flight with the default limits: 2 × 10m + 1h + 5m + 3 × 1m.
	s.Begin(t0)
	tests = []struct {
		name    string
		at      time.Duration
		want    bool
		wantWhy string
	}{
		{name: "a long read, a long write", at: 88 * time.Minute, want: true},
		{name: "longer than the default limits allow", at: 89 * time.Minute,
			wantWhy: "the cycle that started 1h29m0s ago has not ended; a cycle takes at most 1h28m0s under the limits (2 × limits.read_timeout + limits.write_timeout + 5m, plus three intervals)"},
	}
	check()

	// The configuration's own limits, told as the cycle read them.
	s.SetLimits(config.Limits{ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute})
	tests[0].at, tests[1].at = 12*time.Minute, 12*time.Minute+time.Second
	tests[1].wantWhy = "*"
	check()

	// Between cycles: three intervals after the last ended.
	s.Record(&Cycle{Start: t0, End: t0.Add(10 * time.Minute), Limits: config.Limits{ReadTimeout: time.Minute}})
	tests = []struct {
		name    string
		at      time.Duration
		want    bool
		wantWhy string
	}{
		{name: "sleeping", at: 12 * time.Minute, want: true},
		{name: "no cycle since", at: 14 * time.Minute, wantWhy: "no cycle has started in the 4m0s since the last one ended (three intervals: 3m0s)"},
	}
	check()
}
