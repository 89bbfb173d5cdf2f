package zones_test

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/zones"
)

// sealed writes z with WriteSealed.
func sealed(t *testing.T, z *zones.Zone) (string, bool) {
	t.Helper()
	var b strings.Builder
	ok, err := zones.WriteSealed(&b, z)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), ok
}

// sortedSets returns sets sorted by key, positions dropped, for comparing.
func sortedSets(sets []zones.RRset) []zones.RRset {
	out := slices.Clone(sets)
	for i := range out {
		out[i].Pos = zones.Pos{}
	}
	slices.SortFunc(out, func(a, b zones.RRset) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Covers, b.Covers))
	})
	return out
}

func setsOf(z *zones.Zone) []zones.RRset {
	var out []zones.RRset
	for _, s := range z.Sets {
		out = append(out, *s)
	}
	return sortedSets(out)
}

// checkSealed fails t unless z, written sealed, reads back with ReadSealed
// as the zone parser reads the same text, or is left unsealed and refused
// by ReadSealed. It reports whether the text was sealed.
func checkSealed(t *testing.T, z *zones.Zone) bool {
	t.Helper()
	text, ok := sealed(t, z)
	fast, read := zones.ReadSealed(text, "sealed", z.Origin)
	if !ok {
		if read {
			t.Fatalf("ReadSealed read an unsealed file:\n%s", text)
		}
		return false
	}
	if !read {
		t.Fatalf("ReadSealed refused what WriteSealed sealed:\n%s", text)
	}
	full, diags, err := zones.Parse(strings.NewReader(text), "sealed", zones.Options{Origin: z.Origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("a sealed file does not parse: %v\n%s\n%s", err, join(diags), text)
	}
	if diff := gocmp.Diff(setsOf(full), sortedSets(fast)); diff != "" {
		t.Fatalf("ReadSealed and the parser read a sealed file differently (-parser +ReadSealed):\n%s\nfile:\n%s", diff, text)
	}
	return true
}

// TestSealedReadsAsParsed: every accepted zone of the corpus, written
// sealed, reads back with ReadSealed as the parser reads it, or is left
// unsealed (WKS, an RRSIG covering a TYPEnnn, escapes) and then refused
// by ReadSealed.
func TestSealedReadsAsParsed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "zones", "good", "*"))
	if err != nil {
		t.Fatal(err)
	}
	sealedFiles := 0
	for _, p := range files {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			z, diags, err := zones.ParseFile(p, zones.Options{})
			if err != nil || diags.HasErrors() {
				// Refused on purpose (the corpus's deliberate
				// differences): nothing to seal.
				t.Logf("not an accepted zone: %v %v", err, diags.Err())
				return
			}
			if checkSealed(t, z) {
				sealedFiles++
			}
		})
	}
	z := parse(t, head+"www A 192.0.2.2\n A 192.0.2.1\n AAAA 2001:DB8::1\n*.w MX 10 Mail\nt TXT \"a b\" c\n TXT d\n_s._tcp SRV 0 0 1 x\n")
	if !checkSealed(t, z) {
		t.Fatal("a zone of everyday types was not sealed")
	}
	if sealedFiles == 0 {
		t.Fatal("no zone of the corpus was sealed")
	}
}

// reseal replaces text's seal by one that matches its body, as someone
// who means to pass an edit off as zonecast's would.
func reseal(text string) string {
	lines := strings.SplitAfter(text, "\n")
	body := strings.Join(lines[:len(lines)-2], "")
	sum := sha256.Sum256([]byte(body))
	return body + "; zonecast sealed sha256:" + hex.EncodeToString(sum[:]) + "\n"
}

// TestSealedRefusesEdits: a sealed file changed in any way, and a file
// whose seal matches but whose lines WriteSealed does not write, are not
// read by ReadSealed: the parser reads them.
func TestSealedRefusesEdits(t *testing.T) {
	z := parse(t, head+"www A 192.0.2.20\n A 192.0.2.10\nt TXT \"a\"\n")
	text, ok := sealed(t, z)
	if !ok {
		t.Fatal("not sealed")
	}
	if _, ok := zones.ReadSealed(text, "f", "example.com."); !ok {
		t.Fatalf("the file as written is refused:\n%s", text)
	}
	if _, ok := zones.ReadSealed(text, "f", "example.org."); ok {
		t.Error("a sealed file was read for another zone")
	}
	line := func(text, l string) string { // text with a line inserted before the seal
		i := strings.LastIndex(text[:len(text)-1], "\n") + 1
		return text[:i] + l + "\n" + text[i:]
	}
	first := func(text, l string) string { return l + "\n" + text } // text with a line before all
	for _, c := range []struct{ name, text string }{
		{"one octet changed", strings.Replace(text, "192.0.2.20", "192.0.2.21", 1)},
		{"a line after the seal", text + "x.example.com.\t300\tIN\tA\t192.0.2.9\n"},
		{"no seal", text[:strings.LastIndex(text[:len(text)-1], "\n")+1]},
		{"no final newline", text[:len(text)-1]},
		{"seal cut short", text[:len(text)-3] + "\n"},
		{"upper-case owner", reseal(line(text, "X.example.com.\t300\tIN\tA\t192.0.2.9"))},
		{"relative owner", reseal(line(text, "x\t300\tIN\tA\t192.0.2.9"))},
		{"owner out of the zone", reseal(line(text, "x.example.org.\t300\tIN\tA\t192.0.2.9"))},
		{"empty label", reseal(line(text, "x..example.com.\t300\tIN\tA\t192.0.2.9"))},
		{"directive", reseal(line(text, "$TTL 60"))},
		{"comment", reseal(line(text, "; note"))},
		{"blank owner", reseal(line(text, "\t300\tIN\tA\t192.0.2.9"))},
		{"spaces, not tabs", reseal(line(text, "x.example.com. 300 IN A 192.0.2.9"))},
		{"class CH", reseal(line(text, "x.example.com.\t300\tCH\tA\t192.0.2.9"))},
		{"TTL with a unit", reseal(line(text, "x.example.com.\t5m\tIN\tA\t192.0.2.9"))},
		{"TTL with a leading zero", reseal(line(text, "x.example.com.\t0300\tIN\tA\t192.0.2.9"))},
		{"TTL over 2^31-1", reseal(line(text, "x.example.com.\t2147483648\tIN\tA\t192.0.2.9"))},
		{"type in lower case", reseal(line(text, "x.example.com.\t300\tIN\ta\t192.0.2.9"))},
		{"generic type", reseal(line(text, "x.example.com.\t300\tIN\tTYPE65000\t\\# 1 00"))},
		{"WKS", reseal(line(text, "x.example.com.\t300\tIN\tWKS\t192.0.2.9 6 25"))},
		{"no rdata", reseal(line(text, "x.example.com.\t300\tIN\tA\t"))},
		{"control octet in rdata", reseal(line(text, "x.example.com.\t300\tIN\tTXT\t\"a\x1bb\""))},
		{"set split in two", reseal(first(text, "www.example.com.\t300\tIN\tA\t192.0.2.9"))},
		{"sets out of order", reseal(line(text, "a.example.com.\t300\tIN\tA\t192.0.2.9"))},
		{"types out of order", reseal(line(line(text, "www.example.com.\t300\tIN\tTXT\t\"x\""), "www.example.com.\t300\tIN\tNS\tns.example.com."))},
		{"SOA after another type", reseal(line(text, "www.example.com.\t300\tIN\tSOA\tns.example.com. h.example.com. 1 2 3 4 5"))},
		{"rdata out of order", reseal(strings.Replace(text, "192.0.2.10", "192.0.2.30", 1))},
		{"rdata twice", reseal(strings.Replace(text, "192.0.2.20", "192.0.2.10", 1))},
		{"TTLs differ in a set", reseal(strings.Replace(text, "300\tIN\tA\t192.0.2.20", "301\tIN\tA\t192.0.2.20", 1))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if sets, ok := zones.ReadSealed(c.text, "f", "example.com."); ok {
				t.Errorf("read as sealed (%d sets):\n%s", len(sets), c.text)
			}
		})
	}
}

// TestReadSetsSealedOrParsed: ReadSets reads a sealed file without
// diagnostics and, once the file is edited, parses it with ParseFile's
// findings.
func TestReadSetsSealedOrParsed(t *testing.T) {
	z := parse(t, head+"www A 192.0.2.2\nmail MX 10 www\n")
	text, ok := sealed(t, z)
	if !ok {
		t.Fatal("not sealed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "example.com.zone")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	sets, diags, err := zones.ReadSets(path, zones.Options{Origin: "example.com."})
	if err != nil || len(diags) != 0 {
		t.Fatalf("sealed file: %v %v", err, diags)
	}
	if diff := gocmp.Diff(setsOf(z), sortedSets(sets)); diff != "" {
		t.Errorf("sealed file read back (-written +read):\n%s", diff)
	}
	for _, s := range sets {
		if s.Pos.File != path || s.Pos.Line == 0 {
			t.Errorf("%s %s at %v, want a line of %s", s.Name, s.TypeString(), s.Pos, path)
		}
	}

	edited := strings.Replace(text, "192.0.2.2", "192.0.2.300", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags, err = zones.ReadSets(path, zones.Options{Origin: "example.com."})
	if err != nil || !diags.HasErrors() {
		t.Fatalf("an edited file with a bad address: err %v, diagnostics %v; want the parser's error", err, diags)
	}
	if d := diags[0]; d.Pos.File != path || d.Pos.Line == 0 {
		t.Errorf("diagnostic at %v, want a line of %s", d.Pos, path)
	}

	edited = strings.Replace(text, "192.0.2.2", "192.0.2.9", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	sets, _, err = zones.ReadSets(path, zones.Options{Origin: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(sets, func(s zones.RRset) bool { return s.Name == "www.example.com." }); i < 0 || !slices.Equal(sets[i].Data, []string{"192.0.2.9"}) {
		t.Errorf("the edit is not seen: %v", sets)
	}
}

// TestInOrder: InOrder agrees with CompareNames on names with and without
// escapes, upper case and wildcards, and refuses a key twice.
func TestInOrder(t *testing.T) {
	names := []string{".", "example.com.", "a.example.com.", "A.example.com.", "*.example.com.", "-.example.com.",
		"a-b.example.com.", "ab.example.com.", "a.b.example.com.", "b.example.com.", `\000.example.com.`, `\001.example.com.`,
		`a\.b.example.com.`, `\065.example.com.`, "z.example.com.", "example.org.", "com.", "_s._tcp.example.com.", "xn--caf-dma.example.com.", "/.example.com."}
	for _, a := range names {
		for _, b := range names {
			sa, sb := zones.RRset{Name: a, Type: 1}, zones.RRset{Name: b, Type: 1}
			want := zones.CompareNames(a, b) < 0
			if got := zones.InOrder([]zones.RRset{sa, sb}); got != want {
				t.Errorf("InOrder(%s, %s) = %v, want %v (CompareNames %d)", a, b, got, want, zones.CompareNames(a, b))
			}
		}
	}
	a := zones.RRset{Name: "a.example.com.", Type: 1}
	soa := zones.RRset{Name: "a.example.com.", Type: 6}
	ns := zones.RRset{Name: "a.example.com.", Type: 2}
	sig1 := zones.RRset{Name: "a.example.com.", Type: 46, Covers: 1}
	sig2 := zones.RRset{Name: "a.example.com.", Type: 46, Covers: 2}
	for _, c := range []struct {
		sets []zones.RRset
		want bool
	}{
		{[]zones.RRset{soa, a, ns, sig1, sig2}, true},
		{[]zones.RRset{a, soa}, false},
		{[]zones.RRset{a, a}, false},
		{[]zones.RRset{ns, a}, false},
		{[]zones.RRset{sig2, sig1}, false},
		{nil, true},
	} {
		if got := zones.InOrder(c.sets); got != c.want {
			t.Errorf("InOrder(%v) = %v, want %v", c.sets, got, c.want)
		}
	}
}
