package zones_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// TestRescue covers each form BIND reads and miekg/dns v1.1.73 does not:
// zonecast must read it as BIND does (each expectation checked against
// named-compilezone 9.18's dump), in canonical form.
func TestRescue(t *testing.T) {
	const key = "AwEAAaetidLzsKWUt4swWR8yu0wPHPiUi8LUsAD0QPWU+wzt89epO6tH"
	tests := []struct {
		name string
		zone string // appended to head
		want []string
	}{
		{"WKS by number and by name, kept as RFC 3597 data (BIND: 192.0.2.1 6 0 1 2 21 23 25)",
			"w1 WKS 192.0.2.1 6 ( 0 1 2 21 23 )\nw2 WKS 192.0.2.1 tcp tcpmux 2 ftp TELNET smtp 0\nw3 WKS 192.0.2.3 17\n",
			[]string{"w1.example.com.\t300\tIN\tTYPE11\t\\# 8 c000020106e00005",
				"w2.example.com.\t300\tIN\tTYPE11\t\\# 9 c000020106e0000540",
				"w3.example.com.\t300\tIN\tWKS\t192.0.2.3 17"}}, // Write: BIND refuses this bitmap in generic form
		{"NSAP with dots, and its generic form",
			"n1 NSAP 0x47.0005\nn2 TYPE22 \\# 3 470005\nn3 NSAP \\# 3 470006\n",
			[]string{"n1.example.com.\t300\tIN\tTYPE22\t\\# 3 470005", "n2.example.com.\t300\tIN\tTYPE22\t\\# 3 470005",
				"n3.example.com.\t300\tIN\tTYPE22\t\\# 3 470006"}},
		{"GPOS quoted (RFC 1712); fields that are not numbers stay generic",
			"g1 GPOS \"-22.6882\" \"116.8652\" \"250.0\"\ng2 GPOS \"\" \"\" \"\"\ng3 GPOS \"1 2\" abc 3\n",
			[]string{"g1.example.com.\t300\tIN\tGPOS\t-22.6882 116.8652 250.0", "g2.example.com.\t300\tIN\tGPOS\t\\# 3 000000",
				"g3.example.com.\t300\tIN\tGPOS\t\\# 10 0331203203616263013" + "3"}},
		{"LOC without minutes or seconds (RFC 1876 §3)",
			"l1 LOC 40 32 N 105 04 W 1208m\nl2 LOC 40 32 24.716 N 105 W -24m 30m\n",
			[]string{"l1.example.com.\t300\tIN\tLOC\t40 32 0.000 N 105 04 0.000 W 1208m 1m 10000m 10m",
				"l2.example.com.\t300\tIN\tLOC\t40 32 24.716 N 105 00 0.000 W -24m 30m 10000m 10m"}},
		{"NAPTR with unquoted flags, services and regexp",
			"n1 NAPTR 100 10 S SIP+D2U \"\" _sip._udp.example.com.\nn2 NAPTR 100 10 u E2U+sip !^.*$!sip:i@example.com! .\n",
			[]string{"n1.example.com.\t300\tIN\tNAPTR\t100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
				"n2.example.com.\t300\tIN\tNAPTR\t100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:i@example.com!\" ."}},
		{"RFC 3597 generic form of types miekg/dns knows, and TXT \\# text",
			"a1 TYPE1 \\# 4 C0000201\na2 A ( \\# 4 C0 00\n 02 02 )\nt1 TXT \\# text\nt2 TXT \\#\n \nt3 TXT \\# 6 0568656C6C6F\nz NULL \\# 2 0102\n",
			[]string{"a1.example.com.\t300\tIN\tA\t192.0.2.1", "a2.example.com.\t300\tIN\tA\t192.0.2.2",
				"t1.example.com.\t300\tIN\tTXT\t\"#\" \"text\"", "t2.example.com.\t300\tIN\tTXT\t\"#\"",
				"t3.example.com.\t300\tIN\tTXT\t\"hello\"", "z.example.com.\t300\tIN\tNULL\t\\# 2 0102"}},
		{"IPSECKEY followed by a record, a record of the same owner and a directive",
			"i1 IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\ni2 A 192.0.2.2\n" +
				"i3 IPSECKEY 10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\n  TXT \"i3\"\n" +
				"i4 IPSECKEY 10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\n$TTL 60\ni5 A 192.0.2.5\n",
			[]string{"i1.example.com.\t300\tIN\tIPSECKEY\t10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
				"i2.example.com.\t300\tIN\tA\t192.0.2.2",
				"i3.example.com.\t300\tIN\tTXT\t\"i3\"",
				"i3.example.com.\t300\tIN\tIPSECKEY\t10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
				"i4.example.com.\t300\tIN\tIPSECKEY\t10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
				"i5.example.com.\t60\tIN\tA\t192.0.2.5"}},
		{"DNSSEC mnemonics",
			"k1 DNSKEY ZONE|KSK DNSSEC ECDSAP256SHA256 " + key + "\nk2 KEY 0x200 IPSEC PRIVATEOID " + key +
				"\nk3 DNSKEY 0257 3 RSASHA256 " + key +
				"\nd1 DS 12345 NSEC3RSASHA1 SHA-256 2BB183AF5F22588179A53B0A98631FAD1A2921182BB183AF5F22588179A53B0A\n" +
				"s1 RRSIG WKS rsasha256 2 300 20300101000000 20200101000000 12345 example.com. " + key + "\n",
			[]string{"d1.example.com.\t300\tIN\tDS\t12345 7 2 2BB183AF5F22588179A53B0A98631FAD1A2921182BB183AF5F22588179A53B0A",
				"k1.example.com.\t300\tIN\tDNSKEY\t257 3 13 " + key,
				"k2.example.com.\t300\tIN\tKEY\t512 4 254 " + key,
				"k3.example.com.\t300\tIN\tDNSKEY\t257 3 8 " + key,
				"s1.example.com.\t300\tIN\tRRSIG\tTYPE11 8 2 300 20300101000000 20200101000000 12345 example.com. " + key}},
		{"bitmaps naming WKS, out of order; NXT by number",
			"n1 NSEC n2.example.com. A NS WKS SOA\nn2 NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NSAP A A\nx NXT . ( 127 A )\n",
			[]string{"n1.example.com.\t300\tIN\tNSEC\tn2.example.com. A NS SOA TYPE11",
				"n2.example.com.\t300\tIN\tNSEC3\t1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A TYPE22",
				"x.example.com.\t300\tIN\tNXT\t. A TYPE127"}},
		{"types newer than miekg/dns v1.1.73 (DSYNC, HHIT, BRID, WALLET), BIND's text form and generic",
			"d1 DSYNC CDS NOTIFY 5359 ns.example.net.\nd2 TYPE66 \\# 6 003b0114ef00\nh HHIT AAE=\nb TYPE68 \\# 1 00\n" +
				"w WALLET BTC \"1A1zP1\"\n",
			[]string{"b.example.com.\t300\tIN\tTYPE68\t\\# 1 00",
				"d1.example.com.\t300\tIN\tTYPE66\t\\# 21 003b0114ef026e73076578616d706c65036e657400",
				"d2.example.com.\t300\tIN\tTYPE66\t\\# 6 003b0114ef00",
				"h.example.com.\t300\tIN\tTYPE67\t\\# 2 0001",
				"w.example.com.\t300\tIN\tTYPE262\t\\# 11 03425443063141317a5031"}},
		{"NID and L64 groups of fewer than four digits",
			"n NID 10 1:2:3:4\nl L64 10 14:4fff:ff20:ee64\n",
			[]string{"l.example.com.\t300\tIN\tL64\t10 0014:4FFF:FF20:EE64", "n.example.com.\t300\tIN\tNID\t10 0001:0002:0003:0004"}},
		{"quoted X25",
			"x X25 \"311061700956\"\n",
			[]string{"x.example.com.\t300\tIN\tX25\t311061700956"}},
		{"owner carries over to a rescued record and from it; $TTL applies",
			"a 60 A 192.0.2.1\n  WKS 192.0.2.1 6 25\n  IN 120 NSAP 0x47\n  A 192.0.2.2\n",
			[]string{"a.example.com.\t60\tIN\tA\t192.0.2.1", "a.example.com.\t60\tIN\tA\t192.0.2.2",
				"a.example.com.\t300\tIN\tTYPE11\t\\# 9 c00002010600000040",
				"a.example.com.\t120\tIN\tTYPE22\t\\# 1 47"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := parse(t, head+tt.zone)
			if diff := cmp.Diff(tt.want, lines(t, z)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			// The dump reads back as the same zone.
			again := parse(t, dump(t, z))
			if diff := cmp.Diff(dump(t, z), dump(t, again)); diff != "" {
				t.Errorf("dump → parse → dump (-first +second):\n%s", diff)
			}
			// A provider gets the records through RRs and reads them
			// back through FromRRs: the same data.
			var rrs []dns.RR
			var want []zones.RRset
			for _, s := range z.RRsets() {
				r, err := s.RRs()
				if err != nil {
					t.Fatal(err)
				}
				rrs = append(rrs, r...)
				want = append(want, zones.RRset{Name: s.Name, Type: s.Type, Covers: s.Covers, TTL: s.TTL, Data: s.Data})
			}
			back, err := zones.FromRRs(z.Origin, rrs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("RRs → FromRRs (-zone +back):\n%s", diff)
			}
		})
	}
}

// TestRescueRefuses checks that what BIND refuses in these forms is still
// refused, at its file and line (named-compilezone 9.18's message in the
// name).
func TestRescueRefuses(t *testing.T) {
	tests := []struct {
		name string
		line string // the record, at line 5
	}{
		{"unknown service", "w WKS 192.0.2.1 6 nosuch"},
		{"protocol out of range", "w WKS 192.0.2.1 256"},
		{"WKS port out of range", "w WKS 192.0.2.1 6 65536"},
		{"bad dotted quad", "w WKS 192.0.2 6 1"},
		{"NSAP odd digits", "n NSAP 0x4"},
		{"NSAP without 0x", "n NSAP 47"},
		{"WKS generic too short", "w WKS \\# 4 c0000201"},
		{"DSYNC scheme out of range", "d DSYNC CDS 256 53 x."},
		{"DSYNC generic without target", "d DSYNC \\# 5 003b0114ef"},
		{"HHIT quoted", "h HHIT \"AAE=\""},
		{"HHIT extra input", "h HHIT AAE= AAE="},
		{"WALLET empty", "w WALLET \\# 0"},
		{"X25 too short", "x X25 \"123\""},
		{"unknown algorithm", "k DNSKEY 257 3 ECC AwEA"},
		{"unknown flag", "k DNSKEY REVOKE 3 8 AwEA"},
		{"unknown digest type", "d DS 1 8 SHA-512 AABB"},
		{"TXT generic without data", "t TXT \\# 4"},
		{"A generic empty (miekg/dns reads an empty A)", "a A \\# 0"},
		{"MX generic with an octet past its end (miekg/dns drops it)", "m MX \\# 6 000a01780000"},
		{"generic length not the octets'", "a TYPE1 \\# 5 c0000201"},
		{"GPOS with four fields", "g GPOS 1 2 3 4"},
		{"GPOS short: the ZoneParser reads on into the next line", "g GPOS 1 2"},
		{"LOC without altitude", "l LOC 40 32 N 105 04 W"},
		{"LOC hemisphere in lower case", "l LOC 40 32 n 105 w 10m"},
		{"NSEC3 next hash of one digit (miekg/dns: no octets)", "n NSEC3 0 0 0 - 0"},
		{"NSEC3 SHA-1 next hash not 20 octets", "n NSEC3 1 0 0 - CO"},
		{"NSEC3 rescued for its bitmap, next hash not 20 octets", "n NSEC3 1 0 0 - CO WKS"},
		{"DS SHA-256 digest of 20 octets", "d DS 1 8 2 2BB183AF5F22588179A53B0A98631FAD1A292118"},
		{"DS rescued for its mnemonic, SHA-1 digest of 21 octets", "d DS 1 RSASHA256 SHA-1 2BB183AF5F22588179A53B0A98631FAD1A292118AA"},
		{"LOC hemisphere in lower case, every field given", "l LOC 40 32 0 N 105 0 0 w 10m"},
		{"LOC with four precisions", "l LOC 40 N 105 W 10m 1m 2m 3m 4m"},
		{"algorithm name miekg/dns knows and BIND does not", "d CDS 1 DSA-NSEC3-SHA1 1 e19a321dd39977d1c7f2c7cb9514f99b5c43154a"},
		{"NSEC type by number", "n NSEC . 127"},
		{"NAPTR short", "n NAPTR 100 10 u E2U+sip"},
		{"NID group of five digits", "n NID 10 00014:4fff:ff20:ee64"},
		{"unknown type", "x FOO 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := head + tt.line + "\nafter A 192.0.2.9\n"
			z, diags, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, d := range diags {
				if d.Severity == zones.Error {
					errs = append(errs, d.Pos.File+":"+strconv.Itoa(d.Pos.Line))
				}
			}
			if diff := cmp.Diff([]string{"example.com.zone:5"}, errs); diff != "" {
				t.Errorf("error positions (-want +got):\n%s\n%s", diff, join(diags))
			}
			if z.Lookup("after.example.com.", 1) == nil {
				t.Errorf("the record after the refused one was not read")
			}
		})
	}
}

// TestRescueReportsOnce checks that an entry reported and skipped is not
// taken up again when the next entry fails on its first token.
func TestRescueReportsOnce(t *testing.T) {
	text := head + "a A 999.1.1.1\n" + strings.Repeat("x", 64) + " A 192.0.2.1\nafter A 192.0.2.9\n"
	_, diags, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, posString(d.Pos)+" "+d.Code)
	}
	if diff := cmp.Diff([]string{"5:5 syntax", "6:1 label-too-long"}, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
