package zones_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// writeFiles writes name → content into a new folder and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// codes returns the codes of the diagnostics, as "line:code".
func codes(ds zones.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s:%d:%s", filepath.Base(d.Pos.File), d.Pos.Line, d.Code))
	}
	return out
}

// hasControl reports a byte a terminal acts on.
func hasControl(s string) bool {
	return s != zones.EscapeText(s)
}

func TestCanonicalNameOneSpellingPerWireName(t *testing.T) {
	tests := []struct {
		name      string
		spellings []string
		want      string
	}{
		{"raw octet 0x80 and \\128", []string{"\x80x.example.com.", `\128x.example.com.`, `\128X.Example.COM`}, `\128x.example.com.`},
		{"raw ESC and \\027", []string{"a\x1bb.example.com.", `a\027b.example.com.`, `A\027B.example.com.`}, `a\027b.example.com.`},
		{"escaped plain letters", []string{`\065.example.com.`, "a.example.com.", "A.EXAMPLE.COM."}, "a.example.com."},
		{"escaped dot", []string{`a\.b.example.com.`, `a\046b.example.com.`}, `a\.b.example.com.`},
		{"raw DEL, VT and 0xff", []string{"\x7f\x0b\xff.example.com.", `\127\011\255.example.com.`}, `\127\011\255.example.com.`},
		{"space and specials", []string{`a\ b\@c.example.com.`, `a\032b\064c.example.com.`}, `a\ b\@c.example.com.`},
		{"plain names keep the fast path", []string{"_sip._tcp.*.Ex-1/2.com"}, "_sip._tcp.*.ex-1/2.com."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.spellings {
				if got := zones.CanonicalName(s); got != tc.want {
					t.Errorf("CanonicalName(%q) = %q, want %q", s, got, tc.want)
				}
			}
		})
	}
	// A name too long for the wire has no wire form but still no raw octet.
	long := strings.Repeat("\x1b", 60) + "." + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "."
	if got := zones.CanonicalName(long); hasControl(got) {
		t.Errorf("CanonicalName of a name too long keeps raw octets: %q", got)
	}
}

// A raw octet and its \DDD spelling are one owner name on the wire, so a
// CNAME at one and an A at the other is "CNAME and other data" (BIND says so).
func TestParseOneNamePerWireName(t *testing.T) {
	for _, tc := range []struct{ name, zone string }{
		{"raw 0x80 owner beside \\128", "\\128x A 192.0.2.1\n\x80x CNAME y\n"},
		{"raw ESC owner beside \\027", "\x1bx A 192.0.2.1\n\\027x CNAME y\n"},
		{"escaped letter beside plain", "\\065 A 192.0.2.1\na CNAME y\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags, err := zones.Parse(strings.NewReader(head+tc.zone), "example.com.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"example.com.zone:6:cname-and-other-data"}, codes(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, join(diags))
			}
		})
	}
}

// What a provider reads back goes through the same canonical form.
func TestFromRRsOneNamePerWireName(t *testing.T) {
	var rrs []dns.RR
	for _, owner := range []string{"\x80x.example.com.", `\128x.example.com.`, `\128X.example.com.`} {
		rrs = append(rrs, &dns.A{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: []byte{192, 0, 2, 1}})
	}
	rrs = append(rrs, &dns.CNAME{Hdr: dns.RR_Header{Name: "c.example.com.", Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 300}, Target: "\x80X.example.com."})
	sets, err := zones.FromRRs("example.com.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sets {
		got = append(got, fmt.Sprintf("%s %s %v", s.Name, s.TypeString(), s.Data))
	}
	want := []string{`c.example.com. CNAME [\128x.example.com.]`, `\128x.example.com. A [192.0.2.1]`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromRRs (-want +got):\n%s", diff)
	}
}

// TestOctetsAsBIND checks raw control octets against what BIND's
// named-compilezone does with them (BIND 9.18, checked by hand; TestBINDOdd
// checks generated cases against BIND itself).
func TestOctetsAsBIND(t *testing.T) {
	tests := []struct {
		name  string
		zone  string   // after head
		codes []string // diagnostics, as file:line:code
		want  []string // the records at names other than the apex and ns
	}{
		{"NUL in an owner: BIND syntax error", "a\x00b A 192.0.2.1\nc A 192.0.2.3\n",
			[]string{"example.com.zone:5:bad-octet"}, nil},
		{"NUL alone on a line", "\x00\nc A 192.0.2.3\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"NUL in unquoted TXT", "t TXT a\x00b\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"NUL in $ORIGIN", "$ORIGIN a\x00b\nx A 192.0.2.1\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"NUL escaped in a quoted string", "t TXT \"a\\\x00b\"\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"NUL in a quoted string is \\000", "t TXT \"a\x00b\"\n", nil, []string{"t.example.com.\t300\tIN\tTXT\t\"a\\000b\""}},
		{"NUL in a comment is ignored", "t TXT \"a\" ; \x00\n", nil, []string{"t.example.com.\t300\tIN\tTXT\t\"a\""}},
		{"CR inside a line: BIND ends the line there", "a\rb A 192.0.2.1\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"CR between fields", "a A\r 192.0.2.1\n", []string{"example.com.zone:5:bad-octet"}, nil},
		{"CR LF, CR CR LF, CR before a comment", "a A 192.0.2.1\r\nb A 192.0.2.2\r\r\nc A 192.0.2.3 \r ; x\n",
			nil, []string{"a.example.com.\t300\tIN\tA\t192.0.2.1", "b.example.com.\t300\tIN\tA\t192.0.2.2", "c.example.com.\t300\tIN\tA\t192.0.2.3"}},
		{"CR in a quoted string is \\013", "t TXT \"a\rb\"\n", nil, []string{"t.example.com.\t300\tIN\tTXT\t\"a\\013b\""}},
		{"CR in a comment", "a A 192.0.2.1 ; x\ry\n", nil, []string{"a.example.com.\t300\tIN\tA\t192.0.2.1"}},
		{"other control octets in owners are the octets", "\x01\x0b\x0c\x1b\x1f\x7f\x80\xc3\xff A 192.0.2.1\n",
			nil, []string{`\001\011\012\027\031\127\128\195\255.example.com.` + "\t300\tIN\tA\t192.0.2.1"}},
		{"and in TXT", "t TXT a\x01\x1b\x7f\x80b \"\x0b\xff\"\n", nil, []string{"t.example.com.\t300\tIN\tTXT\t\"a\\001\\027\\127\\128b\" \"\\011\\255\""}},
		{"and in rdata names", "c CNAME a\x1bb\nm MX 10 \x80\n", nil,
			[]string{"c.example.com.\t300\tIN\tCNAME\ta\\027b.example.com.", "m.example.com.\t300\tIN\tMX\t10 \\128.example.com."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, diags, err := zones.Parse(strings.NewReader(head+tc.zone), "example.com.zone", zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.codes, codes(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, join(diags))
			}
			if diags.HasErrors() {
				return
			}
			if diff := cmp.Diff(tc.want, lines(t, z)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, é and ✓", "plain text, é and ✓"},
		{"a\x1b[31mb", `a\027[31mb`},
		{"tab\tnew\nline\rdel\x7f", `tab\009new\010line\013del\127`},
		{"bad utf8 \xff\xc3", `bad utf8 \255\195`},
		{"C1 \u009b and bidi \u202e", `C1 \194\155 and bidi \226\128\174`},
		{`kept \\ \" \027`, `kept \\ \" \027`},
		{"escaped raw ESC \\\x1b", `escaped raw ESC \027`},
	}
	for _, tc := range tests {
		if got := zones.EscapeText(tc.in); got != tc.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { zones.EscapeText("www.example.com. 300 IN A 192.0.2.1 \"é\"") }); n != 0 {
		t.Errorf("EscapeText allocates %v times for text needing no escape", n)
	}
}

// Write never prints a control character, even for RRsets that did not come
// from a zone file (a provider's API), and BIND reads the same bytes back.
func TestWriteEscapes(t *testing.T) {
	z := zones.NewZone("example.com.")
	z.Sets[zones.Key{Name: "a\x1b[2Jb.example.com.", Type: dns.TypeTXT}] = &zones.RRset{
		Name: "a\x1b[2Jb.example.com.", Type: dns.TypeTXT, TTL: 300, Data: []string{"\"x\x1b]0;title\x07\""}}
	out := dump(t, z)
	want := "a\\027[2Jb.example.com.\t300\tIN\tTXT\t\"x\\027]0;title\\007\"\n"
	if out != want {
		t.Errorf("Write = %q, want %q", out, want)
	}
}

func TestDiagnosticsQuoteLittleAndEscaped(t *testing.T) {
	long := strings.Repeat("x.", 50)
	_, diags, err := zones.Parse(strings.NewReader(head+"www A 192.0.2.1\nbad A 192.0.2.\x1b[2J\nlong A "+long+"\n\x1b[31m\x00\n"),
		"example.com.zone", zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 3 {
		t.Fatalf("want 3 diagnostics, got:\n%s", join(diags))
	}
	for _, d := range diags {
		if hasControl(d.Message) || hasControl(d.Hint) || hasControl(d.String()) {
			t.Errorf("diagnostic holds a control character: %q", d.String())
		}
	}
	if got, want := diags[0].Message, `bad A A: "192.0.2.\027[2J"`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got, want := diags[1].Message, `bad A A: "`+strings.Repeat("x.", 20)+`…"`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// The secret beside a zone file: what validate must never print.
const (
	secretKey = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=" // 44 characters of base64
	secretEnv = "TSIG_SECRET=" + secretKey
)

// assertNoSecret fails if the diagnostics, as text or JSON, hold any part
// of the secret longer than 8 characters.
func assertNoSecret(t *testing.T, diags zones.Diagnostics, err error) {
	t.Helper()
	b, jerr := json.Marshal(diags)
	if jerr != nil {
		t.Fatal(jerr)
	}
	text := join(diags) + string(b)
	if err != nil {
		text += err.Error()
	}
	for i := 0; i+8 <= len(secretKey); i++ {
		if part := secretKey[i : i+8]; strings.Contains(text, part) {
			t.Fatalf("output holds %q, part of the secret:\n%s", part, text)
		}
	}
	if strings.Contains(text, "TSIG_SECRET") {
		t.Fatalf("output holds the variable's name:\n%s", text)
	}
}

func TestSecretsNeverQuoted(t *testing.T) {
	zone := head + "www A 192.0.2.2\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		main  string
		codes []string
	}{
		{"$INCLUDE of a TSIG secret file", map[string]string{"example.com.zone": zone + "$INCLUDE tsig.secret\n", "tsig.secret": secretKey + "\n"},
			"example.com.zone", []string{"tsig.secret:1:syntax"}},
		{"$INCLUDE of a BIND key file", map[string]string{"example.com.zone": zone + "$INCLUDE tsig.key\n",
			"tsig.key": "key \"tsig\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + secretKey + "\";\n};\n"},
			"example.com.zone", []string{"tsig.key:1:syntax", "tsig.key:2:syntax", "tsig.key:3:syntax", "tsig.key:4:syntax"}},
		{"$INCLUDE of an environment file", map[string]string{"example.com.zone": zone + "$INCLUDE .env\n", ".env": "HOME=/root\n" + secretEnv + "\n"},
			"example.com.zone", []string{".env:1:syntax", ".env:2:syntax"}},
		{"$INCLUDE of an environment dump", map[string]string{"example.com.zone": zone + "$INCLUDE environ\n", "environ": "HOME=/root\x00" + secretEnv + "\x00"},
			"example.com.zone", []string{"environ:1:bad-octet"}},
		{"an environment dump as the zone file", map[string]string{"example.com.zone": secretEnv + "\x00HOME=/root\x00"},
			"example.com.zone", []string{"example.com.zone:1:missing-apex-ns", "example.com.zone:1:missing-soa", "example.com.zone:1:bad-octet"}},
		{"a secret as the zone file", map[string]string{"example.com.zone": secretKey + "\n"},
			"example.com.zone", []string{"example.com.zone:1:missing-apex-ns", "example.com.zone:1:missing-soa", "example.com.zone:1:syntax"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, diags, err := zones.ParseFile(filepath.Join(dir, tc.main), zones.Options{})
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, diags, nil)
			if diff := cmp.Diff(tc.codes, codes(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, join(diags))
			}
		})
	}
	// A token is quoted once the file has yielded a record.
	dir := writeFiles(t, map[string]string{"example.com.zone": zone + "bad A 192.0.2\n"})
	_, diags, _ := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{})
	if len(diags) != 1 || !strings.Contains(diags[0].Message, `"192.0.2"`) {
		t.Errorf("a syntax error after records should quote its token:\n%s", join(diags))
	}
}

func TestZoneFileConfined(t *testing.T) {
	t.Setenv("TSIG_SECRET", secretKey)
	outside := writeFiles(t, map[string]string{"example.com.zone": head})
	dir := writeFiles(t, map[string]string{"inside.zone": head, "main.zone": head + "$INCLUDE fifo\n$INCLUDE devnull\n$INCLUDE environ\nafter A 192.0.2.9\n"})
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	link(filepath.Join(outside, "example.com.zone"), "out.zone")
	link("inside.zone", "in.zone")
	link(filepath.Join(dir, "inside.zone"), "abs.zone")
	link("/proc/self/environ", "environ")
	link("/dev/null", "devnull")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		file   string
		follow bool
		want   string // in the error; "" for none
	}{
		{"a symbolic link out of the folder", "out.zone", false, "it is a symbolic link out of its folder, and zonecast follows one only when the config says so"},
		{"followed when the config says so", "out.zone", true, ""},
		{"a symbolic link inside the folder", "in.zone", false, ""},
		{"an absolute symbolic link inside the folder", "abs.zone", false, ""},
		{"/proc/self/environ through a link", "environ", false, "symbolic link out of its folder"},
		{"/proc/self/environ even when following links", "environ", true, "it holds more than its size says"},
		{"/dev/null when following links", "devnull", true, "it is not a regular file but a character device"},
		{"a FIFO is not waited on", "fifo", false, "it is not a regular file but a FIFO"},
		{"a folder", ".", false, "it is not a regular file but a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags, err := zones.ParseFile(filepath.Join(dir, tc.file), zones.Options{Origin: "example.com.", FollowSymlinks: tc.follow})
			if tc.want == "" {
				if err != nil || diags.HasErrors() {
					t.Fatalf("want the zone read, got %v\n%s", err, join(diags))
				}
				return
			}
			var fe *zones.FileError
			if !errors.As(err, &fe) || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), tc.want) ||
				fe.Symlink != strings.Contains(tc.want, "symbolic link") {
				t.Fatalf("want a *FileError (fs.ErrPermission) saying %q, got %v", tc.want, err)
			}
			assertNoSecret(t, nil, err)
		})
	}
	t.Run("includes", func(t *testing.T) {
		_, diags, err := zones.ParseFile(filepath.Join(dir, "main.zone"), zones.Options{Origin: "example.com."})
		if err != nil {
			t.Fatal(err)
		}
		assertNoSecret(t, diags, nil)
		want := []string{"main.zone:5:include", "main.zone:6:include", "main.zone:7:include"}
		if diff := cmp.Diff(want, codes(diags)); diff != "" {
			t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, join(diags))
		}
		if !strings.Contains(diags[0].Message, "it is not a regular file but a FIFO") {
			t.Errorf("the FIFO: %s", diags[0])
		}
	})
}

func TestLimits(t *testing.T) {
	zone := head + "www A 192.0.2.2\n"
	gen := zone
	for i := range 100 {
		gen += fmt.Sprintf("$GENERATE 0-65535 h%d-$ A 192.0.2.1\n", i)
	}
	fan := "x\n" + strings.Repeat("$INCLUDE fan.inc\n", 10)
	for _, tc := range []struct {
		name    string
		files   map[string]string
		limits  zones.Limits
		codes   []string
		message string // in a diagnostic
		records int    // at most
	}{
		{"an $INCLUDE loop after a syntax error stops at the depth limit",
			map[string]string{"example.com.zone": zone + "$INCLUDE loop.inc\n", "loop.inc": "x\n$INCLUDE loop.inc\n"}, zones.Limits{},
			append(repeat("loop.inc:1:syntax", 7), "loop.inc:2:include-depth"), "limit: 7 levels (limits.include_depth)", 5},
		{"the same without syntax errors: the ZoneParser's own count, the same code",
			map[string]string{"example.com.zone": zone + "$INCLUDE loop.inc\n", "loop.inc": "$INCLUDE loop.inc\n"}, zones.Limits{},
			[]string{"loop.inc:1:include-depth"}, "limit: 7 levels (limits.include_depth)", 5},
		{"a lower depth limit",
			map[string]string{"example.com.zone": zone + "$INCLUDE loop.inc\n", "loop.inc": "$INCLUDE loop.inc\n"}, zones.Limits{MaxIncludeDepth: 2},
			[]string{"loop.inc:1:include-depth"}, "limit: 2 levels (limits.include_depth)", 5},
		{"fan-out stops at the number of $INCLUDEs",
			map[string]string{"example.com.zone": zone + "$INCLUDE fan.inc\n", "fan.inc": fan}, zones.Limits{MaxIncludes: 50},
			nil, "more than 50 $INCLUDE files opened for one zone; zonecast stopped reading; limit: 50 files (limits.includes)", 5},
		{"the bytes of all files together",
			map[string]string{"example.com.zone": zone + "$INCLUDE a.inc\n$INCLUDE a.inc\n", "a.inc": "a TXT \"" + strings.Repeat("a", 200) + "\"\n"},
			zones.Limits{MaxFileBytes: int64(len(zone)) + 300},
			[]string{"example.com.zone:7:zone-too-large"}, "limit: " + fmt.Sprint(len(zone)+300) + " octets (limits.zone_file_bytes)", 6},
		{"records counted as $GENERATE makes them",
			map[string]string{"example.com.zone": gen}, zones.Limits{MaxRecords: 1000},
			[]string{"example.com.zone:6:too-many-records"}, "the zone has more than 1000 records; zonecast stopped reading; limit: 1000 records (limits.zone_records)", 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			z, diags, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{Limits: tc.limits})
			if err != nil {
				t.Fatal(err)
			}
			if tc.codes != nil {
				if diff := cmp.Diff(tc.codes, codes(diags)); diff != "" {
					t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, join(diags))
				}
			}
			if !strings.Contains(join(diags), tc.message) {
				t.Errorf("want a diagnostic saying %q, got:\n%s", tc.message, join(diags))
			}
			if n := z.Records(); n > tc.records {
				t.Errorf("%d records read, want at most %d", n, tc.records)
			}
		})
	}
	t.Run("the main file measured before it is read", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"example.com.zone": zone})
		_, _, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{Limits: zones.Limits{MaxFileBytes: 50}})
		if want := fmt.Sprintf("it holds %d octets; limit: 50 octets (limits.zone_file_bytes)", len(zone)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error saying %q, got %v", want, err)
		}
		_, _, err = zones.Parse(strings.NewReader(zone), "example.com.zone", zones.Options{Limits: zones.Limits{MaxFileBytes: 50}})
		if err == nil || !strings.Contains(err.Error(), "limit: 50 octets (limits.zone_file_bytes)") {
			t.Errorf("Parse: want the size limit, got %v", err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		want := zones.Limits{MaxFileBytes: 512 << 20, MaxRecords: 2_000_000, MaxIncludeDepth: 7, MaxIncludes: 1000}
		if got := zones.DefaultLimits(); got != want {
			t.Errorf("defaults = %+v, want %+v", got, want)
		}
		if got := (zones.Limits{MaxIncludeDepth: 16}).WithDefaults().MaxIncludeDepth; got != 7 {
			t.Errorf("MaxIncludeDepth 16 acts as %d, want 7 (miekg/dns's own limit)", got)
		}
	})
}

// Nesting up to the limit is read, whether or not parsing resumed on the way.
func TestIncludeDepthConsistent(t *testing.T) {
	for _, resume := range []bool{false, true} {
		files := map[string]string{"example.com.zone": head + "$INCLUDE 1.inc\n"}
		for i := 1; i <= 8; i++ {
			text := fmt.Sprintf("h%d A 192.0.2.%d\n", i, i)
			if resume {
				text += "bad A 192.0.2\n"
			}
			files[fmt.Sprintf("%d.inc", i)] = text + fmt.Sprintf("$INCLUDE %d.inc\n", i+1)
		}
		dir := writeFiles(t, files)
		z, diags, err := zones.ParseFile(filepath.Join(dir, "example.com.zone"), zones.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var depth []string
		for _, d := range diags {
			if d.Code == zones.CodeIncludeDepth {
				depth = append(depth, filepath.Base(d.Pos.File))
			}
		}
		if diff := cmp.Diff([]string{"7.inc"}, depth); diff != "" {
			t.Errorf("resume=%v: include-depth diagnostics (-want +got):\n%s\n%s", resume, diff, join(diags))
		}
		if z.Lookup("h7.example.com.", dns.TypeA) == nil || z.Lookup("h8.example.com.", dns.TypeA) != nil {
			t.Errorf("resume=%v: want h1..h7 read and h8 not:\n%s", resume, dump(t, z))
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
