package zones_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/zones"
)

// FuzzParse parses arbitrary text as a zone: it must never panic, and a zone
// without errors must survive dump → parse → dump unchanged.
func FuzzParse(f *testing.F) {
	f.Add(head + "www A 192.0.2.2\n")
	f.Add(head + "t TXT \"a\\\"b\" ( \"c\"\n \"d\" ) ; x\n")
	f.Add(head + "$GENERATE 1-3 h$ CNAME x${1,2,x}\n")
	f.Add(head + "$ORIGIN sub\n@ AAAA ::1\n  MX 0 .\n")
	f.Add(head + "u TYPE65534 \\# 3 abcdef\nx\\.y\\032 SRV 0 0 1 .\n")
	f.Add(head + "@ TXT \"v=spf1 include:_s.example.com redirect=_s.example.com\"\n_s TXT \"v=spf1 include:example.com\"\n@ CAA 128 isue \"x\"\n")
	f.Add(head + "café CNAME bücher.example.com\nxn--caf-dma MX 10 café.example.com.example.com.\n")
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", "zones", dir, "*.zone"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 8192 {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		z, diags, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{Origin: "example.com."})
		if err != nil {
			t.Fatalf("Parse returned an error, not diagnostics: %v", err)
		}
		for _, d := range diags {
			if d.Pos.Line < 0 || d.Code == "" || d.Message == "" {
				t.Fatalf("malformed diagnostic %+v", d)
			}
		}
		// The IDN form reads back as itself too, its names all ASCII.
		if zi, di, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{Origin: "example.com.", IDN: true}); err == nil && !di.HasErrors() {
			d := dump(t, zi)
			zi2, di2, err := zones.Parse(strings.NewReader(d), "dump", zones.Options{Origin: "example.com."})
			if err != nil || di2.HasErrors() {
				t.Fatalf("the dump of an accepted IDN zone does not parse: %v\n%s\ndump:\n%s", err, join(di2), d)
			}
			if diff := cmp.Diff(d, dump(t, zi2)); diff != "" {
				t.Fatalf("IDN dump → parse → dump changed (-first +second):\n%s", diff)
			}
		}
		if diags.HasErrors() {
			return
		}
		first := dump(t, z)
		z2, diags2, err := zones.Parse(strings.NewReader(first), "dump", zones.Options{Origin: "example.com."})
		if err != nil || diags2.HasErrors() {
			t.Fatalf("the dump of an accepted zone does not parse: %v\n%s\ndump:\n%s", err, join(diags2), first)
		}
		if diff := cmp.Diff(first, dump(t, z2)); diff != "" {
			t.Fatalf("dump → parse → dump changed (-first +second):\n%s", diff)
		}
		// Written sealed, it reads back without the parser as with it.
		checkSealed(t, z)
	})
}

// fuzzLimits keep each fuzz input cheap; the fuzz target checks that they
// hold.
var fuzzLimits = zones.Limits{MaxRecords: 5000, MaxIncludes: 40, MaxFileBytes: 1 << 20}

// FuzzParseFile reads a main file and two $INCLUDE files from a folder, as
// ParseFile reads a zone on disk, so that resumes after errors inside
// includes, include loops and fan-out, and odd octets in names are reached.
// It must never panic, the limits must hold, no diagnostic may hold a
// control character, and a zone without errors must read back from its
// dump as the same zone.
func FuzzParseFile(f *testing.F) {
	f.Add(head+"$INCLUDE a.inc\n", "x\n$INCLUDE a.inc\n", "")
	f.Add(head+"$INCLUDE a.inc\n", "x\n$INCLUDE b.inc\n$INCLUDE b.inc\n$INCLUDE a.inc\n", "y\n$INCLUDE a.inc\n$INCLUDE b.inc\n")
	f.Add(head+"\\128x A 192.0.2.1\n\x80x CNAME y\n$INCLUDE a.inc\n", "\x1b[2J TXT \"\x1b\"\n", "")
	f.Add(head+"$GENERATE 0-65535 h$ A 192.0.2.1\n$INCLUDE a.inc\n", "$GENERATE 1-9 g$ CNAME h$\n", "")
	f.Add(head+"$INCLUDE b.inc sub\nwww A 192.0.2.9\n", "", "a\\. A 192.0.2.1\n\tTXT a\x00b\n$ORIGIN x\n@ MX 0 \\@\n")
	f.Add(head+"$INCLUDE a.inc\r\n", "a A 192.0.2.1\r\nb A\r 192.0.2.2\n", "")
	f.Fuzz(func(t *testing.T, main, a, b string) {
		dir := t.TempDir()
		for name, text := range map[string]string{"example.com.zone": main, "a.inc": a, "b.inc": b} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		z, diags, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{Origin: "example.com.", Limits: fuzzLimits})
		if err != nil {
			t.Fatalf("ParseFile returned an error, not diagnostics: %v", err)
		}
		if n := z.Records(); n > fuzzLimits.MaxRecords {
			t.Fatalf("%d records read, over the limit of %d", n, fuzzLimits.MaxRecords)
		}
		for _, d := range diags {
			if d.Pos.Line < 0 || d.Code == "" || d.Message == "" {
				t.Fatalf("malformed diagnostic %+v", d)
			}
			if s := d.String(); s != zones.EscapeText(s) {
				t.Fatalf("diagnostic holds a control character: %q", s)
			}
		}
		if diags.HasErrors() {
			return
		}
		first := dump(t, z)
		// Tabs and newlines are the dump's own layout; inside a field
		// no control character may appear.
		for _, line := range strings.Split(first, "\n") {
			for _, field := range strings.Split(line, "\t") {
				if field != zones.EscapeText(field) {
					t.Fatalf("the dump holds a control character:\n%q", first)
				}
			}
		}
		z2, diags2, err := zones.Parse(strings.NewReader(first), "dump", zones.Options{Origin: "example.com."})
		if err != nil || diags2.HasErrors() {
			t.Fatalf("the dump of an accepted zone does not parse: %v\n%s\ndump:\n%s", err, join(diags2), first)
		}
		if diff := cmp.Diff(first, dump(t, z2)); diff != "" {
			t.Fatalf("dump → parse → dump changed (-first +second):\n%s", diff)
		}
		// Written sealed, it reads back without the parser as with it.
		checkSealed(t, z)
	})
}
