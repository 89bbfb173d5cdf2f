package syncd

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/failover"
)

// cycles runs n cycles as the loop does, each counting on from the
// streaks of the one before, and returns the last.
func cycles(t *testing.T, s *Status, cfg string, n int) *Cycle {
	t.Helper()
	var c *Cycle
	for range n {
		s.Begin(time.Now())
		c = RunCycle(t.Context(), Options{Config: cfg, Streaks: s.Streaks(), Loaded: s.SetLimits})
		s.Record(c)
		if c.Err != "" {
			t.Fatalf("the cycle could not run: %s", c.Err)
		}
	}
	return c
}

// kinds lists a cycle's events as "kind zone provider".
func kinds(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Kind)+" "+e.Zone+" "+e.Provider)
	}
	return out
}

func target(t *testing.T, c *Cycle, zone, provider string) Target {
	t.Helper()
	i := slices.IndexFunc(c.Targets, func(x Target) bool { return x.Zone == zone && x.Provider == provider })
	if i < 0 {
		t.Fatalf("no %s at %s in the cycle", zone, provider)
	}
	return c.Targets[i]
}

func loadState(t *testing.T, dir string) *failover.State {
	t.Helper()
	st, err := failover.Load(filepath.Join(dir, ".zonecast", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAutoDrop: under auto_drop_after_failed_cycles: 2, a zone-file
// provider whose directory became a file is dropped for its zone (only
// that one) at the second failed cycle in a row, with the reason "auto: 2
// failed cycles: …"; a second provider failing at the same zone, and an
// rfc2136 server on a closed port at a zone of two providers, are not,
// since that would leave fewer than min_providers (2): each refusal is one
// event, not one per cycle. Events reach the metrics and the status page.
// A provider dropped by itself is not restored while it cannot be seen
// serving the zone (a zone-file provider has no nameservers to ask).
func TestAutoDrop(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "tsig.key")
	writeFiles(t, dir, map[string]string{
		"zonecast.yaml": `failover:
  min_providers: 2
  auto_drop_after_failed_cycles: 2
providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
  three: {type: zonefile, directory: out/three}
  dead:
    type: rfc2136
    server: 127.0.0.1:1
    timeout: 1s
    max_attempts: 1
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: file:tsig.key}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two, three]
  - origin: example.net.
    file: example.net.zone
    providers: [one, dead]
`,
		"example.com.zone": testZone,
		"example.net.zone": testZone,
	})
	if err := os.WriteFile(secret, []byte(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "zonecast.yaml")
	status := NewStatus(time.Minute, NewMetrics())

	c := cycles(t, status, cfg, 1)
	if len(c.Events) != 0 || target(t, c, "example.net.", "dead").FailedCycles != 1 {
		t.Fatalf("cycle 1: events %v, dead failed %d cycles; want none, 1", kinds(c.Events), target(t, c, "example.net.", "dead").FailedCycles)
	}
	breakDir(t, filepath.Join(dir, "out", "three"))
	// The second failed cycle of dead: dropping it would leave one.
	c = cycles(t, status, cfg, 1)
	if diff := cmp.Diff([]string{"refused_min_providers example.net. dead"}, kinds(c.Events)); diff != "" {
		t.Fatalf("cycle 2 events (-want +got):\n%s", diff)
	}
	if d := c.Events[0].Detail; !strings.HasPrefix(d, "not dropped: example.net. would be left with 1 in service, fewer than failover.min_providers (2); ") ||
		!strings.Contains(d, "; 2 failed cycles: read example.net. at dead: ") {
		t.Errorf("refused_min_providers detail %q", d)
	}
	if got := target(t, c, "example.com.", "three"); got.Reachable || got.FailedCycles != 1 {
		t.Fatalf("cycle 2: three reachable %v, failed %d cycles; want unreachable, 1", got.Reachable, got.FailedCycles)
	}

	// The second failed cycle of three: dropped, two left.
	c = cycles(t, status, cfg, 1)
	if diff := cmp.Diff([]string{"auto_drop example.com. three"}, kinds(c.Events)); diff != "" {
		t.Fatalf("cycle 3 events (-want +got):\n%s", diff)
	}
	if d := c.Events[0].Detail; !strings.Contains(d, "out of service (") || !strings.Contains(d, "): auto: 2 failed cycles: read example.com. at three: ") {
		t.Errorf("auto_drop detail %q", d)
	}
	st := loadState(t, dir)
	if !st.IsDropped("three", "example.com.") || st.IsDropped("dead", "example.net.") || len(st.Dropped) != 1 {
		t.Fatalf("state after cycle 3: %+v; want three out for example.com. only", st.Dropped)
	}
	if r := st.Dropped["three"].Reason; !strings.HasPrefix(r, "auto: 2 failed cycles: read example.com. at three: ") {
		t.Errorf("drop reason %q", r)
	}

	// Three is left out, and stays out: nothing on the wire says it
	// serves the zone. Dead's refusal is not repeated.
	c = cycles(t, status, cfg, 1)
	if got := target(t, c, "example.com.", "three"); !got.Dropped || !strings.HasPrefix(got.Err, "not restored yet: ") {
		t.Errorf("cycle 4: three dropped %v, error %q; want dropped, not restored yet", got.Dropped, got.Err)
	}
	if len(c.Events) != 0 {
		t.Errorf("cycle 4 events %v; want none", kinds(c.Events))
	}
	if ok, why := status.Ready(); ok || strings.Contains(why, "example.com.") || !strings.Contains(why, "example.net. at dead: unreachable") {
		t.Errorf("ready %v: %q; want example.com. in sync without three, example.net. not ready for dead", ok, why)
	}

	// A second provider of example.com. fails: one and two left, min 2.
	breakDir(t, filepath.Join(dir, "out", "two"))
	c = cycles(t, status, cfg, 2)
	if diff := cmp.Diff([]string{"refused_min_providers example.com. two"}, kinds(c.Events)); diff != "" {
		t.Fatalf("cycle 6 events (-want +got):\n%s", diff)
	}
	c = cycles(t, status, cfg, 1)
	if len(c.Events) != 0 {
		t.Errorf("cycle 7 events %v; want none (the refusal was shown once)", kinds(c.Events))
	}
	if st := loadState(t, dir); len(st.Dropped) != 1 {
		t.Errorf("state after cycle 7: %+v; want three out only", st.Dropped)
	}

	_, m := probe(t, status, "/metrics")
	for _, line := range []string{
		`zonecast_failover_events_total{kind="auto_drop",provider="three",zone="example.com."} 1`,
		`zonecast_failover_events_total{kind="refused_min_providers",provider="dead",zone="example.net."} 1`,
		`zonecast_failover_events_total{kind="refused_min_providers",provider="two",zone="example.com."} 1`,
		`zonecast_failed_cycles{provider="dead",zone="example.net."} 7`,
		`zonecast_failed_cycles{provider="two",zone="example.com."} 3`,
		`zonecast_provider_dropped{provider="three",zone="example.com."} 1`,
	} {
		if !strings.Contains(m, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	if strings.Contains(m, `zonecast_failed_cycles{provider="three"`) {
		t.Error("metrics still count failed cycles of three, which is out")
	}
	_, page := probe(t, status, "/")
	for _, want := range []string{`<h2>Automatic failover</h2>`, `<tr class="event" data-kind="auto_drop">`,
		`<td class="kind">refused_min_providers</td>`, `<td class="state">dropped: auto: 2 failed cycles: `} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q:\n%s", want, page)
		}
	}
	if ev := status.Events(); len(ev) != 3 || ev[0].Provider != "two" {
		t.Errorf("status events %v; want three, newest (two) first", kinds(ev))
	}
}

// TestAutoDropOff: without auto_drop_after_failed_cycles nothing is
// dropped, however long a provider fails; the failed cycles are counted
// all the same. A dry run never drops.
func TestAutoDropOff(t *testing.T) {
	for _, tt := range []struct {
		name, policy string
		dryRun       bool
	}{
		{name: "off", policy: ""},
		{name: "dry run", policy: "failover: {auto_drop_after_failed_cycles: 1, min_providers: 1}\n", dryRun: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"zonecast.yaml": tt.policy + `providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
  three: {type: zonefile, directory: out/three}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two, three]
`,
				"example.com.zone": testZone,
			})
			os.MkdirAll(filepath.Join(dir, "out"), 0o755)
			breakDir(t, filepath.Join(dir, "out", "three"))
			status := NewStatus(time.Minute, nil)
			var c *Cycle
			for range 4 {
				c = RunCycle(t.Context(), Options{Config: filepath.Join(dir, "zonecast.yaml"), DryRun: tt.dryRun, Streaks: status.Streaks()})
				status.Record(c)
			}
			if len(status.Events()) != 0 || len(loadState(t, dir).Dropped) != 0 {
				t.Errorf("events %v, dropped %v; want none", kinds(status.Events()), loadState(t, dir).Dropped)
			}
			if n := target(t, c, "example.com.", "three").FailedCycles; n != 4 {
				t.Errorf("three failed %d cycles in a row; want 4", n)
			}
		})
	}
}

// TestAutoDropHungProvider: an rfc2136 server that accepts every request
// and never answers (dnstest.Hostile, Hang) costs each cycle its timeout,
// no more, and is dropped at the second failed cycle without being asked
// anything more; the zone-file providers stay in sync throughout.
func TestAutoDropHungProvider(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	h, err := dnstest.StartHostile(dnstest.HostileConfig{Origin: "example.com.", KeyName: "zonecast.", Secret: secret,
		AXFR: dnstest.Hang, Update: dnstest.Hang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"zonecast.yaml": `failover: {auto_drop_after_failed_cycles: 2}
providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
  hung:
    type: rfc2136
    server: ` + h.Addr() + `
    timeout: 300ms
    max_attempts: 1
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: file:tsig.key}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two, hung]
`,
		"example.com.zone": testZone,
	})
	if err := os.WriteFile(filepath.Join(dir, "tsig.key"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "zonecast.yaml")
	status := NewStatus(time.Minute, nil)
	for n := 1; n <= 2; n++ {
		c := cycles(t, status, cfg, 1)
		if d := c.End.Sub(c.Start); d > 5*time.Second {
			t.Errorf("cycle %d took %s with a hung provider of timeout 300ms", n, d)
		}
		if one, two := target(t, c, "example.com.", "one"), target(t, c, "example.com.", "two"); !one.OK() || !two.OK() {
			t.Errorf("cycle %d: one ok %v (%s), two ok %v (%s); want both in sync", n, one.OK(), one.Err, two.OK(), two.Err)
		}
		if got := target(t, c, "example.com.", "hung"); got.Reachable || got.FailedCycles != n {
			t.Errorf("cycle %d: hung reachable %v, failed %d cycles; want unreachable, %d", n, got.Reachable, got.FailedCycles, n)
		}
		if want := map[int][]string{2: {"auto_drop example.com. hung"}}[n]; !slices.Equal(kinds(c.Events), want) {
			t.Errorf("cycle %d events %v; want %v", n, kinds(c.Events), want)
		}
	}
	axfrs, updates := h.Counts()
	if axfrs != 2 || updates != 0 {
		t.Errorf("the hung server got %d AXFR and %d UPDATE requests; want one AXFR a cycle, no UPDATE (a drop does not ask the dropped)", axfrs, updates)
	}
	if c := cycles(t, status, cfg, 1); !target(t, c, "example.com.", "hung").Dropped || !c.OK() {
		t.Errorf("cycle 3: hung not dropped, or the cycle not in sync: %+v", c.Targets)
	}
}
