package zones_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/zones"
)

// TestBINDOddZones generates small zones full of odd octets and escapes in
// names and strings and checks them against BIND's named-compilezone: both
// accept a zone or both refuse it; when both accept, they read the same
// RRsets; and BIND reads zones.Write's output of it as the same RRsets
// again. ZONECAST_ODD_SEED=n reruns one zone; ZONECAST_ODD_ZONES=n sets how
// many (200).
func TestBINDOddZones(t *testing.T) {
	generatedAgainstBIND(t, "TestBINDOddZones", "ZONECAST_ODD", 200, 0x0dd, oddZone)
}

// generatedAgainstBIND is the generated differential test: count zones
// (env_ZONES), or the one of env_SEED, made by gen from seeds 1, 2, … with
// stream, each read by zonecast and BIND's named-compilezone: both accept
// it or both refuse it; when both accept, they read the same RRsets, and
// BIND reads zones.Write's output as the same RRsets again. A failure names
// its seed and how to rerun it.
func generatedAgainstBIND(t *testing.T, test, env string, count int, stream uint64, gen func(*rand.Rand) string) {
	compile := dnstest.Tool(t, "named-compilezone")
	first := uint64(1)
	if s := os.Getenv(env + "_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		first, count = n, 1
	}
	if s := os.Getenv(env + "_ZONES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		count = n
	}
	dir := t.TempDir()
	var accepted, refused int
	for seed := first; seed < first+uint64(count); seed++ {
		text := gen(rand.New(rand.NewPCG(seed, stream)))
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d (rerun: %s_SEED=%d go test -run %s ./zones/): %s\nzone:\n%q",
				seed, env, seed, test, fmt.Sprintf(format, args...), text)
		}
		z, diags, err := zones.Parse(strings.NewReader(text), "gen.zone", zones.Options{Origin: "example.com."})
		if err != nil {
			fail("%v", err)
		}
		bindText, bindErr := bindRead(compile, dir, text)
		if diags.HasErrors() != (bindErr != nil) {
			fail("zonecast accepted=%v, BIND accepted=%v\nzonecast:\n%s\nBIND: %v", !diags.HasErrors(), bindErr == nil, join(diags), bindErr)
		}
		if diags.HasErrors() {
			refused++
			continue
		}
		ours := dump(t, z)
		if got := bindDump(t, bindText); got != ours {
			fail("RRsets differ (-BIND +zonecast):\n%s", cmp.Diff(got, ours))
		}
		again, err := bindRead(compile, dir, ours)
		if err != nil {
			fail("BIND refuses zonecast's dump: %v\ndump:\n%q", err, ours)
		}
		if got := bindDump(t, again); got != ours {
			fail("BIND reads zonecast's dump differently (-BIND +zonecast):\n%s", cmp.Diff(got, ours))
		}
		accepted++
	}
	t.Logf("%d generated zones read alike by BIND and zonecast, %d refused by both", accepted, refused)
	if count >= 100 && (accepted < count/4 || refused < count/20) {
		t.Errorf("the generator is off balance: %d accepted, %d refused", accepted, refused)
	}
}

// bindRead has BIND read a zone example.com. and returns what it wrote.
// -k ignore: zonecast does not apply host-name rules (check-names).
func bindRead(compile, dir, text string) ([]byte, error) {
	path := filepath.Join(dir, "odd.zone")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return nil, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(compile, "-q", "-k", "ignore", "-i", "none", "-s", "full", "-o", "-", "example.com.", path)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s%s", err, errOut.Bytes(), out.Bytes())
	}
	return out.Bytes(), nil
}

// bindDump reads BIND's output with zonecast and dumps it.
func bindDump(t *testing.T, text []byte) string {
	t.Helper()
	z, diags, err := zones.Parse(bytes.NewReader(text), "bind.zone", zones.Options{Origin: "example.com."})
	if err != nil || diags.HasErrors() {
		t.Fatalf("zonecast cannot read BIND's output: %v\n%s\n%s", err, join(diags), text)
	}
	return dump(t, z)
}

// oddZone writes a small zone whose names and strings hold escapes, raw
// control octets and octets above 0x7f, and now and then an octet that
// BIND refuses where it stands (a NUL outside quotes, a CR inside a line).
func oddZone(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n")
	used := map[string]bool{}
	for i := range 2 + r.IntN(8) {
		owner := fmt.Sprintf("o%d%s", i, oddLabel(r))
		if r.IntN(3) == 0 {
			owner += "." + oddLabel(r)
		}
		if used[strings.ToLower(owner)] {
			continue
		}
		used[strings.ToLower(owner)] = true
		switch r.IntN(7) {
		case 0:
			fmt.Fprintf(&b, "%s A 192.0.2.%d\n", owner, 1+r.IntN(250))
		case 1:
			fmt.Fprintf(&b, "%s TXT %s\n", owner, oddStrings(r))
		case 2:
			fmt.Fprintf(&b, "%s CNAME %s\n", owner, oddLabel(r))
		case 3:
			fmt.Fprintf(&b, "%s MX %d %s\n", owner, r.IntN(100), oddLabel(r))
		case 4:
			fmt.Fprintf(&b, "%s SRV 0 1 443 %s.example.com.\n", owner, oddLabel(r))
		case 5:
			fmt.Fprintf(&b, "%s PTR %s\n", owner, oddLabel(r))
		case 6:
			fmt.Fprintf(&b, "%s AAAA 2001:db8::%x\n\tTXT %s\n", owner, r.IntN(0xffff), oddStrings(r))
		}
	}
	if r.IntN(8) == 0 {
		// What BIND refuses: a raw NUL outside quotes, a CR inside a line.
		switch r.IntN(4) {
		case 0:
			b.WriteString("n\x00l A 192.0.2.1\n")
		case 1:
			b.WriteString("t TXT a\x00b\n")
		case 2:
			b.WriteString("c\rr A 192.0.2.1\n")
		case 3:
			b.WriteString("r A\r 192.0.2.1\n")
		}
	}
	return b.String()
}

// oddOctets are the raw octets both BIND and miekg/dns read as themselves
// in a name or an unquoted string: not blanks, newlines, quotes or the
// zone file's specials.
var oddOctets = func() []byte {
	var out []byte
	for c := 1; c < 256; c++ {
		switch {
		case c == '\t' || c == '\n' || c == '\r' || c == ' ':
		case c >= 0x21 && c <= 0x7e:
		default:
			out = append(out, byte(c))
		}
	}
	return out
}()

// oddLabel returns a label of 1 to 8 pieces: letters of either case,
// \DDD escapes of any octet, \X escapes of the specials, raw odd octets.
func oddLabel(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(8) {
		switch r.IntN(5) {
		case 0, 1:
			b.WriteByte("aBcXyZ019-_"[r.IntN(11)])
		case 2:
			fmt.Fprintf(&b, "\\%03d", r.IntN(256))
		case 3:
			b.WriteString(`\` + string(`.;"()\@ $'`[r.IntN(10)]))
		case 4:
			b.WriteByte(oddOctets[r.IntN(len(oddOctets))])
		}
	}
	if s := b.String(); strings.HasSuffix(s, `\.`) {
		// miekg/dns v1.1.73 refuses a relative name whose last label ends
		// in a UTF-8 character and `\.` ("bad owner name"); BIND reads it.
		// zonecast refusing what BIND reads is the safe direction.
		return s + "k"
	}
	return b.String()
}

// oddStrings returns one to three character-strings, quoted or not, with
// escapes and raw odd octets; inside quotes also blanks, specials and raw
// NUL, tab and CR.
func oddStrings(r *rand.Rand) string {
	var parts []string
	for range 1 + r.IntN(3) {
		quoted := r.IntN(2) == 0
		var b strings.Builder
		if quoted {
			b.WriteByte('"')
		}
		for range 1 + r.IntN(10) {
			switch r.IntN(6) {
			case 0, 1:
				b.WriteByte("aBz09"[r.IntN(5)])
			case 2:
				fmt.Fprintf(&b, "\\%03d", r.IntN(256))
			case 3:
				b.WriteString(`\` + string(`"\;() `[r.IntN(6)]))
			case 4:
				b.WriteByte(oddOctets[r.IntN(len(oddOctets))])
			case 5:
				if quoted {
					b.WriteByte(" ;(\x00\t\r"[r.IntN(6)])
				}
			}
		}
		if quoted {
			b.WriteByte('"')
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, " ")
}
