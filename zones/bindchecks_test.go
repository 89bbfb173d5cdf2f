package zones_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/zones"
)

// bindHead is the start of every zone of the BIND checks' cases: the zone
// example. in example.zone, its records from line 5.
const bindHead = "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n"

// An RSASHA512 (algorithm 10) key of example. and its digests (key tag 14364).
const (
	bindKey = "257 3 10 AwEAAbqjg7xdvnU2Q/gtLw5LOfr5cDeTRjYuEbkzGrUiVSOSoxcTxuao WS/AFPQHuD8OSLiE/CeZ087JowREXl058rRfae8KMrveY17V0wmKs9N1 " +
		"F1wf/hRDpXiThlRHWlskp8eSEEIqYrrHgWTesy/xDGIEOFM1gwRo0w8j KdRRJeL2hseTMa+m3rTzrYudUsI0BHLW8PiDUCbG5xgdee8/5YR4847i " +
		"AAqHIiPJ1Z/IT53OIjMmtv5BUykZ8RYjlJxxX+C+dpRKiK73SQaR3hCB XAYOL9WsDp2/fpmEZpewavkMkdC+j2CX+z27MCS3ASO0AeKK0lcNXwND kgreE+Kr7gc="
	bindKeyTail = "AwEAAbqjg7xdvnU2Q/gtLw5LOfr5cDeTRjYuEbkzGrUiVSOSoxcTxuaoWS/AFPQHuD8OSLiE/CeZ087JowREXl058rRfae8KMrveY17V0wmKs9N1"
	bindDS2     = "14364 10 2 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0C"
	bindDS4     = "14364 10 4 FA834EBB15AD818BB51D2F1E1798162B14D26CA1B6D2E4A69D475533F73CEB60C9A242D4B1489C654CDD70D548AC9C9C"
	// A SHA-384 digest: 48 octets.
	bindSHA384 = "62e6cf51b02e54b9b5f967d547ce43136792901f9f88e637493daaf401c92c279dd10f0edb1c56f8080211f8480ee306"
)

// bindCheckCase is a zone (after bindHead) and the diagnostics of the BIND
// checks' codes it must give: without errors BIND loads the zone.
type bindCheckCase struct {
	name string
	zone string
	want []zones.Diagnostic
}

func bindCheckCases() []bindCheckCase {
	at := func(line, col int) zones.Pos { return zones.Pos{File: "example.zone", Line: line, Col: col} }
	cds := func(line int, msg, hint string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, 1), Severity: zones.Error, Code: zones.CodeCDSMismatch, Message: msg, Hint: hint}}
	}
	cdnskey := func(line int, msg, hint string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, 1), Severity: zones.Error, Code: zones.CodeCDNSKEYMismatch, Message: msg, Hint: hint}}
	}
	const (
		cdsHint     = "a CDS must name a key of the zone's DNSKEY RRset (RFC 7344 §4.1); correct it from the signer's output or remove it"
		cdnskeyHint = "a CDNSKEY must name a key of the zone's DNSKEY RRset (RFC 7344 §4.1); correct it from the signer's output or remove it"
		nsec3Hint   = "copy the record again from the signer's output, or remove the NSEC3 records: providers sign the zone themselves"
		wcHint      = "a wildcard cannot delegate (RFC 4592 §4.2); write the NS records at each delegated name instead"
		nsec3Owner  = "I7A7A184GGMI35K1E3IR650LKO7NOB5R"
	)
	unmatched := func(line int, msg string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, 1), Severity: zones.Warning, Code: zones.CodeCDSUnmatched, Message: msg,
			Hint: "correct it from the signer's output; ignore this while the parent is to publish the DS of a key " +
				"not yet in the DNSKEY RRset (a double-DS rollover, RFC 6781 §4.1.2)"}}
	}
	wildcard := func(line int, name string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, 1), Severity: zones.Error, Code: zones.CodeWildcardNS,
			Message: "NS at the wildcard " + name + ": BIND refuses it (invalid NS owner name)", Hint: wcHint}}
	}
	nsec3 := func(next, msg string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(5, 1), Severity: zones.Error, Code: zones.CodeNSEC3NextHash,
			Message: "I7A7A184GGMI35K1E3IR650LKO7NOB5R.example. NSEC3 next hashed owner name " + next + " " + msg + ": BIND refuses it",
			Hint:    nsec3Hint}}
	}
	zonemd := func(line int, msg, hint string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, 1), Severity: zones.Error, Code: zones.CodeZONEMDDigestLength,
			Message: "example. ZONEMD " + msg + ": BIND refuses it", Hint: hint}}
	}
	generic := func(line, col int, msg, hint string) []zones.Diagnostic {
		return []zones.Diagnostic{{Pos: at(line, col), Severity: zones.Error, Code: zones.CodeGenericRdataLength, Message: msg, Hint: hint}}
	}
	return []bindCheckCase{
		// CDS and CDNSKEY: BIND 9.18 checks the algorithms only.
		{name: "CDS of an apex DNSKEY", zone: "@ DNSKEY " + bindKey + "\n@ CDS " + bindDS2 + "\n@ CDS " + bindDS4 + "\n"},
		{name: "CDS of the DNSKEY's algorithm, digest of no key (BIND loads it)",
			zone: "@ DNSKEY " + bindKey + "\n@ CDS 14364 10 2 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0B\n",
			want: unmatched(6, "CDS 14364 10 2 FD03B2312C8F0FE72C1751EFA1007... at example. matches no apex DNSKEY: the parent would publish a DS of no key of the zone")},
		{name: "CDS of a digest type miekg/dns cannot compute is not judged",
			zone: "@ DNSKEY " + bindKey + "\n@ CDS 14364 10 5 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0B\n"},
		{name: "CDNSKEY of the key with other flags (BIND loads it)",
			zone: "@ DNSKEY " + bindKey + "\n@ CDNSKEY 256 3 10 " + bindKeyTail + "\n",
			want: unmatched(6, "CDNSKEY 256 3 10 AwEAAbqjg7xdvnU2Q/gtLw5LOfr5cDe... at example. matches no apex DNSKEY: the parent would publish a DS of no key of the zone")},
		{name: "CDS of an algorithm no DNSKEY has",
			zone: "@ DNSKEY " + bindKey + "\n@ CDS 14364 14 2 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0C\n",
			want: cds(6, "CDS 14364 14 2 FD03B2312C8F0FE72C1751EFA1007... at example. has algorithm 14 (ECDSAP384SHA384), but no apex DNSKEY has that algorithm: "+
				"BIND refuses the zone (CDS/CDNSKEY consistency)", cdsHint)},
		{name: "one CDS of the right algorithm, one of another",
			zone: "@ DNSKEY " + bindKey + "\n@ CDS " + bindDS2 + "\n@ CDS 14364 8 2 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0C\n",
			want: cds(6, "CDS 14364 8 2 FD03B2312C8F0FE72C1751EFA1007D... at example. has algorithm 8 (RSASHA256), but no apex DNSKEY has that algorithm: "+
				"BIND refuses the zone (CDS/CDNSKEY consistency)", cdsHint)},
		{name: "CDS and no DNSKEY",
			zone: "@ CDS " + bindDS2 + "\n",
			want: cds(5, "CDS 14364 10 2 FD03B2312C8F0FE72C1751EFA1007... at example., but the zone has no DNSKEY at its apex: BIND refuses the zone (CDS/CDNSKEY consistency)",
				"publish the zone's DNSKEY records with the CDS, or remove the CDS records; only the delete form 0 0 0 00 stands without keys")},
		{name: "CDS with the DNSKEY below the apex only",
			zone: "sub DNSKEY " + bindKey + "\n@ CDS " + bindDS2 + "\n",
			want: cds(6, "CDS 14364 10 2 FD03B2312C8F0FE72C1751EFA1007... at example., but the zone has no DNSKEY at its apex: BIND refuses the zone (CDS/CDNSKEY consistency)",
				"publish the zone's DNSKEY records with the CDS, or remove the CDS records; only the delete form 0 0 0 00 stands without keys")},
		{name: "CDS delete form alone, no DNSKEY", zone: "@ CDS 0 0 0 00\n"},
		{name: "CDS delete form beside another CDS",
			zone: "@ DNSKEY " + bindKey + "\n@ CDS 0 0 0 00\n@ CDS " + bindDS2 + "\n",
			want: cds(6, "the CDS RRset at example. holds the delete record 0 0 0 00 beside 1 other record: BIND refuses the zone (CDS/CDNSKEY consistency)",
				"to ask the parent to remove the DS records, keep only CDS 0 0 0 00 (RFC 8078 §4); otherwise remove the delete record")},
		{name: "CDS below the apex is not checked",
			zone: "sub CDS 14364 14 2 FD03B2312C8F0FE72C1751EFA1007D743C94EC91594FF0047C23C37CE119BA0C\n"},
		{name: "CDNSKEY equal to the DNSKEY", zone: "@ DNSKEY " + bindKey + "\n@ CDNSKEY " + bindKey + "\n"},
		{name: "CDNSKEY delete form alone, no DNSKEY", zone: "@ CDNSKEY 0 3 0 AA==\n"},
		{name: "CDS and CDNSKEY delete forms together", zone: "@ CDS 0 0 0 00\n@ CDNSKEY 0 3 0 AA==\n"},
		{name: "CDNSKEY of an algorithm no DNSKEY has",
			zone: "@ DNSKEY " + bindKey + "\n@ CDNSKEY 257 3 8 " + bindKeyTail + "\n",
			want: cdnskey(6, "CDNSKEY 257 3 8 AwEAAbqjg7xdvnU2Q/gtLw5LOfr5cDeT... at example. has algorithm 8 (RSASHA256), but no apex DNSKEY has that algorithm: "+
				"BIND refuses the zone (CDS/CDNSKEY consistency)", cdnskeyHint)},
		{name: "CDNSKEY and no DNSKEY",
			zone: "@ CDNSKEY " + bindKey + "\n",
			want: cdnskey(5, "CDNSKEY 257 3 10 AwEAAbqjg7xdvnU2Q/gtLw5LOfr5cDe... at example., but the zone has no DNSKEY at its apex: BIND refuses the zone (CDS/CDNSKEY consistency)",
				"publish the zone's DNSKEY records with the CDNSKEY, or remove the CDNSKEY records; only the delete form 0 3 0 AA== stands without keys")},
		{name: "CDNSKEY delete form beside the key",
			zone: "@ DNSKEY " + bindKey + "\n@ CDNSKEY " + bindKey + "\n@ CDNSKEY 0 3 0 AA==\n",
			want: cdnskey(6, "the CDNSKEY RRset at example. holds the delete record 0 3 0 AA== beside 1 other record: BIND refuses the zone (CDS/CDNSKEY consistency)",
				"to ask the parent to remove the DS records, keep only CDNSKEY 0 3 0 AA== (RFC 8078 §4); otherwise remove the delete record")},

		// Wildcards: BIND refuses NS there, nothing else.
		{name: "NS at a wildcard", zone: "* NS ns\n", want: wildcard(5, "*.example.")},
		{name: "NS at a wildcard below the apex", zone: "*.sub NS ns\n", want: wildcard(5, "*.sub.example.")},
		{name: "A, MX, TXT, DNAME and DS at wildcards",
			zone: "* A 192.0.2.2\n* MX 10 ns\n* TXT hello\n*.d DNAME example.net.\n*.s DS " + bindDS2 + "\n"},

		// NSEC3 next hashed owner names.
		{name: "NSEC3 next hash of 20 octets", zone: nsec3Owner + " NSEC3 1 0 10 76931F IMQ912BREQP1POLAH3RMONGUED541AS0 A RRSIG\n"},
		{name: "NSEC3 next hash of 23 digits (bad-nsec3-length.db)",
			zone: nsec3Owner + " NSEC3 1 0 10 76931F IMQ912BREQP1POLAH3RMONG;UED541AS A RRSIG\n",
			want: nsec3("IMQ912BREQP1POLAH3RMONG", "has 23 base32hex digits (14 octets), but a SHA-1 hash (hash algorithm 1) is 20 octets, 32 digits")},
		{name: "NSEC3 next hash of 24 octets",
			zone: nsec3Owner + " NSEC3 1 0 10 76931F IMQ912BREQP1POLAH3RMONGUED541AS00000000 A\n",
			want: nsec3("IMQ912BREQP1POLAH3RMONGUED541AS00000000", "has 39 base32hex digits (24 octets), but a SHA-1 hash (hash algorithm 1) is 20 octets, 32 digits")},
		{name: "NSEC3 of an unassigned hash algorithm, any length", zone: nsec3Owner + " NSEC3 2 0 10 76931F IMQ912BREQP1POLA A\n"},
		{name: "NSEC3 next hash of 33 digits",
			zone: nsec3Owner + " NSEC3 1 0 10 76931F IMQ912BREQP1POLAH3RMONGUED541AS00 A\n",
			want: nsec3("IMQ912BREQP1POLAH3RMONGUED541AS00", "has 33 base32hex digits, a length no octet string encodes to")},
		{name: "NSEC3 next hash with spare bits set",
			zone: nsec3Owner + " NSEC3 2 0 10 76931F IMQ912B A\n",
			want: nsec3("IMQ912B", `ends in 'B', whose last 3 bits must be zero in base32hex`)},
		{name: "NSEC3 next hash with a letter past V",
			zone: nsec3Owner + " NSEC3 1 0 10 76931F IMQ912BREQP1POLAH3RMONGUED541AW0 A\n",
			want: nsec3("IMQ912BREQP1POLAH3RMONGUED541AW0", `holds 'W', not a base32hex digit`)},

		// ZONEMD digests.
		{name: "ZONEMD SHA-384 of 48 octets", zone: "@ ZONEMD 2018031900 1 1 " + bindSHA384 + "\n"},
		{name: "ZONEMD SHA-512 of 64 octets", zone: "@ ZONEMD 2018031900 1 2 " + bindSHA384 + strings.Repeat("ab", 16) + "\n"},
		{name: "ZONEMD of an unassigned hash algorithm, 12 octets", zone: "@ ZONEMD 2018031900 1 240 " + strings.Repeat("ab", 12) + "\n"},
		{name: "ZONEMD SHA-384 of 20 octets, second of its RRset",
			zone: "@ ZONEMD 2018031900 1 1 " + bindSHA384 + "\n@ ZONEMD 2018031900 241 1 (\n e1846540e33a9e41\n 89792d18d5d131f6\n 05fc283e )\n",
			want: zonemd(6, "2018031900 241 1 has a digest of 20 octets, but a SHA-384 digest (hash algorithm 1) is 48 octets",
				"recompute the digest (96 hex digits, RFC 8976 §2.2.4), or remove the ZONEMD record")},
		{name: "ZONEMD SHA-512 of 48 octets",
			zone: "@ ZONEMD 2018031900 1 2 " + bindSHA384 + "\n",
			want: zonemd(5, "2018031900 1 2 has a digest of 48 octets, but a SHA-512 digest (hash algorithm 2) is 64 octets",
				"recompute the digest (128 hex digits, RFC 8976 §2.2.4), or remove the ZONEMD record")},
		{name: "ZONEMD of an unassigned hash algorithm, 11 octets",
			zone: "@ ZONEMD 2018031900 1 240 " + strings.Repeat("ab", 11) + "\n",
			want: zonemd(5, "2018031900 1 240 has a digest of 11 octets, fewer than the 12 any digest must have",
				"a ZONEMD digest is at least 12 octets (RFC 8976 §2.2.4); correct it or remove the record")},

		// Known types in RFC 3597 form.
		{name: "A in RFC 3597 form of 4 octets", zone: "a A \\# 4 0A000001\nb TYPE1 \\# 4 0A000002\n"},
		{name: "unknown type in RFC 3597 form, any length", zone: "a TYPE65280 \\# 3 ABCDEF\n"},
		{name: "A in RFC 3597 form of 5 octets (broken3.db)",
			zone: "a A \\# 5 0A00000100\n",
			want: generic(5, 1, `a.example. A in RFC 3597 form (\# 5) holds 5 octets, but A data ends after 4: BIND refuses it (extra input data)`,
				`write the record in its usual form, or give \# exactly the 4 octets of its data`)},
		{name: "TYPE1 in RFC 3597 form of 5 octets, owner carried over",
			zone: "a A 192.0.2.9\n  TYPE1 \\# 5 ( 0A000001\n  00 )\n",
			want: generic(6, 3, `a.example. A in RFC 3597 form (\# 5) holds 5 octets, but A data ends after 4: BIND refuses it (extra input data)`,
				`write the record in its usual form, or give \# exactly the 4 octets of its data`)},
		{name: "RFC 3597 form at the owner \\#",
			zone: "\\# 300 A \\# 5 0A00000100\n",
			want: generic(5, 1, `\#.example. A in RFC 3597 form (\# 5) holds 5 octets, but A data ends after 4: BIND refuses it (extra input data)`,
				`write the record in its usual form, or give \# exactly the 4 octets of its data`)},
		{name: "MX in RFC 3597 form with an octet past its name",
			zone: "m MX \\# 4 000A0000\n",
			want: generic(5, 1, `m.example. MX in RFC 3597 form (\# 4) holds 4 octets, but MX data ends after 3: BIND refuses it (extra input data)`,
				`write the record in its usual form, or give \# exactly the 3 octets of its data`)},
	}
}

// TestBINDChecks checks the diagnostics of what BIND refuses and miekg/dns
// reads: code, position, message and hint.
func TestBINDChecks(t *testing.T) {
	codes := map[string]bool{zones.CodeCDSMismatch: true, zones.CodeCDNSKEYMismatch: true, zones.CodeWildcardNS: true,
		zones.CodeNSEC3NextHash: true, zones.CodeZONEMDDigestLength: true, zones.CodeGenericRdataLength: true, zones.CodeCDSUnmatched: true}
	for _, c := range bindCheckCases() {
		t.Run(c.name, func(t *testing.T) {
			_, diags, err := zones.Parse(strings.NewReader(bindHead+c.zone), "example.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []zones.Diagnostic
			for _, d := range diags {
				if codes[d.Code] {
					got = append(got, d)
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s\nall diagnostics:\n%s", diff, join(diags))
			}
			if !zones.Diagnostics(c.want).HasErrors() && diags.HasErrors() {
				t.Errorf("errors in a zone BIND loads:\n%s", join(diags))
			}
		})
	}
}

// TestBINDChecksAgree runs the cases of TestBINDChecks through BIND's
// named-compilezone: it refuses exactly the zones given errors.
func TestBINDChecksAgree(t *testing.T) {
	compile := dnstest.Tool(t, "named-compilezone")
	dir := t.TempDir()
	for _, c := range bindCheckCases() {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "example.zone")
			if err := os.WriteFile(path, []byte(bindHead+c.zone), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(compile, "-D", "-k", "ignore", "-o", filepath.Join(dir, "out"), "example.", path).CombinedOutput()
			refuses := zones.Diagnostics(c.want).HasErrors()
			if refused := err != nil; refused != refuses {
				t.Errorf("BIND refused=%v, zonecast refuses=%v; BIND said:\n%s", refused, refuses, out)
			}
		})
	}
}
