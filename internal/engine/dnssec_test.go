package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnssec"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

// writeKey writes a new key pair of zone under dir/keys as dnssec-keygen
// names it and returns the .private's path relative to dir.
func writeKey(t *testing.T, dir, zone string, ksk bool) (string, *dnssec.Key) {
	t.Helper()
	k, err := dnssec.Generate(zone, dns.ECDSAP256SHA256, ksk, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join("keys", k.FileBase())
	write(t, dir, base+".key", k.DNSKEY.String()+"\n")
	if err := os.WriteFile(filepath.Join(dir, base+".private"), []byte(k.PrivateText()), 0o600); err != nil {
		t.Fatal(err)
	}
	return base + ".private", k
}

// signedLab is a zone zonecast signs for two zone-file providers, with
// its parent com. at a third.
func signedLab(t *testing.T) (dir string, ksk, zsk *dnssec.Key) {
	t.Helper()
	dir = t.TempDir()
	kp, ksk := writeKey(t, dir, "example.com.", true)
	zp, zsk := writeKey(t, dir, "example.com.", false)
	write(t, dir, "zonecast.yaml", `providers:
  a: {type: zonefile, directory: out/a, dnssec: zonecast-signs, nameservers: ["ns-a.example.com.@127.0.0.1:1"]}
  b: {type: zonefile, directory: out/b, dnssec: zonecast-signs, nameservers: ["ns-b.example.com.@127.0.0.1:1"]}
  tld: {type: zonefile, directory: parent}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [a, b]
    parent: {provider: tld, zone: com.}
    dnssec: {mode: signed-by-zonecast, keys: ["file:`+kp+`", "file:`+zp+`"], dnskey_ttl: 60}
`)
	write(t, dir, "example.com.zone", `$TTL 300
@ SOA ns-a hostmaster 1 7200 900 1209600 300
@ NS ns-a
@ NS ns-b
ns-a A 192.0.2.1
ns-b A 192.0.2.2
www A 192.0.2.80
`)
	write(t, dir, "parent/com.zone", `com. 3600 IN SOA a.gtld-servers.net. hostmaster.com. 1 7200 900 1209600 300
com. 3600 IN NS a.gtld-servers.net.
example.com. 120 IN NS ns-a.example.com.
example.com. 120 IN NS ns-b.example.com.
ns-a.example.com. 120 IN A 192.0.2.1
ns-b.example.com. 120 IN A 192.0.2.2
`)
	return dir, ksk, zsk
}

// runAt runs apply over the configuration in dir at time now, as a new
// process would.
func runAt(t *testing.T, dir string, now time.Time) *Report {
	t.Helper()
	e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return now }
	rep, err := e.Run(context.Background(), Policy{})
	if err != nil {
		t.Fatalf("apply at %s: %v", now.Format(time.RFC3339), err)
	}
	return rep
}

// readZoneFile parses a zone file a provider wrote.
func readZoneFile(t *testing.T, path, origin string) *zones.Zone {
	t.Helper()
	z, _, err := zones.ParseFile(path, zones.Options{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// verifySet checks that the RRSIG set of z covering (name, typ) holds a
// signature by key that verifies at now.
func verifySet(t *testing.T, z *zones.Zone, name string, typ uint16, key *dnssec.Key, now time.Time) {
	t.Helper()
	set := z.Lookup(name, typ)
	sigs := z.Sets[zones.Key{Name: name, Type: dns.TypeRRSIG, Covers: typ}]
	if set == nil || sigs == nil {
		t.Fatalf("%s %s: no RRset or no RRSIG (%v, %v)", name, dns.TypeToString[typ], set, sigs)
	}
	rrs, err := set.RRs()
	if err != nil {
		t.Fatal(err)
	}
	srrs, err := sigs.RRs()
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range srrs {
		sig := rr.(*dns.RRSIG)
		if sig.KeyTag == key.Tag() && sig.Verify(key.DNSKEY, rrs) == nil && sig.ValidityPeriod(now) {
			return
		}
	}
	t.Errorf("%s %s: no valid signature by key %d", name, dns.TypeToString[typ], key.Tag())
}

// A zone zonecast signs alone goes through the join sequence run by run:
// signed and its keys published first, its DS at the parent only once the
// DNSKEY TTL has passed, and nothing waits in a run once every step is
// done. Between the steps the plan says what it waits for and until when.
func TestSignedByZonecastJoins(t *testing.T) {
	dir, ksk, zsk := signedLab(t)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ds := ksk.DS()

	rep := runAt(t, dir, t0)
	if len(rep.Plan.Waits) != 1 || !rep.Plan.Waits[0].Until.Equal(t0.Add(60*time.Second)) {
		t.Fatalf("first run: waits %v, want one until the DNSKEY TTL (60 s) has passed", rep.Plan.Waits)
	}
	for _, p := range []string{"a", "b"} {
		z := readZoneFile(t, filepath.Join(dir, "out", p, "example.com.zone"), "example.com.")
		keys := z.Lookup("example.com.", dns.TypeDNSKEY)
		if keys == nil || !slices.Contains(keys.Data, ksk.Rdata()) || !slices.Contains(keys.Data, zsk.Rdata()) {
			t.Fatalf("%s: DNSKEY %v, want both keys", p, keys)
		}
		verifySet(t, z, "example.com.", dns.TypeDNSKEY, ksk, t0)
		verifySet(t, z, "www.example.com.", dns.TypeA, zsk, t0)
		verifySet(t, z, "example.com.", dns.TypeSOA, zsk, t0)
		if z.Lookup(dnssecStateName("example.com."), dns.TypeTXT) == nil {
			t.Errorf("%s: no DNSSEC state record", p)
		}
	}
	parentDS := func() *zones.RRset {
		return readZoneFile(t, filepath.Join(dir, "parent", "com.zone"), "com.").Lookup("example.com.", dns.TypeDS)
	}
	if got := parentDS(); got != nil {
		t.Fatalf("first run: the parent has DS %v before the DNSKEY TTL passed", got)
	}

	// Before the wait is over, nothing moves.
	rep = runAt(t, dir, t0.Add(30*time.Second))
	if parentDS() != nil || len(rep.Plan.Waits) != 1 {
		t.Fatalf("within the wait: DS %v, waits %v", parentDS(), rep.Plan.Waits)
	}
	// After it, the DS goes to the parent.
	t1 := t0.Add(61 * time.Second)
	runAt(t, dir, t1)
	if got := parentDS(); got == nil || !slices.Equal(got.Data, []string{ds}) {
		t.Fatalf("after the DNSKEY TTL: parent DS %v, want %s", got, ds)
	}
	// The DS seen at the parent, its TTL (the delegation's, 120 s) runs.
	rep = runAt(t, dir, t1.Add(time.Second))
	if len(rep.Plan.Waits) != 1 || !strings.Contains(rep.Plan.Waits[0].Why, "DS") {
		t.Fatalf("DS at the parent: waits %v, want the DS TTL", rep.Plan.Waits)
	}
	until := rep.Plan.Waits[0].Until
	rep = runAt(t, dir, until.Add(time.Second))
	rep = runAt(t, dir, until.Add(2*time.Second))
	if len(rep.Plan.Waits) != 0 || rep.Plan.Changes() != 0 {
		dumpPlan(t, rep.Plan)
		t.Fatalf("joined: waits %v, %d changes, want none", rep.Plan.Waits, rep.Plan.Changes())
	}
	if !slices.ContainsFunc(rep.Plan.Notes, func(n string) bool { return strings.Contains(n, "signer zonecast: joined") }) {
		t.Errorf("notes %v: want zonecast joined", rep.Plan.Notes)
	}
	// An unchanged zone signed again plans nothing: the signatures are
	// reused.
	e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return until.Add(time.Hour) }
	if p := e.Plan(context.Background()); p.Changes() != 0 {
		t.Errorf("an hour later: %d changes, want none (signatures reused)", p.Changes())
	}
	// A week later the signatures come up for renewal: a change, within
	// the safety limit though it touches every RRSIG.
	e.Now = func() time.Time { return until.Add(8 * 24 * time.Hour) }
	p := e.Plan(context.Background())
	if p.Changes() == 0 || len(p.Refusals()) != 0 {
		t.Errorf("eight days later: %d changes, %d refusals: want renewals, not refused", p.Changes(), len(p.Refusals()))
	}
	_ = plan.Wait{}
}

func dumpPlan(t *testing.T, p *plan.Plan) {
	t.Helper()
	var b strings.Builder
	plan.WriteText(&b, p, plan.Style{})
	t.Log(b.String())
}

// A zone at a registrar (no parent: provider): the plan says which DS to
// give the registrar once the keys' TTL has passed, and goes on only once
// the owner wrote the registrar's DS set in dnssec.parent_ds; then its
// TTL (parent_ds_ttl) runs before the signer is joined.
func TestRegistrarDS(t *testing.T) {
	dir, ksk, _ := signedLab(t)
	cfgPath := filepath.Join(dir, "zonecast.yaml")
	raw, _ := os.ReadFile(cfgPath)
	cfg := strings.Replace(string(raw), "    parent: {provider: tld, zone: com.}\n", "", 1)
	cfg = strings.Replace(cfg, "dnskey_ttl: 60}", "dnskey_ttl: 60, parent_ds_ttl: 600}", 1)
	write(t, dir, "zonecast.yaml", cfg)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	runAt(t, dir, t0)
	rep := runAt(t, dir, t0.Add(61*time.Second))
	want := "at the registrar, add the DS record example.com. IN DS " + ksk.DS()
	if !slices.ContainsFunc(rep.Plan.Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Fatalf("after the DNSKEY TTL: notes %q, want %q", rep.Plan.Notes, want)
	}
	// Not written in parent_ds: the signer waits for the DS, and says so
	// again.
	rep = runAt(t, dir, t0.Add(2*time.Hour))
	if !slices.ContainsFunc(rep.Plan.Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Fatalf("DS not confirmed: notes %q, want the registrar's DS again", rep.Plan.Notes)
	}
	write(t, dir, "zonecast.yaml", strings.Replace(cfg, "parent_ds_ttl: 600}", "parent_ds_ttl: 600, parent_ds: [\""+ksk.DS()+"\"]}", 1))
	t1 := t0.Add(3 * time.Hour)
	rep = runAt(t, dir, t1)
	if len(rep.Plan.Waits) != 1 || !rep.Plan.Waits[0].Until.Equal(t1.Add(600*time.Second)) {
		t.Fatalf("DS confirmed: waits %v, want the parent_ds_ttl (600 s)", rep.Plan.Waits)
	}
	rep = runAt(t, dir, t1.Add(601*time.Second))
	if !slices.ContainsFunc(rep.Plan.Notes, func(n string) bool { return strings.Contains(n, "signer zonecast: joined") }) {
		t.Errorf("notes %q: want zonecast joined", rep.Plan.Notes)
	}
}
