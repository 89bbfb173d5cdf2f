package syncd

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zonecast/zonecast/internal/audit"
)

// TestAuditShown: the latest audit is on the status page and in the
// metrics; a zone whose delegation could not be walked has no single
// points count and is not ok; a zone audited no more disappears; neither
// probe depends on the audit.
func TestAuditShown(t *testing.T) {
	s := NewStatus(time.Minute, NewMetrics())
	now := time.Now()
	s.RecordAudits(&Audits{Start: now, End: now, Zones: []Audit{
		{Zone: "safe.test.", Verdict: "no single point of failure found", OK: true, SinglePoints: []string{}, Findings: []audit.Finding{}},
		{Zone: "example.test.", Verdict: "SINGLE POINT OF FAILURE", SinglePoints: []string{"b"},
			Findings: []audit.Finding{{Severity: audit.SPOF, Code: "dark-domain", Message: "every nameserver name of example.test. lives in b.test."}}},
		{Zone: "dark.test.", Err: "walk the delegation of dark.test.: ask the servers of .: timed out", SinglePoints: []string{}, Findings: []audit.Finding{}},
	}})
	m := get(t, s, "/metrics")
	for _, line := range []string{
		`zonecast_single_points_of_failure{zone="safe.test."} 0`,
		`zonecast_single_points_of_failure{zone="example.test."} 1`,
		`zonecast_audit_ok{zone="safe.test."} 1`,
		`zonecast_audit_ok{zone="example.test."} 0`,
		`zonecast_audit_ok{zone="dark.test."} 0`,
		`zonecast_audit_timestamp_seconds{zone="dark.test."}`,
	} {
		if !strings.Contains(m, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	if strings.Contains(m, `zonecast_single_points_of_failure{zone="dark.test."}`) {
		t.Error("a zone that could not be audited has a single points count")
	}
	page := get(t, s, "/")
	for _, want := range []string{
		`<tr class="ok" data-zone="safe.test."><td>safe.test.</td>
<td class="verdict">no single point of failure found</td>
<td class="spof">none</td>`,
		`<td class="verdict">SINGLE POINT OF FAILURE</td>
<td class="spof">b</td>`,
		`<div class="finding" data-code="dark-domain">single-point-of-failure: every nameserver name of example.test. lives in b.test. [dark-domain]</div>`,
		`<td class="verdict">not audited: walk the delegation of dark.test.: ask the servers of .: timed out</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q:\n%s", want, page)
		}
	}
	if code, _ := probe(t, s, "/livez"); code != 200 {
		t.Errorf("/livez %d with a failed audit, want 200", code)
	}

	s.RecordAudits(&Audits{Start: now, End: now, Zones: []Audit{{Zone: "safe.test.", OK: true, SinglePoints: []string{}}}})
	if m := get(t, s, "/metrics"); strings.Contains(m, `zone="example.test."`) {
		t.Errorf("a zone audited no more is still in the metrics:\n%s", m)
	}
	// A configuration that cannot be read leaves the last verdicts.
	s.RecordAudits(&Audits{Start: now, End: now, Err: "zonecast.yaml: no such file"})
	if m := get(t, s, "/metrics"); !strings.Contains(m, `zonecast_audit_ok{zone="safe.test."} 1`) {
		t.Errorf("the last verdict is gone after an audit that could not read the configuration:\n%s", m)
	}
	if page := get(t, s, "/"); !strings.Contains(page, "<b>zonecast.yaml: no such file</b>") {
		t.Errorf("status page does not say the audit could not run:\n%s", page)
	}
}

// TestRunAuditRootDown: with the root not answering, every zone of the
// configuration is reported, in its order, as not audited; nothing else.
func TestRunAuditRootDown(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"zonecast.yaml": `providers:
  one: {type: zonefile, directory: out/one, nameservers: ["ns.example.com."]}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one]
  - origin: example.org.
    file: example.com.zone
    providers: [one]
`,
		"example.com.zone": testZone,
	})
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := pc.LocalAddr().String()
	pc.Close()
	a := RunAudit(t.Context(), AuditOptions{Config: filepath.Join(dir, "zonecast.yaml"), Roots: []string{closed}, Timeout: 100 * time.Millisecond})
	if a.Err != "" {
		t.Fatal(a.Err)
	}
	var got []string
	for _, z := range a.Zones {
		if z.Err == "" || z.OK {
			t.Errorf("%s: ok %v, error %q; want not audited", z.Zone, z.OK, z.Err)
		}
		got = append(got, z.Zone)
	}
	if diff := cmp.Diff([]string{"example.com.", "example.org."}, got); diff != "" {
		t.Errorf("zones (-want +got):\n%s", diff)
	}

	if a := RunAudit(t.Context(), AuditOptions{Config: filepath.Join(dir, "missing.yaml")}); a.Err == "" || len(a.Zones) != 0 {
		t.Errorf("no configuration: error %q, %d zones; want an error and none", a.Err, len(a.Zones))
	}
}

// TestAuditLoop: the loop audits at once, then again after each interval,
// records every audit, and returns when its context ends, dropping an
// audit cut short.
func TestAuditLoop(t *testing.T) {
	s := NewStatus(time.Minute, NewMetrics())
	ctx, cancel := context.WithCancel(t.Context())
	var runs atomic.Int32
	var wg sync.WaitGroup
	wg.Go(func() {
		AuditLoop(ctx, s, 10*time.Millisecond, func(ctx context.Context) *Audits {
			n := runs.Add(1)
			if n == 3 {
				cancel()
			}
			return &Audits{Zones: []Audit{{Zone: "example.com.", Verdict: string(rune('0' + n))}}}
		})
	})
	wg.Wait()
	if n := runs.Load(); n != 3 {
		t.Errorf("%d audits, want 3", n)
	}
	if a := s.Audits(); a == nil || a.Zones[0].Verdict != "2" {
		t.Errorf("latest audit recorded %+v, want the second (the third was cut short)", a)
	}
}
