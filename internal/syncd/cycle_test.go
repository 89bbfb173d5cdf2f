package syncd

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// get returns the body of path from the handler of s.
func get(t *testing.T, s *Status, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(s).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A reload that fails is pending on the status page and in the metrics
// until a later cycle does it; then both forget it.
func TestCyclePendingShownUntilDone(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"zonecast.yaml": `providers:
  one:
    type: zonefile
    directory: out
    reload: [sh, -c, 'test ! -d "$0/broken" && echo "$1" >> "$0/reloads"', "` + dir + `", "{zone}"]
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one]
`,
		"example.com.zone": "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "zonecast.yaml")
	status := NewStatus(time.Minute, NewMetrics())

	c := RunCycle(context.Background(), Options{Config: cfg})
	status.Record(c)
	if c.OK() || len(c.Pending) != 1 || c.Pending[0].Kind != "reload" {
		t.Fatalf("cycle 1: ok %v, pending %v; want a pending reload", c.OK(), c.Pending)
	}
	page := get(t, status, "/")
	if !strings.Contains(page, "<h2>Pending work</h2>") || !strings.Contains(page, "reload of example.com. at one") {
		t.Fatalf("status page does not show the pending reload:\n%s", page)
	}
	metric := `zonecast_pending_work{kind="reload",provider="one",zone="example.com."} 1`
	if m := get(t, status, "/metrics"); !strings.Contains(m, metric) {
		t.Fatalf("metrics lack %s", metric)
	}

	if err := os.Remove(filepath.Join(dir, "broken")); err != nil {
		t.Fatal(err)
	}
	c = RunCycle(context.Background(), Options{Config: cfg})
	status.Record(c)
	if !c.OK() || len(c.Pending) != 0 || len(c.Finished) != 1 {
		t.Fatalf("cycle 2: ok %v, pending %v, finished %v; want the reload done", c.OK(), c.Pending, c.Finished)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "reloads")); string(b) != "example.com\n" {
		t.Fatalf("reloads %q, want one", b)
	}
	if page := get(t, status, "/"); strings.Contains(page, "Pending work") {
		t.Fatal("status page still shows pending work")
	}
	if m := get(t, status, "/metrics"); strings.Contains(m, "zonecast_pending_work{") {
		t.Fatal("metrics still show pending work")
	}
}

// With many zones the status page counts the pairs and lists, on asking,
// only those not in sync.
func TestStatusPageSummaryAndProblems(t *testing.T) {
	c := &Cycle{Start: time.Now(), End: time.Now()}
	for i := range 50 {
		zone := "z" + strings.Repeat("x", i%5) + string(rune('a'+i/5)) + ".example."
		c.Targets = append(c.Targets, Target{Zone: zone, Provider: "a", Reachable: true, Mismatches: -1},
			Target{Zone: zone, Provider: "b", Reachable: true, Mismatches: -1})
	}
	c.Targets[7].Reachable, c.Targets[7].Err = false, "connection refused"
	c.Targets[8].Dropped = true
	s := NewStatus(time.Minute, NewMetrics())
	s.Record(c)
	page := get(t, s, "/")
	if !strings.Contains(page, "50 zones, 100 zone × provider pairs: 98 in sync, 1 not, 1 dropped.") {
		t.Errorf("no summary in the status page:\n%s", page)
	}
	if n := strings.Count(page, `<tr class="`); n != 100 {
		t.Errorf("the page has %d rows, want 100", n)
	}
	only := get(t, s, "/?only=problems")
	if n := strings.Count(only, `<tr class="`); n != 2 {
		t.Errorf("/?only=problems has %d rows, want 2 (the unreachable and the dropped):\n%s", n, only)
	}
	if !strings.Contains(only, "connection refused") || !strings.Contains(only, `<a href="/">show all</a>`) {
		t.Errorf("/?only=problems lacks the failing pair or the way back:\n%s", only)
	}
}
