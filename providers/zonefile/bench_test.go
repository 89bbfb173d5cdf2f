package zonefile_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnssec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/zonefile"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApply measures one Apply of n new RRsets (address, text and mail
// records, generated here) to a zone file holding only the SOA and the apex
// NS: read, change, write and rename, in one call. The file is put back,
// untimed, before each iteration. Reported: time per RRset, which should stay
// flat from 10k to 100k (the apply is linear but for the sort of the write).
func BenchmarkApply(b *testing.B) {
	const head = "$TTL 300\n@ SOA ns1.example.net. hostmaster 1 7200 900 1209600 300\n@ NS ns1.example.net.\n"
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			p := zonefile.New("files", dir, nil)
			changes := benchChanges(b, n)
			path := p.Path(origin)
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if applied, err := p.Apply(b.Context(), origin, changes); err != nil || applied != n {
					b.Fatalf("apply: %d of %d applied, err %v", applied, n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rrset")
			if fi, err := os.Stat(filepath.Clean(path)); err == nil {
				b.ReportMetric(float64(fi.Size())/float64(n), "B/rrset-written")
			}
		})
	}
}

// benchChanges is n creations of RRsets: mostly A, some AAAA, TXT and MX.
func benchChanges(b *testing.B, n int) []providers.Change {
	b.Helper()
	out := make([]providers.Change, 0, n)
	for i := range n {
		name := fmt.Sprintf("h%d.%s", i, origin)
		var s zones.RRset
		switch i % 10 {
		case 7:
			s = zones.RRset{Name: name, Type: dns.TypeAAAA, TTL: 300, Data: []string{fmt.Sprintf("2001:db8::%x", i%65536)}}
		case 8:
			s = zones.RRset{Name: name, Type: dns.TypeTXT, TTL: 300, Data: []string{fmt.Sprintf(`"v=spf1 ip4:192.0.2.%d -all"`, i%250+1)}}
		case 9:
			s = zones.RRset{Name: name, Type: dns.TypeMX, TTL: 300, Data: []string{"10 mail." + origin}}
		default:
			s = zones.RRset{Name: name, Type: dns.TypeA, TTL: 300, Data: []string{fmt.Sprintf("192.0.2.%d", i%250+1)}}
		}
		out = append(out, providers.Change{Set: s})
	}
	return out
}

// BenchmarkRecords measures reading a zone back from a file this provider
// wrote ($ZONECAST_BENCH_DIR/<n>/base.zone, applied once untimed): sealed,
// as written (zones.ReadSealed), and with its seal cut off, which makes the
// zone parser read it as any file edited by hand. Reported: ns per RRset.
func BenchmarkRecords(b *testing.B) {
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	for _, n := range []string{"100000", "1000000"} {
		src := filepath.Join(dir, n, "base.zone")
		if _, err := os.Stat(src); err != nil {
			continue
		}
		z, diags, err := zones.ParseFile(src, zones.Options{Origin: "bench.example."})
		if err != nil || diags.HasErrors() {
			b.Fatal(err, diags.Err())
		}
		var changes []providers.Change
		for _, s := range z.RRsets() {
			changes = append(changes, providers.Change{Set: *s})
		}
		p := zonefile.New("files", b.TempDir(), nil)
		if _, err := p.Apply(b.Context(), z.Origin, changes); err != nil {
			b.Fatal(err)
		}
		sealed, err := os.ReadFile(p.Path(z.Origin))
		if err != nil {
			b.Fatal(err)
		}
		unsealed := sealed[:bytes.LastIndexByte(sealed[:len(sealed)-1], '\n')+1]
		for _, c := range []struct {
			name string
			text []byte
		}{{"sealed", sealed}, {"parsed", unsealed}} {
			b.Run(c.name+"/"+n, func(b *testing.B) {
				if err := os.WriteFile(p.Path(z.Origin), c.text, 0o644); err != nil {
					b.Fatal(err)
				}
				var sets []zones.RRset
				for b.Loop() {
					if sets, err = p.Records(b.Context(), z.Origin); err != nil {
						b.Fatal(err)
					}
				}
				if len(sets) != len(changes) {
					b.Fatalf("read %d RRsets, wrote %d", len(sets), len(changes))
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sets)), "ns/rrset")
			})
		}
	}
}

// BenchmarkSignedRecords measures reading back a zone zonecast signed
// (dnssec: zonecast-signs) of 10k names, each with an A record: DNSKEY,
// RRSIG and NSEC sets included, some 30k RRsets. Reported: ns per RRset,
// and whether the file was sealed (1) or had to be parsed (0).
func BenchmarkSignedRecords(b *testing.B) {
	const n = 10_000
	z := zones.NewZone(origin)
	add := func(name string, t uint16, data string) {
		z.Sets[zones.Key{Name: name, Type: t}] = &zones.RRset{Name: name, Type: t, TTL: 300, Data: []string{data}}
	}
	add(origin, dns.TypeSOA, "ns1.example.net. hostmaster.example.com. 7 7200 900 1209600 300")
	add(origin, dns.TypeNS, "ns1.example.net.")
	for i := range n {
		add(fmt.Sprintf("h%d.%s", i, origin), dns.TypeA, fmt.Sprintf("192.0.2.%d", i%250+1))
	}
	ksk, err := dnssec.Generate(origin, dns.ECDSAP256SHA256, true, 0)
	if err != nil {
		b.Fatal(err)
	}
	zsk, err := dnssec.Generate(origin, dns.ECDSAP256SHA256, false, 0)
	if err != nil {
		b.Fatal(err)
	}
	signed, _, err := dnssec.Sign(z, []*dnssec.Key{ksk, zsk}, nil, nil, time.Now(), dnssec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var changes []providers.Change
	for _, s := range signed.RRsets() {
		changes = append(changes, providers.Change{Set: *s})
	}
	dir := b.TempDir()
	p, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: providers.ZonecastSigns}, dir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Apply(b.Context(), origin, changes); err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, origin+"zone"))
	if err != nil {
		b.Fatal(err)
	}
	var sets []zones.RRset
	for b.Loop() {
		if sets, err = p.Records(b.Context(), origin); err != nil {
			b.Fatal(err)
		}
	}
	if len(sets) != len(changes) {
		b.Fatalf("read %d RRsets, wrote %d", len(sets), len(changes))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sets)), "ns/rrset")
	sealed := 0.0
	if bytes.Contains(text, []byte("; zonecast sealed sha256:")) {
		sealed = 1
	}
	b.ReportMetric(sealed, "sealed")
}
