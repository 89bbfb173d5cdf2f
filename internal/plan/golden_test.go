package plan_test

import (
	"bytes"
	"errors"
	"github.com/zonecast/zonecast/internal/golden"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// zoneAt parses a zone file text whose origin is the file name's.
func zoneAt(t *testing.T, origin, text string) *zones.Zone {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), origin+"zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("parse %s: %v %v", origin, err, diags.Err())
	}
	return z
}

// A long TXT value (a 2048-bit DKIM key), written as several strings.
const dkim = `"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvV8vbmFnZXJ0ZXN0a2V5Zm9yZ29sZGVuZmlsZXNvbmx5bm90YXJlYWxrZXlhdGFsbGJ1dGxvbmdlbm91Z2h0b3dyYXA" ` +
	`"ZXZlcnl0ZXJtaW5hbHdpZHRodGhhdGFueW9uZXVzZXNmb3JyZWFkaW5ncGxhbnNpbmFwdWxscmVxdWVzdGNvbW1lbnRvcmF0ZXJtaW5hbDEyMzQ1Njc4OTBBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWmFiY2Rl" ` +
	`"ZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQIDAQAB"`

// goldenPlan is one plan with everything the renderers show: creates,
// updates (values, TTLs, the apex NS set) and deletes over two zones and
// four providers, notes, a zone the provider does not serve yet, a provider
// that cannot be read, both kinds of safety refusal, and pending work.
func goldenPlan(t *testing.T) *plan.Plan {
	t.Helper()
	const com = "example.com."
	desiredCom := zoneAt(t, com, `$TTL 300
@       SOA   ns1 hostmaster 2026010101 7200 900 1209600 300
@       NS    ns1
@       NS    ns2.example.net.
@       MX    10 mail
@       TXT   "v=spf1 include:_spf.example.net -all"
ns1     A     192.0.2.1
mail    A     192.0.2.25
www 600 A     192.0.2.80
www     AAAA  2001:db8::80
quote   TXT   "say \"hello\"" "C:\\zonecast\\path" "plain"
sel1._domainkey TXT `+dkim+`
loc     LOC   52 22 23.000 N 4 53 32.000 E -2.00m
short 30 A    192.0.2.30
@       DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
`)
	currentBind := zoneAt(t, com, `$TTL 300
@       SOA   ns1 hostmaster 2026010100 7200 900 1209600 300
@       NS    ns1
@       MX    10 mail
@       TXT   "v=spf1 include:_spf.example.net -all"
ns1     A     192.0.2.1
mail    A     192.0.2.25
www     A     192.0.2.8
www     A     192.0.2.80
quote   TXT   "say hello"
old     CNAME www
short 30 A    192.0.2.30
loc     LOC   52 22 23.000 N 4 53 32.000 E -2.00m
`)
	bind := plan.Compute(plan.Input{Desired: desiredCom, Provider: "bind", Current: sets(currentBind), MaxChangePercent: 50})

	// Cloudflare owns the SOA and apex NS, has a TTL floor, holds no LOC,
	// and does not serve the zone yet.
	cloudflare := plan.Compute(plan.Input{Desired: desiredCom, Provider: "cloudflare", Missing: true,
		Caps: providers.Capabilities{OwnsSOA: true, OwnsApexNS: true, MinTTL: 60,
			Types: []uint16{dns.TypeSOA, dns.TypeNS, dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeTXT, dns.TypeCNAME}}})

	route53 := &plan.Target{Zone: com, Provider: "route53", Changes: []plan.Change{},
		Err: errors.New("list records of example.com. at route53: operation error Route 53: ListResourceRecordSets, https response error StatusCode: 403, AccessDenied: not authorized")}

	// example.org.: a provider where most of the zone would be deleted (a
	// zone file cut short), one where too much would change, and one in
	// sync.
	const org = "example.org."
	var hosts strings.Builder
	for _, h := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		hosts.WriteString(h + " A 198.51.100.1\n")
	}
	orgHead := "$TTL 3600\n@ SOA ns1 hostmaster 7 7200 900 1209600 300\n@ NS ns1\nns1 A 198.51.100.53\n"
	fullOrg := zoneAt(t, org, orgHead+hosts.String())
	cutShort := zoneAt(t, org, orgHead+"a A 198.51.100.1\nb A 198.51.100.1\n")
	knot := plan.Compute(plan.Input{Desired: cutShort, Provider: "knot", Current: sets(fullOrg)})

	changed := zoneAt(t, org, orgHead+strings.ReplaceAll(strings.Replace(hosts.String(), "j A", "; j A", 1), "198.51.100.1\n", "198.51.100.2\n"))
	pdns := plan.Compute(plan.Input{Desired: changed, Provider: "pdns", Current: sets(fullOrg), MaxChangePercent: 50})
	bindOrg := plan.Compute(plan.Input{Desired: fullOrg, Provider: "bind", Current: sets(fullOrg)})

	for _, tg := range []*plan.Target{&knot, &pdns} {
		if tg.Refused == nil {
			t.Fatalf("%s at %s: want a safety refusal, got none", tg.Zone, tg.Provider)
		}
	}
	return &plan.Plan{
		Targets: []*plan.Target{&bind, &cloudflare, route53, &bindOrg, &knot, &pdns},
		Pending: []plan.Pending{
			{Kind: plan.PendingReload, Zone: com, Provider: "bind", Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
				Err: "rndc reload example.com: exit status 1: rndc: connect failed: 127.0.0.1#953: connection refused"},
			{Kind: plan.PendingDelegation, Zone: org, Provider: "route53", Since: time.Date(2026, 1, 2, 4, 4, 5, 0, time.UTC)},
		},
	}
}

func TestGoldenPlan(t *testing.T) {
	p := goldenPlan(t)
	tests := []struct {
		name  string
		file  string
		write func(*bytes.Buffer) error
	}{
		{"text", "plan.txt.golden", func(b *bytes.Buffer) error { return plan.WriteText(b, p, plan.Style{}) }},
		{"markdown", "plan.md.golden", func(b *bytes.Buffer) error { return plan.WriteMarkdown(b, p, plan.Style{}) }},
		// The same plan cut to 4,000 bytes: the small targets whole, the
		// large ones cut between RRsets, each saying what it leaves out.
		{"markdown capped", "plan.capped.md.golden", func(b *bytes.Buffer) error {
			return plan.WriteMarkdown(b, p, plan.Style{MaxBytes: 4000, FullPlan: "`plan-full.md` in the artifacts of this run"})
		}},
		{"json", "plan.json.golden", func(b *bytes.Buffer) error { return plan.WriteJSON(b, p) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.file, b.Bytes())
		})
	}
}
