package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

const bindHead = `$TTL 300
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
ns1 A 192.0.2.1
`

// bindLab starts BIND serving example.com. as served (zone file text) and
// writes a configuration of one rfc2136 provider "bind" for it with the
// zone file desired; it returns the configuration's folder.
func bindLab(t testing.TB, served, desired string) (string, *dnstest.Server) {
	t.Helper()
	s := dnstest.StartBIND(t, map[string]string{"example.com.": served})
	dir := t.TempDir()
	t.Setenv("BIND_TSIG", s.Secret)
	writeTB(t, dir, "zonecast.yaml", fmt.Sprintf(`providers:
  bind: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:BIND_TSIG}}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [bind]
`, s.Addr, s.KeyName, s.KeyAlg))
	writeTB(t, dir, "example.com.zone", desired)
	return dir, s
}

func writeTB(t testing.TB, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// counts returns how many SOA queries and AXFRs e's provider "bind" sent.
func counts(e *Engine) (soa, axfr int64) {
	p := e.Config.Providers["bind"].(*rfc2136.Provider)
	return p.SOAQueries(), p.Transfers()
}

// TestMarkerBIND: after apply, a plan costs one SOA query and no AXFR; an
// UPDATE by someone else changes the serial, so the next plan reads the
// zone and plans the intruder away.
func TestMarkerBIND(t *testing.T) {
	var desired strings.Builder
	desired.WriteString(bindHead)
	for i := range 50 {
		fmt.Fprintf(&desired, "h%d A 192.0.2.%d\n", i, i+1)
	}
	dir, s := bindLab(t, bindHead, desired.String())
	if _, err := load(t, dir).Run(context.Background(), Policy{}); err != nil {
		t.Fatal(err)
	}

	e := load(t, dir)
	p := e.Plan(context.Background())
	soa, axfr := counts(e)
	if soa != 1 || axfr != 0 {
		t.Errorf("plan after apply: %d SOA queries and %d AXFRs, want 1 and 0", soa, axfr)
	}
	if tg := p.Targets[0]; tg.Err != nil || len(tg.Changes) != 0 || !strings.HasPrefix(tg.Unchanged, "change marker soa:") {
		t.Fatalf("plan after apply: err %v, %d changes, Unchanged %q; want not read, in sync", tg.Err, len(tg.Changes), tg.Unchanged)
	}

	// A sync cycle with nothing to do: one SOA query, not one more for
	// the read after apply.
	e = load(t, dir)
	rep, err := e.Run(context.Background(), Policy{SkipRefused: true})
	if err != nil || !rep.Targets[0].OK() {
		t.Fatalf("no-change run: %v", err)
	}
	if soa, axfr := counts(e); soa != 1 || axfr != 0 {
		t.Errorf("no-change run: %d SOA queries and %d AXFRs, want 1 and 0", soa, axfr)
	}

	m := new(dns.Msg)
	m.SetUpdate("example.com.")
	rr, _ := dns.NewRR("intruder.example.com. 300 IN A 203.0.113.66")
	m.Insert([]dns.RR{rr})
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{s.KeyName: s.Secret}}
	if r, _, err := c.Exchange(m, s.Addr); err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("foreign update: %v %v", r, err)
	}

	e = load(t, dir)
	p = e.Plan(context.Background())
	soa, axfr = counts(e)
	if soa != 1 || axfr != 1 {
		t.Errorf("plan after a foreign UPDATE: %d SOA queries and %d AXFRs, want 1 and 1", soa, axfr)
	}
	tg := p.Targets[0]
	if tg.Unchanged != "" || len(tg.Changes) != 1 || tg.Changes[0].Op != plan.Delete || tg.Changes[0].Before.Name != "intruder.example.com." {
		t.Errorf("plan after a foreign UPDATE: Unchanged %q, changes %+v; want the intruder deleted", tg.Unchanged, tg.Changes)
	}
}

// BenchmarkNoChangePlanBIND plans one zone of 10k records at BIND that is
// in sync: by its marker (one SOA query) and in full (one AXFR).
func BenchmarkNoChangePlanBIND(b *testing.B) {
	var zone strings.Builder
	zone.WriteString(bindHead)
	for i := range 10000 {
		fmt.Fprintf(&zone, "h%d A 192.0.%d.%d\n", i, i/250, i%250+1)
	}
	dir, _ := bindLab(b, zone.String(), zone.String())
	e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		b.Fatal(err)
	}
	if p := e.Plan(context.Background()); p.Changes() != 0 || len(p.Failed()) != 0 {
		b.Fatalf("not in sync: %d changes, %d failed", p.Changes(), len(p.Failed()))
	}
	for _, full := range []bool{false, true} {
		name := "marker"
		if full {
			name = "full-read"
		}
		b.Run(name, func(b *testing.B) {
			e.FullRead = full
			soa0, axfr0 := counts(e)
			for b.Loop() {
				if p := e.Plan(context.Background()); p.Changes() != 0 || len(p.Failed()) != 0 || (p.Targets[0].Unchanged == "") != full {
					b.Fatalf("plan: %d changes, %d failed, Unchanged %q", p.Changes(), len(p.Failed()), p.Targets[0].Unchanged)
				}
			}
			soa, axfr := counts(e)
			b.ReportMetric(float64(soa-soa0)/float64(b.N), "soa-queries/op")
			b.ReportMetric(float64(axfr-axfr0)/float64(b.N), "axfrs/op")
		})
		// As a command runs: the configuration and zone file loaded,
		// the desired zone digested, then planned.
		b.Run("load+"+name, func(b *testing.B) {
			for b.Loop() {
				e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
				if err != nil {
					b.Fatal(err)
				}
				e.FullRead = full
				if p := e.Plan(context.Background()); p.Changes() != 0 || len(p.Failed()) != 0 || (p.Targets[0].Unchanged == "") != full {
					b.Fatalf("plan: %d changes, %d failed, Unchanged %q", p.Changes(), len(p.Failed()), p.Targets[0].Unchanged)
				}
			}
		})
	}
}

// BenchmarkNoChangeCycle1000Zones runs sync cycles (load, plan, apply
// nothing, settle) over 1,000 zones of 20 records, each at BIND and at a
// zone-file target, all in sync: by their markers and in full.
func BenchmarkNoChangeCycle1000Zones(b *testing.B) {
	const n = 1000
	served := map[string]string{}
	var cfg strings.Builder
	dir := b.TempDir()
	for i := range n {
		origin := fmt.Sprintf("z%d.test.", i)
		var z strings.Builder
		z.WriteString(bindHead)
		for j := range 16 {
			fmt.Fprintf(&z, "h%d A 192.0.2.%d\n", j, j+1)
		}
		served[origin] = z.String()
		writeTB(b, dir, origin+"zone", z.String())
		fmt.Fprintf(&cfg, "  - origin: %s\n    file: %szone\n    providers: [bind, files]\n", origin, origin)
	}
	s := dnstest.StartBIND(b, served)
	b.Setenv("BIND_TSIG", s.Secret)
	writeTB(b, dir, "zonecast.yaml", fmt.Sprintf(`providers:
  bind: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:BIND_TSIG}}
  files: {type: zonefile, directory: out}
zones:
%s`, s.Addr, s.KeyName, s.KeyAlg, cfg.String()))
	cycle := func(b *testing.B, full bool) *Engine {
		e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
		if err != nil {
			b.Fatal(err)
		}
		e.FullRead = full
		if _, err := e.Run(context.Background(), Policy{SkipRefused: true}); err != nil {
			b.Fatal(err)
		}
		return e
	}
	cycle(b, false) // the zone files written; every marker kept
	for _, full := range []bool{false, true} {
		name := "marker"
		if full {
			name = "full-read"
		}
		b.Run(name, func(b *testing.B) {
			var soa, axfr int64
			for b.Loop() {
				e := cycle(b, full)
				s, x := counts(e)
				soa, axfr = soa+s, axfr+x
			}
			b.ReportMetric(float64(soa)/float64(b.N)/n, "soa-queries/zone")
			b.ReportMetric(float64(axfr)/float64(b.N)/n, "axfrs/zone")
		})
	}
}
