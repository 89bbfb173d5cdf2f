package zones_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

const head = "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n"

// parse reads text as the zone example.com. and fails on any error.
func parse(t *testing.T, text string) *zones.Zone {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", join(diags))
	}
	return z
}

// lines dumps the records at names other than the apex and ns.
func lines(t *testing.T, z *zones.Zone) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(dump(t, z)), "\n") {
		if strings.HasPrefix(l, "example.com.\t") || strings.HasPrefix(l, "ns.example.com.\t") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestParseCanonical(t *testing.T) {
	tests := []struct {
		name string
		zone string // appended to head
		want []string
	}{
		{"relative and absolute owners, @",
			"www A 192.0.2.2\nWWW2.Example.COM. A 192.0.2.3\n$ORIGIN sub.example.com.\n@ A 192.0.2.4\n",
			[]string{"sub.example.com.\t300\tIN\tA\t192.0.2.4", "www.example.com.\t300\tIN\tA\t192.0.2.2", "www2.example.com.\t300\tIN\tA\t192.0.2.3"}},
		{"owner and TTL carry over, $TTL applies to records without TTL (RFC 2308)",
			"a 60 A 192.0.2.1\n  A 192.0.2.2\nb A 192.0.2.3\n",
			[]string{"a.example.com.\t60\tIN\tA\t192.0.2.1", "a.example.com.\t60\tIN\tA\t192.0.2.2", "b.example.com.\t300\tIN\tA\t192.0.2.3"}},
		{"TTL units and class before TTL",
			"a 1h30m A 192.0.2.1\nb IN 1w2d A 192.0.2.2\nc 2D IN A 192.0.2.3\n",
			[]string{"a.example.com.\t5400\tIN\tA\t192.0.2.1", "b.example.com.\t777600\tIN\tA\t192.0.2.2", "c.example.com.\t172800\tIN\tA\t192.0.2.3"}},
		{"parentheses and comments across lines",
			"m MX ( 10 ; preference\n  mail ) ; exchange\nmail A 192.0.2.9\n",
			[]string{"m.example.com.\t300\tIN\tMX\t10 mail.example.com.", "mail.example.com.\t300\tIN\tA\t192.0.2.9"}},
		{"names inside rdata lower-cased and absolute (RFC 4034 §6.2)",
			"c CNAME Target.Example.NET.\nm MX 10 MAIL\ns SRV 0 0 443 Host\nMAIL A 192.0.2.9\nhost A 192.0.2.8\n",
			[]string{"c.example.com.\t300\tIN\tCNAME\ttarget.example.net.", "host.example.com.\t300\tIN\tA\t192.0.2.8", "m.example.com.\t300\tIN\tMX\t10 mail.example.com.", "mail.example.com.\t300\tIN\tA\t192.0.2.9", "s.example.com.\t300\tIN\tSRV\t0 0 443 host.example.com."}},
		{"IPv6 in RFC 5952 form",
			"v AAAA 2001:0DB8:0000:0000:0000:0000:0000:0001\nw AAAA ::FFFF:192.0.2.1\n",
			[]string{"v.example.com.\t300\tIN\tAAAA\t2001:db8::1", "w.example.com.\t300\tIN\tAAAA\t::ffff:192.0.2.1"}},
		{"duplicates collapsed, case-insensitive owners",
			"d A 192.0.2.1\nD A 192.0.2.1\nd A 192.0.2.2\n",
			[]string{"d.example.com.\t300\tIN\tA\t192.0.2.1", "d.example.com.\t300\tIN\tA\t192.0.2.2"}},
		{"TXT strings kept as strings, escapes canonical",
			`t TXT "a\"b" "c\\d" "\065x" "" plain` + "\n",
			[]string{`t.example.com.` + "\t300\tIN\tTXT\t" + `"a\"b" "c\\d" "Ax" "" "plain"`}},
		{"escaped dot and space in names",
			"a\\.b A 192.0.2.1\nsp\\032ace A 192.0.2.2\n",
			[]string{"a\\.b.example.com.\t300\tIN\tA\t192.0.2.1", "sp\\ ace.example.com.\t300\tIN\tA\t192.0.2.2"}},
		{"RFC 3597 generic syntax, known and unknown types",
			"k TYPE1 \\# 4 C0000201\nu TYPE65534 \\# 4 0a000001\n",
			[]string{"k.example.com.\t300\tIN\tA\t192.0.2.1", "u.example.com.\t300\tIN\tTYPE65534\t\\# 4 0a000001"}},
		{"hex and base64 rdata canonical whatever their spelling",
			"s SSHFP 4 2 ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12\ns SSHFP 4 2 AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12\n",
			[]string{"s.example.com.\t300\tIN\tSSHFP\t4 2 AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12"}},
		{"$GENERATE takes $TTL",
			"$GENERATE 1-3 h$ A 192.0.2.$\n",
			[]string{"h1.example.com.\t300\tIN\tA\t192.0.2.1", "h2.example.com.\t300\tIN\tA\t192.0.2.2", "h3.example.com.\t300\tIN\tA\t192.0.2.3"}},
		{"$GENERATE with its own TTL",
			"$GENERATE 1-2 g$ 60 A 192.0.2.$\n",
			[]string{"g1.example.com.\t60\tIN\tA\t192.0.2.1", "g2.example.com.\t60\tIN\tA\t192.0.2.2"}},
		{"one TTL per RRset: the first, as BIND",
			"x 100 A 192.0.2.1\nx 200 A 192.0.2.2\n",
			[]string{"x.example.com.\t100\tIN\tA\t192.0.2.1", "x.example.com.\t100\tIN\tA\t192.0.2.2"}},
		{"canonical order: labels from the right, parent first",
			"b.a A 192.0.2.1\na A 192.0.2.2\nz A 192.0.2.3\n*.a A 192.0.2.4\n",
			[]string{"a.example.com.\t300\tIN\tA\t192.0.2.2", "*.a.example.com.\t300\tIN\tA\t192.0.2.4", "b.a.example.com.\t300\tIN\tA\t192.0.2.1", "z.example.com.\t300\tIN\tA\t192.0.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lines(t, parse(t, head+tt.zone))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("dump (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		zone string
		want []string // "line:col severity code"
	}{
		{"syntax errors all reported, parsing goes on",
			head + "a A 192.0.2\nb AAAA nope\nc A 192.0.2.3\n",
			[]string{"5:5 error syntax", "6:8 error syntax"}},
		{"owner of a failed entry carries over",
			head + "a A 192.0.2\n  TXT \"a's text\"\n",
			[]string{"5:5 error syntax"}},
		{"CNAME and other data", head + "w CNAME ns\nw TXT x\n", []string{"5:1 error cname-and-other-data"}},
		{"CNAME with RRSIG and NSEC is fine", head + "w CNAME ns\nw NSEC x.example.com. CNAME RRSIG NSEC\n", []string{"6:1 info dnssec-not-replicated"}},
		{"two CNAMEs", head + "w CNAME ns\nw CNAME ns2\n", []string{"5:1 error multiple-cnames"}},
		{"CNAME at the apex", head + "@ CNAME other.example.\n", []string{"5:1 error cname-at-apex"}},
		{"NS target is a CNAME", head + "@ NS alias\nalias CNAME ns\n", []string{"3:1 error ns-target-cname"}},
		{"MX and SRV targets are CNAMEs", head + "@ MX 10 alias\n_x._tcp SRV 0 0 1 alias\nalias CNAME ns\n",
			[]string{"5:1 warning mx-target-cname", "6:1 warning srv-target-cname"}},
		{"missing glue at the apex", "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\n", []string{"3:1 error missing-glue"}},
		{"missing glue for a delegation", head + "kid NS ns.kid\n", []string{"5:1 warning missing-glue"}},
		{"glue below a delegation is fine, other data is occluded", head + "kid NS ns.kid\nns.kid A 192.0.2.5\nwww.kid A 192.0.2.6\n",
			[]string{"7:1 warning occluded-data"}},
		{"data below a DNAME is occluded", head + "d DNAME example.net.\nx.d A 192.0.2.6\n", []string{"6:1 warning occluded-data"}},
		{"TXT string over 255 octets", head + "t TXT \"" + strings.Repeat("x", 256) + "\"\n", []string{"5:1 error txt-too-long"}},
		{"TXT string of 255 octets with escapes is fine", head + "t TXT \"" + strings.Repeat("\\065", 255) + "\"\n", nil},
		{"label over 63 octets", head + strings.Repeat("l", 64) + " A 192.0.2.1\n", []string{"5:1 error label-too-long"}},
		{"TTL over 2^31-1", head + "t 2147483648 A 192.0.2.1\n", []string{"5:1 error ttl-out-of-range"}},
		{"differing TTLs in an RRset", head + "x 100 A 192.0.2.1\nx 200 A 192.0.2.2\n", []string{"6:1 warning ttl-mismatch"}},
		{"data outside the origin", head + "www.example.net. A 192.0.2.1\n", []string{"5:1 error out-of-zone"}},
		{"DS at the apex", head + "@ DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n", []string{"5:1 error ds-at-apex"}},
		{"DNSSEC records noted once per type", head + "@ DNSKEY 257 3 13 AAAA\nns RRSIG A 13 3 300 20260101000000 20251201000000 1 example.com. AAAA\n",
			[]string{"5:1 info dnssec-not-replicated", "6:1 info dnssec-not-replicated"}},
		{"no SOA", "$TTL 300\n@ NS ns\nns A 192.0.2.1\n", []string{"1:1 error missing-soa"}},
		{"two SOAs", head + "@ SOA ns hostmaster 2 7200 900 1209600 300\n", []string{"2:1 error multiple-soa"}},
		{"SOA below the apex", head + "sub SOA ns hostmaster 2 7200 900 1209600 300\n", []string{"5:1 error soa-not-at-apex"}},
		{"no apex NS", "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n", []string{"1:1 error missing-apex-ns"}},
		{"class other than IN", head + "c CH TXT x\n", []string{"5:1 error class-not-in"}},
		{"meta type", head + "m TYPE250 \\# 0\n", []string{"5:1 error meta-type"}},
		{"undecodable rdata", head + "s SSHFP 4 2 abc\n", []string{"5:1 error bad-rdata"}},
		{"no TTL anywhere: the SOA minimum, as BIND", "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n", []string{"1:1 warning missing-ttl"}},
		{"record with no data at the end of the file", head + "z A\n", []string{"5:1 error missing-rdata"}},
		{"an owner that starts with $ is no directive", head + "$ AAAA ", []string{"5:1 error missing-rdata"}},
		{"$INCLUDE without a folder", head + "$INCLUDE other.zone\n", []string{"5:10 error include"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags, err := zones.Parse(strings.NewReader(tt.zone), "example.com.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags {
				if d.Pos.File != "example.com.zone" {
					t.Errorf("diagnostic in file %q", d.Pos.File)
				}
				got = append(got, strings.Join([]string{posString(d.Pos), d.Severity.String(), d.Code}, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
			}
		})
	}
}

func posString(p zones.Pos) string {
	return strings.TrimPrefix(p.String(), p.File+":")
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		file, text, flag string
		want, from       string
	}{
		{"example.com.zone", head, "", "example.com.", zones.OriginFromFileName},
		{"db.example.org", head, "", "example.org.", zones.OriginFromFileName},
		{"zone.txt", "; comment\n$TTL 300\n$ORIGIN example.net.\n" + head, "", "example.net.", zones.OriginFromDirective},
		{"whatever.zone", head, "example.com", "example.com.", zones.OriginFromFlag},
	}
	for _, tt := range tests {
		z, _, err := zones.Parse(strings.NewReader(tt.text), tt.file, zones.Options{Origin: tt.flag})
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if z.Origin != tt.want || z.OriginFrom != tt.from {
			t.Errorf("%s: origin %s from %s, want %s from %s", tt.file, z.Origin, z.OriginFrom, tt.want, tt.from)
		}
	}
	if _, _, err := zones.Parse(strings.NewReader(head), "zone file with spaces", zones.Options{}); err == nil || !strings.Contains(err.Error(), "--origin") {
		t.Errorf("no origin: got %v, want an error naming --origin", err)
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("zones/example.com.zone", head+"$INCLUDE inc/hosts.inc\n$INCLUDE inc/office.inc office\nafter A 192.0.2.99\n$INCLUDE ../secret.zone\n$INCLUDE inc/link.inc\n")
	write("zones/inc/hosts.inc", "h1 A 192.0.2.11\nbad A 1.2.3\n")
	write("zones/inc/office.inc", "@ A 192.0.2.21\n")
	write("secret.zone", "s A 192.0.2.66\n")
	if err := os.Symlink(filepath.Join(dir, "secret.zone"), filepath.Join(dir, "zones", "inc", "link.inc")); err != nil {
		t.Fatal(err)
	}
	z, diags, err := zones.ParseFile(filepath.Join(dir, "zones", "example.com.zone"), zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		rel, _ := filepath.Rel(dir, d.Pos.File)
		got = append(got, rel+":"+posString(d.Pos)+" "+d.Code)
	}
	want := []string{
		"zones/example.com.zone:8:10 include", // ../secret.zone leaves the folder
		"zones/example.com.zone:9:10 include", // a symbolic link out of it too
		"zones/inc/hosts.inc:2:7 syntax",      // errors in included files name that file
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
	}
	for _, name := range []string{"h1.example.com.", "office.example.com.", "after.example.com."} {
		if z.Lookup(name, 1) == nil {
			t.Errorf("%s A missing: the included data or what follows the $INCLUDE was lost", name)
		}
	}
	if z.Lookup("s.example.com.", 1) != nil {
		t.Error("data from outside the zone's folder was read")
	}
}

// TestIncludeOriginLikeAType: the origin argument of $INCLUDE is a name
// even when it spells a type or a class ("a", "mx", "in"), which miekg/dns
// v1.1.73's lexer takes for a type and so ignores, reading the file with
// the including file's origin (BIND's bind9/include.db); errors in such a
// file keep their own line numbers.
func TestIncludeOriginLikeAType(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"example.com.zone": head + "$INCLUDE inc.zone a\n$INCLUDE inc.zone mx\n$INCLUDE inc.zone in\n$INCLUDE bad.zone ns\n",
		"inc.zone":         "h A 192.0.2.1\n$ORIGIN sub\nx A 192.0.2.2\n",
		"bad.zone":         "ok A 192.0.2.3\nbad A 1.2.3\n",
	})
	z, diags, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"h.a.example.com.", "x.sub.a.example.com.", "h.mx.example.com.", "x.sub.mx.example.com.",
		"h.in.example.com.", "ok.ns.example.com."} {
		if z.Lookup(name, dns.TypeA) == nil {
			t.Errorf("%s A missing: the $INCLUDE origin was not applied", name)
		}
	}
	if s := z.Lookup("h.example.com.", dns.TypeA); s != nil {
		t.Errorf("h.example.com. A read with the including file's origin: %v", s.Data)
	}
	var got []string
	for _, d := range diags {
		got = append(got, filepath.Base(d.Pos.File)+":"+posString(d.Pos)+" "+d.Code)
	}
	if diff := cmp.Diff([]string{"bad.zone:2:7 syntax"}, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
	}
}
