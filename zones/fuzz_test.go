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
	})
}
