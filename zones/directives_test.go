package zones_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/zones"
)

// Every expectation here was checked against BIND 9.18's named-compilezone.

func TestGenerateAsBIND(t *testing.T) {
	tests := []struct {
		name string
		zone string // appended to head
		want []string
	}{
		{"nibbles, lower case, width in characters",
			"$GENERATE 1024-1025 ${0,3,n} PTR h$.example.com.\n",
			[]string{"0.0.4.example.com.\t300\tIN\tPTR\th1024.example.com.", "1.0.4.example.com.\t300\tIN\tPTR\th1025.example.com."}},
		{"nibbles, upper case kept in the name as written",
			"$GENERATE 250-250 ${0,5,N}.r PTR h.example.com.\n",
			[]string{"a.f.0.r.example.com.\t300\tIN\tPTR\th.example.com."}},
		{"nibbles of a negative value: 32-bit two's complement",
			"$GENERATE 1024-1024 ${-2000,0,n} TXT x\n",
			[]string{"0.3.c.f.f.f.f.f.example.com.\t300\tIN\tTXT\t\"x\""}},
		{"negative offset: d with its sign, padded after it; x and o unsigned",
			"$GENERATE 1-1 n${-5}.${-5,6}.${-5,0,x}.${-5,0,o} TXT x\n",
			[]string{"n-4.-00004.fffffffc.37777777774.example.com.\t300\tIN\tTXT\t\"x\""}},
		{"widths and bases d o x X",
			"$GENERATE 10-10 w${0,4,d}-${0,4,o}-${0,4,x}-${0,4,X} A 192.0.2.$\n",
			[]string{"w0010-0012-000a-000a.example.com.\t300\tIN\tA\t192.0.2.10"}},
		{"$$ and \\$ are a literal dollar, $ at the end a value",
			"$GENERATE 1-1 a$$ TXT \"\\$ $$ $\"\n",
			[]string{"a$.example.com.\t300\tIN\tTXT\t\"$\" \"$\" \"1\""}},
		{"step, TTL then class, one quoted rhs",
			"$GENERATE 1-7/3 s$ 600 IN MX \"10 m$\"\nm1 A 192.0.2.1\nm4 A 192.0.2.4\nm7 A 192.0.2.7\n",
			[]string{"m1.example.com.\t300\tIN\tA\t192.0.2.1", "m4.example.com.\t300\tIN\tA\t192.0.2.4", "m7.example.com.\t300\tIN\tA\t192.0.2.7",
				"s1.example.com.\t600\tIN\tMX\t10 m1.example.com.", "s4.example.com.\t600\tIN\tMX\t10 m4.example.com.", "s7.example.com.\t600\tIN\tMX\t10 m7.example.com."}},
		{"a quoted rhs reads \\\" as a quote, then as rdata",
			"$GENERATE 1-1 q$ TXT \"\\\"a b\\\" c\"\n",
			[]string{"q1.example.com.\t300\tIN\tTXT\t\"a b\" \"c\""}},
		{"parentheses around the owner and type",
			"$GENERATE 1-1 ( p$ A ) 192.0.2.$\n",
			[]string{"p1.example.com.\t300\tIN\tA\t192.0.2.1"}},
		{"class then a TTL with units",
			"$GENERATE 1-1 c$ IN 1h30m A 192.0.2.$\n",
			[]string{"c1.example.com.\t5400\tIN\tA\t192.0.2.1"}},
		{"text after the range is ignored, as by sscanf",
			"$GENERATE 1-2x r$ A 192.0.2.$\n",
			[]string{"r1.example.com.\t300\tIN\tA\t192.0.2.1", "r2.example.com.\t300\tIN\tA\t192.0.2.2"}},
		{"an owner that expands to $ORIGIN is a name",
			"$GENERATE 1-1 $$ORIGIN TXT x\n",
			[]string{"$origin.example.com.\t300\tIN\tTXT\t\"x\""}},
		{"a line without owner after $GENERATE keeps the owner before it",
			"z TXT one\n$GENERATE 1-1 g$ TXT x\n  TXT two\n",
			[]string{"g1.example.com.\t300\tIN\tTXT\t\"x\"", "z.example.com.\t300\tIN\tTXT\t\"one\"", "z.example.com.\t300\tIN\tTXT\t\"two\""}},
		{"more than 65536 values, which miekg/dns refuses",
			"$GENERATE 0-70000/70000 big$ A 192.0.2.1\n",
			[]string{"big0.example.com.\t300\tIN\tA\t192.0.2.1", "big70000.example.com.\t300\tIN\tA\t192.0.2.1"}},
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

func TestGenerateTTLAsBIND(t *testing.T) {
	// No $TTL: a TTL on a $GENERATE line is the last TTL seen, and the
	// default of the records after it.
	z := parse(t, "@ 300 SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n$GENERATE 1-1 g$ 900 A 192.0.2.$\nafter A 192.0.2.10\n")
	want := []string{"after.example.com.\t900\tIN\tA\t192.0.2.10", "g1.example.com.\t900\tIN\tA\t192.0.2.1"}
	if diff := cmp.Diff(want, lines(t, z)); diff != "" {
		t.Errorf("dump (-want +got):\n%s", diff)
	}
}

func TestDirectiveDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		zone string
		want []string // "line:col severity code"
	}{
		{"$GENERATE range backwards", head + "$GENERATE 10-1 h$ A 192.0.2.$\n", []string{"5:11 error generate"}},
		{"$GENERATE step 0", head + "$GENERATE 1-10/0 h$ A 192.0.2.$\n", []string{"5:11 error generate"}},
		{"$GENERATE start over 2^31-1", head + "$GENERATE 2147483648-2147483648 h$ A 192.0.2.1\n", []string{"5:11 error generate"}},
		{"$GENERATE value plus offset over 2^31-1", head + "$GENERATE 2147483647-2147483647 h${1} A 192.0.2.1\n", []string{"5:34 error generate"}},
		{"$GENERATE bad base", head + "$GENERATE 1-2 h${0,2,q} A 192.0.2.$\n", []string{"5:16 error generate"}},
		{"$GENERATE modifier without width", head + "$GENERATE 1-2 h$ TXT \"${0,}\"\n", []string{"5:23 error generate"}},
		{"$GENERATE nibbles too wide", head + "$GENERATE 1-2 ${0,128,n} TXT x\n", []string{"5:15 error generate"}},
		{"$GENERATE rdata with blanks unquoted", head + "$GENERATE 1-2 m$ MX 10 mail$\n", []string{"5:24 error generate"}},
		{"$GENERATE with no rdata", head + "$GENERATE 1-2 h$ A\n", []string{"5:1 error generate"}},
		{"$GENERATE empty rdata", head + "$GENERATE 1-2 h$ TXT \"\"\n", []string{"5:22 error generate"}},
		{"$GENERATE rdata inside parentheses", head + "$GENERATE 1-2 h$ ( A 192.0.2.$ )\n", []string{"5:22 error generate"}},
		{"$GENERATE TXT string over 255 octets", head + "$GENERATE 1-2 t$ TXT \"" + strings.Repeat("x", 255) + "$\"\n",
			[]string{"5:1 error txt-too-long", "5:1 error txt-too-long"}},
		{"$GENERATE SVCB mandatory key missing", head + "$GENERATE 1-1 s$ SVCB \"1 . alpn=h2 mandatory=port\"\n", []string{"5:1 error svcb-params"}},
		{"$GENERATE unknown type", head + "$GENERATE 1-2 h$ BLAH x\n", []string{"5:18 error generate"}},
		{"$GENERATE class CH", head + "$GENERATE 1-2 h$ CH A 192.0.2.$\n", []string{"5:18 error class-not-in"}},
		{"$GENERATE bad TTL", head + "$GENERATE 1-2 h$ 1h30 A 192.0.2.$\n", []string{"5:18 error ttl-syntax"}},
		{"$GENERATE bad rdata", head + "$GENERATE 1-2 h$ A 192.0.2.$$\n", []string{"5:1 error syntax"}},
		{"errors after a $GENERATE keep their lines", head + "$GENERATE 1-100 h$ A 192.0.2.1\nbad A 1.2.3\n", []string{"6:7 error syntax"}},
		{"and their columns on a line without owner",
			head + "$GENERATE 1-2 h$ A 192.0.2.$\n  A 1.2.3\nlast A 1.2.3\n", []string{"6:5 error syntax", "7:8 error syntax"}},
		{"$TTL trailing number", "$TTL 1h30\n" + head[9:], []string{"1:6 error ttl-syntax"}},
		{"$TTL unit twice", "$TTL 5mm\n" + head[9:], []string{"1:6 error ttl-syntax"}},
		{"$TTL unit without number", "$TTL 10mh\n" + head[9:], []string{"1:6 error ttl-syntax"}},
		{"$TTL no number at all", "$TTL h\n" + head[9:], []string{"1:6 error ttl-syntax"}},
		{"record TTL", head + "www 1hh A 192.0.2.2\n", []string{"5:5 error ttl-syntax"}},
		{"record TTL after the class", head + "www IN 1h30 A 192.0.2.2\n", []string{"5:8 error ttl-syntax"}},
		{"record TTL, no owner, on a later line", head + "www A 192.0.2.2\n  ( 5mm\n A 192.0.2.3 )\n", []string{"6:5 error ttl-syntax"}},
		{"SOA timer", "$TTL 300\n@ SOA ns hostmaster 1 2h 15m 2w 5m30\n@ NS ns\nns A 192.0.2.1\n", []string{"2:33 error ttl-syntax"}},
		{"$TTL ending the file without a line end", head + "$TTL 600", []string{"5:1 error syntax"}},
		{"$GENERATE ending the file without a line end", head + "$GENERATE 1-2 h$ A 192.0.2.$ ; c", []string{"5:1 error syntax"}},
		{"a record ending the file without a line end is fine", head + "www A 192.0.2.2", nil},
		{"TTLs BIND reads", head + "a 1h30m A 192.0.2.1\nb 1W2D A 192.0.2.1\nc 0 A 192.0.2.1\nd 0h30 A 192.0.2.1\ne 1m1h A 192.0.2.1\n", nil},
		{"SVCB mandatory key missing", head + "s SVCB 1 . alpn=h2 mandatory=port\n", []string{"5:20 error svcb-params"}},
		{"SVCB mandatory lists itself", head + "s SVCB 1 . alpn=h2 mandatory=mandatory,alpn\n", []string{"5:20 error svcb-params"}},
		{"SVCB mandatory lists key0", head + "s SVCB 1 . alpn=h2 mandatory=key0\n", []string{"5:20 error svcb-params"}},
		{"HTTPS mandatory lists a key twice", head + "s HTTPS 1 . alpn=h2 mandatory=alpn,alpn\n", []string{"5:21 error svcb-params"}},
		{"SVCB mandatory unknown key", head + "s SVCB 1 . alpn=h2 mandatory=bogus\n", []string{"5:20 error svcb-params"}},
		{"SVCB mandatory keyNNN in upper case", head + "s SVCB 1 . key65000=x mandatory=KEY65000\n", []string{"5:23 error svcb-params"}},
		{"SVCB mandatory names in any case", head + "s SVCB 1 . alpn=h2 port=1 mandatory=Port,ALPN\n", nil},
		{"SVCB mandatory empty", head + "s SVCB 1 . alpn=h2 mandatory=\n", []string{"5:20 error svcb-params"}},
		{"HTTPS no-default-alpn without alpn", head + "s HTTPS 1 . no-default-alpn\n", []string{"5:13 error svcb-params"}},
		{"SVCB empty alpn", head + "s SVCB 1 . alpn= port=1\n", []string{"5:12 error svcb-params"}},
		{"SVCB dohpath without dns", head + "s SVCB 1 . alpn=h2 dohpath=/q{?x}\n", []string{"5:20 error svcb-params"}},
		{"SVCB parameters BIND accepts",
			head + "a SVCB 1 . alpn=h2 port=53 mandatory=port\nb SVCB 1 . alpn=h2 no-default-alpn\nc SVCB 1 . key65000=x mandatory=key65000\nd SVCB 1 . alpn=h2 mandatory=key1\ne SVCB 1 . dohpath=/q{?dns}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags, err := zones.Parse(strings.NewReader(tt.zone), "example.com.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags {
				got = append(got, strings.Join([]string{posString(d.Pos), d.Severity.String(), d.Code}, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
			}
		})
	}
}

// TestDirectiveMessages checks what `zonecast validate` prints for each class:
// the file:line:col, why, what to do, and the code.
func TestDirectiveMessages(t *testing.T) {
	tests := []struct{ zone, want string }{
		{head + "www 1h30 A 192.0.2.2\n",
			`example.com.zone:5:5: error: TTL "1h30" is not one BIND reads: the trailing number 30 has no unit; ` +
				`give the last number its unit (1h30m or 1h30s) or write the TTL in seconds [ttl-syntax]`},
		{head + "www 5mm A 192.0.2.2\n",
			`example.com.zone:5:5: error: TTL "5mm" is not one BIND reads: the unit "m" after "5m" has no number before it; ` +
				`write seconds (5400) or number-unit pairs (1h30m, 1w2d) [ttl-syntax]`},
		{head + "$GENERATE 1-2 m$ MX 10 mail$\n",
			`example.com.zone:5:24: error: $GENERATE has more than one right-hand-side field (BIND: extra input text); ` +
				`BIND reads one field after the type: quote rdata with blanks, as in $GENERATE 1-9 host$ MX "10 mail$" [generate]`},
		{head + "s SVCB 1 . alpn=h2 mandatory=port\n",
			`example.com.zone:5:20: error: s.example.com. SVCB: mandatory lists port, which the record does not carry ` +
				`(BIND: inconsistent resource record); add port=... to the record or remove it from mandatory (RFC 9460 §8) [svcb-params]`},
	}
	for _, tt := range tests {
		_, diags, err := zones.Parse(strings.NewReader(tt.zone), "example.com.zone", zones.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(diags) != 1 {
			t.Fatalf("want one diagnostic, got:\n%s", join(diags))
		}
		if diff := cmp.Diff(tt.want, diags[0].String()); diff != "" {
			t.Errorf("message (-want +got):\n%s", diff)
		}
	}
}

func TestMandatoryKeyNumbersAsBIND(t *testing.T) {
	// miekg/dns reads mandatory=key1 as the reserved key 65535; BIND as alpn.
	got := lines(t, parse(t, head+"s SVCB 1 . alpn=h2 mandatory=key1\n"))
	want := []string{"s.example.com.\t300\tIN\tSVCB\t1 . mandatory=\"alpn\" alpn=\"h2\""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dump (-want +got):\n%s", diff)
	}
}

func TestIncludeKeepsTTL(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // the zone is example.com.zone
		want  []string
		diags []string
	}{
		{"$TTL in the included file stays in force, the origin does not",
			map[string]string{"example.com.zone": head + "$INCLUDE inc.zone sub\nafter A 192.0.2.20\n", "inc.zone": "$TTL 900\nx A 192.0.2.9\n"},
			[]string{"after.example.com.\t900\tIN\tA\t192.0.2.20", "x.sub.example.com.\t900\tIN\tA\t192.0.2.9"}, nil},
		{"no $TTL: the last TTL of the included file",
			map[string]string{"example.com.zone": "@ 300 SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n$INCLUDE inc.zone\nafter A 192.0.2.20\n",
				"inc.zone": "x 900 A 192.0.2.9\n"},
			[]string{"after.example.com.\t900\tIN\tA\t192.0.2.20", "x.example.com.\t900\tIN\tA\t192.0.2.9"},
			nil},
		{"through two levels, and errors after keep their lines",
			map[string]string{"example.com.zone": head + "$INCLUDE a.zone\nafter A 192.0.2.20\nbad A 1.2.3\n",
				"a.zone": "$INCLUDE b.zone\n", "b.zone": "$TTL 60\nb A 192.0.2.7\n"},
			[]string{"after.example.com.\t60\tIN\tA\t192.0.2.20", "b.example.com.\t60\tIN\tA\t192.0.2.7"},
			[]string{"example.com.zone:7:7 error syntax"}},
		{"a $TTL or a record ending the included file without a line end",
			map[string]string{"example.com.zone": "@ 300 SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n$INCLUDE inc.zone\nafter A 192.0.2.20\n$INCLUDE ttl.zone\n",
				"inc.zone": "x 900 A 192.0.2.9", "ttl.zone": "$TTL 60"},
			[]string{"after.example.com.\t900\tIN\tA\t192.0.2.20", "x.example.com.\t900\tIN\tA\t192.0.2.9"},
			[]string{"ttl.zone:1:1 error syntax"}},
		{"no $TTL, two levels: the last TTL of the inner file, in the outer file too",
			map[string]string{"example.com.zone": "@ 300 SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n$INCLUDE a.zone\nafter A 192.0.2.20\n",
				"a.zone": "$INCLUDE b.zone\na1 A 192.0.2.31\n$GENERATE 1-1 g$ A 192.0.2.$\na2 60 A 192.0.2.32\na3 A 192.0.2.33\n", "b.zone": "b 900 A 192.0.2.7\n"},
			[]string{"a1.example.com.\t900\tIN\tA\t192.0.2.31", "a2.example.com.\t60\tIN\tA\t192.0.2.32", "a3.example.com.\t60\tIN\tA\t192.0.2.33",
				"after.example.com.\t60\tIN\tA\t192.0.2.20", "b.example.com.\t900\tIN\tA\t192.0.2.7", "g1.example.com.\t900\tIN\tA\t192.0.2.1"},
			nil},
		{"after an error in the included file",
			map[string]string{"example.com.zone": head + "$INCLUDE inc.zone\nafter A 192.0.2.20\n", "inc.zone": "$TTL 900\nbad A 1.2.3\nx A 192.0.2.9\n"},
			[]string{"after.example.com.\t900\tIN\tA\t192.0.2.20", "x.example.com.\t900\tIN\tA\t192.0.2.9"},
			[]string{"inc.zone:2:7 error syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			z, diags, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags {
				rel, _ := filepath.Rel(dir, d.Pos.File)
				got = append(got, rel+":"+posString(d.Pos)+" "+d.Severity.String()+" "+d.Code)
			}
			if diff := cmp.Diff(tt.diags, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
			}
			if diff := cmp.Diff(tt.want, lines(t, z)); diff != "" {
				t.Errorf("dump (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenerateBombStopsEarly(t *testing.T) {
	// BIND allows 2^31 values; zonecast stops at the limit, as they come.
	start := time.Now()
	_, diags, err := zones.Parse(strings.NewReader(head+"$GENERATE 0-2147483647 h$ A 192.0.2.1\n"), "example.com.zone",
		zones.Options{Limits: zones.Limits{MaxRecords: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, posString(d.Pos)+" "+d.Code)
	}
	if diff := cmp.Diff([]string{"5:1 too-many-records"}, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v: the records were made before being counted", d)
	}
}
