package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnssec"
	cfemu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/internal/multisigner"
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
	runAt(t, dir, until.Add(time.Second))
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

// A multi-signer group of a cloud that signs itself (the Cloudflare
// emulator, multi-signer DNSSEC on) and zonecast signing for a zone-file
// provider: each gets the other's ZSK (Cloudflare through its DNSKEY
// records, the file through zonecast's signing), the parent a DS for each
// KSK, and the group settles with nothing left to change.
func TestMultiSignerCloudAndZonecast(t *testing.T) {
	cf := cfemu.New(cfemu.Options{Tokens: []string{"cf-test-token"}})
	t.Cleanup(cf.Close)
	cf.AddZone("example.com")
	cf.SetDNSSEC("example.com", "active", true)
	t.Setenv("CF_TOKEN", "cf-test-token")
	dir := t.TempDir()
	kp, ksk := writeKey(t, dir, "example.com.", true)
	zp, zsk := writeKey(t, dir, "example.com.", false)
	cfNS := cf.NameServers("example.com")
	write(t, dir, "zonecast.yaml", `providers:
  cf: {type: cloudflare, api_token: env:CF_TOKEN, api_url: `+cf.URL+`/client/v4, requests_per_second: 1000}
  a: {type: zonefile, directory: out/a, dnssec: zonecast-signs, nameservers: ["ns-a.example.com.@127.0.0.1:1"]}
  tld: {type: zonefile, directory: parent}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [cf, a]
    parent: {provider: tld, zone: com.}
    dnssec: {mode: multi-signer, signed_by_zonecast: [a], keys: ["file:`+kp+`", "file:`+zp+`"], dnskey_ttl: 60}
`)
	zone := "$TTL 300\n@ SOA ns-a hostmaster 1 7200 900 1209600 300\n@ NS ns-a\nns-a A 192.0.2.1\nwww A 192.0.2.80\n"
	for _, ns := range cfNS {
		zone += "@ NS " + zones.CanonicalName(ns) + "\n"
	}
	write(t, dir, "example.com.zone", zone)
	write(t, dir, "parent/com.zone", "com. 3600 IN SOA a.gtld-servers.net. hostmaster.com. 1 7200 900 1209600 300\ncom. 3600 IN NS a.gtld-servers.net.\nexample.com. 120 IN NS ns-a.example.com.\nns-a.example.com. 120 IN A 192.0.2.1\n")

	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var rep *Report
	for i := 0; i < 12; i++ {
		rep = runAt(t, dir, now)
		if len(rep.Plan.Waits) == 0 && rep.Plan.Changes() == 0 && i > 0 {
			break
		}
		now = now.Add(2 * time.Hour) // past every wait (Cloudflare's DNSKEY TTL is 3600)
	}
	for _, s := range []string{"cf", "zonecast"} {
		if !slices.ContainsFunc(rep.Plan.Notes, func(n string) bool { return strings.Contains(n, "signer "+s+": joined") }) {
			t.Fatalf("%s not joined; notes:\n%s", s, strings.Join(rep.Plan.Notes, "\n"))
		}
	}
	// Cloudflare holds zonecast's ZSK (not its KSK) as a foreign key.
	served := cf.ServedDNSKEY("example.com")
	has := func(list []string, k string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.Join(strings.Fields(s), " ") == k })
	}
	if !has(served, zsk.Rdata()) || has(served, ksk.Rdata()) {
		t.Errorf("Cloudflare serves DNSKEY %q: want zonecast's ZSK and not its KSK", served)
	}
	// The file holds Cloudflare's ZSK, and its DNSKEY RRset is signed by
	// zonecast's KSK.
	z := readZoneFile(t, filepath.Join(dir, "out", "a", "example.com.zone"), "example.com.")
	verifySet(t, z, "example.com.", dns.TypeDNSKEY, ksk, now)
	verifySet(t, z, "www.example.com.", dns.TypeA, zsk, now)
	keys := z.Lookup("example.com.", dns.TypeDNSKEY)
	cfZSKs := 0
	for _, k := range served {
		if strings.HasPrefix(k, "256 ") && !has([]string{zsk.Rdata()}, strings.Join(strings.Fields(k), " ")) {
			cfZSKs++
			if !has(keys.Data, strings.Join(strings.Fields(k), " ")) {
				t.Errorf("the file's DNSKEY %q lacks Cloudflare's ZSK %s", keys.Data, k)
			}
		}
	}
	if cfZSKs == 0 {
		t.Fatalf("Cloudflare serves no ZSK of its own: %q", served)
	}
	// The parent has a DS for both KSKs.
	ds := readZoneFile(t, filepath.Join(dir, "parent", "com.zone"), "com.").Lookup("example.com.", dns.TypeDS)
	if ds == nil || len(ds.Data) != 2 || !slices.Contains(ds.Data, ksk.DS()) {
		t.Errorf("parent DS %v: want zonecast's %s and Cloudflare's", ds, ksk.DS())
	}
}

// A provider that cannot take part in the zone's DNSSEC is refused in the
// plan with what to do, and no key or DS is changed anywhere meanwhile.
func TestSignerRefusedAtPlanTime(t *testing.T) {
	dir, _, _ := signedLab(t)
	cfgPath := filepath.Join(dir, "zonecast.yaml")
	raw, _ := os.ReadFile(cfgPath)
	cfg := strings.Replace(string(raw), "  b: {type: zonefile, directory: out/b, dnssec: zonecast-signs,", "  b: {type: zonefile, directory: out/b,", 1)
	cfg = strings.Replace(cfg, "mode: signed-by-zonecast,", "mode: multi-signer, signed_by_zonecast: [a],", 1)
	write(t, dir, "zonecast.yaml", cfg)
	e, err := Load(Selection{Config: cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	p := e.Plan(context.Background())
	var b *plan.Target
	for _, tg := range p.Targets {
		if tg.Provider == "b" {
			b = tg
		}
		if tg.Provider == "a" {
			for _, c := range tg.Changes {
				if zones.IsDNSSEC(c.RRset().Type) {
					t.Errorf("a: DNSSEC change %s planned while b cannot take part", c.RRset().Name)
				}
			}
		}
		if tg.Provider == "tld" && len(tg.Changes) != 0 {
			t.Errorf("tld: %d changes, want none", len(tg.Changes))
		}
	}
	if b == nil || b.Err == nil || !strings.Contains(b.Err.Error(), "cannot take part in DNSSEC mode multi-signer") || !strings.Contains(b.Err.Error(), "set dnssec: zonecast-signs in the provider's configuration") {
		t.Fatalf("b: %+v, want refused with what to do", b)
	}
	if !slices.ContainsFunc(p.Notes, func(n string) bool {
		return strings.Contains(n, "nothing of the signers' keys or DS is changed this run")
	}) {
		t.Errorf("notes %q: want the halt said", p.Notes)
	}
}

// The DNSSEC state record of a large group (eight signers of RSA-2048
// keys, every ZSK given to every other) fits Cloudflare's 2,048
// characters a record, and reads back as written once its keys are seen.
func TestSigningRecordRoundTrip(t *testing.T) {
	st := sharedSigning{Serial: 42, Signers: map[string]multisigner.SignerState{}, Own: map[string][]string{},
		Given: map[string][]string{}, Gone: map[string]time.Time{}}
	var all []string
	since := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 8 {
		name := fmt.Sprintf("signer%d", i)
		for _, ksk := range []bool{true, false} {
			k, err := dnssec.Generate("example.com.", dns.RSASHA256, ksk, 2048)
			if err != nil {
				t.Fatal(err)
			}
			st.Own[name] = append(st.Own[name], k.Rdata())
			all = append(all, k.Rdata())
		}
		st.Signers[name] = multisigner.SignerState{Phase: multisigner.Joined, Since: since}
	}
	for i := range 8 {
		name := fmt.Sprintf("signer%d", i)
		for j, k := range all {
			if j/2 != i && j%2 == 1 {
				st.Given[name] = append(st.Given[name], k)
			}
		}
		slices.Sort(st.Given[name])
	}
	st.Gone[all[3]] = since
	rec := st.record("example.com.")
	for _, d := range rec.Data {
		if len(d) > 2048 {
			t.Errorf("a record of %d characters, over 2048", len(d))
		}
	}
	back, err := parseSigning(rec)
	if err != nil {
		t.Fatal(err)
	}
	back = back.resolve(all)
	if !back.same(st) || back.Serial != 42 {
		t.Errorf("read back differs:\n%+v\nwant\n%+v", back, st)
	}
	if _, err := parseSigning(&zones.RRset{Name: rec.Name, Type: dns.TypeTXT, Data: rec.Data[1:]}); err == nil && len(rec.Data) > 1 {
		t.Error("a record set with a part missing was read")
	}
	t.Logf("%d records for %d signers", len(rec.Data), len(st.Signers))
}
