package zones_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/zones"
)

// lintsOf parses head+text as the zone example.com. and returns its
// diagnostics as "line:col severity code: message; hint".
func lintsOf(t *testing.T, text string) []string {
	t.Helper()
	_, diags, err := zones.Parse(strings.NewReader(head+text), "example.com.zone", zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%s %s %s: %s; %s", posString(d.Pos), d.Severity, d.Code, d.Message, d.Hint))
	}
	return got
}

// includes returns n include: mechanisms of domains outside the zone.
func includes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " include:s%d.example.net", i)
	}
	return b.String()
}

// chain returns an SPF policy at the apex that includes _1, which includes
// _2, and so on to _n, whose policy takes no lookup.
func chain(n int) string {
	var b strings.Builder
	b.WriteString("@ TXT \"v=spf1 include:_1.example.com -all\"\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "_%d TXT \"v=spf1 include:_%d.example.com -all\"\n", i, i+1)
	}
	fmt.Fprintf(&b, "_%d TXT \"v=spf1 -all\"\n", n)
	return b.String()
}

func TestLints(t *testing.T) {
	const (
		spfHint   = "past 10 lookups (include:, a, mx, ptr, exists:, redirect=) receivers fail the check (RFC 7208 §4.6.4, permerror); replace includes with ip4:/ip6: ranges or drop unused ones"
		caaHint   = "the registered tags are issue, issuewild, iodef, contactemail, contactphone, issuemail, issuevmc"
		twoSPF    = "merge them into one v=spf1 record: with two, every receiver's SPF check fails (RFC 7208 §4.5, permerror)"
		utf8Hint1 = "write the A-label form `"
		utf8Hint2 = "` (IDNA, RFC 5891): resolvers look names up in that form"
	)
	tests := []struct {
		name string
		zone string // appended to head (4 lines)
		want []string
	}{
		// spf-multiple
		{"one SPF record is fine", "@ TXT \"v=spf1 mx -all\"\n@ TXT \"google-site-verification=x\"\n", nil},
		{"v=spf10 is no SPF record", "@ TXT \"v=spf1 -all\"\n@ TXT \"v=spf10 -all\"\n", nil},
		{"two SPF records at one name",
			"@ TXT \"v=spf1 mx -all\"\n@ TXT \"V=SPF1\" \" a -all\"\n",
			[]string{"5:1 warning spf-multiple: 2 SPF records (v=spf1) in the TXT RRset at example.com.; " + twoSPF}},
		{"two SPF records of type SPF",
			"m SPF \"v=spf1 mx -all\"\nm SPF \"v=spf1 a -all\"\n",
			[]string{"5:1 warning spf-multiple: 2 SPF records (v=spf1) in the SPF RRset at m.example.com.; keep one; receivers read SPF from TXT only, and the SPF type is obsolete (RFC 7208 §3.1, §14.1)"}},
		{"TXT and SPF types one each are fine", "@ TXT \"v=spf1 mx -all\"\n@ SPF \"v=spf1 mx -all\"\n", nil},

		// spf-too-many-lookups
		{"10 lookups are fine", "@ TXT \"v=spf1 a mx ptr exists:x.example.net" + includes(5) + " redirect=r.example.net\"\n", nil},
		{"11 lookups warn, a lower bound with includes outside the zone",
			"@ TXT \"v=spf1 a mx/24 ptr:x.example.net exists:%{i}.example.net" + includes(6) + " redirect=r.example.net\"\n",
			[]string{"5:1 warning spf-too-many-lookups: the SPF record at example.com. needs at least 11 DNS lookups, over the limit of 10 (a lower bound: s0.example.net., s1.example.net., s2.example.net. and 4 more outside the zone counted as 1 lookup each); " + spfHint}},
		{"an outside target included twice is listed once",
			"@ TXT \"v=spf1 a a a a a a a a a include:x.example.net include:x.example.net -all\"\n",
			[]string{"5:1 warning spf-too-many-lookups: the SPF record at example.com. needs at least 11 DNS lookups, over the limit of 10 (a lower bound: x.example.net. outside the zone counted as 1 lookup each); " + spfHint}},
		{"ip4, ip6, all and exp= take no lookup", "@ TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 exp=e.example.net a a a a a a a a a a -all\"\n", nil},
		{"redirect= is ignored beside all (RFC 7208 §6.1)", "@ TXT \"v=spf1 a a a a a a a a a a -all redirect=r.example.net\"\n", nil},
		{"includes inside the zone are followed: an exact count",
			"@ TXT \"v=spf1 include:_spf.example.com include:_spf.example.com -all\"\n_spf TXT \"v=spf1 a mx a:x.example.net mx:y.example.net -all\"\n",
			nil},
		{"includes inside the zone, 11 in all",
			"@ TXT \"v=spf1 include:_spf.example.com include:_spf2.example.com -all\"\n_spf TXT \"v=spf1 a mx a:x.example.net mx:y.example.net -all\"\n_spf2 TXT \"v=spf1 a a a a a -all\"\n",
			[]string{"5:1 warning spf-too-many-lookups: the SPF record at example.com. needs 11 DNS lookups, over the limit of 10; " + spfHint}},
		{"a chain of includes inside the zone: counting stops past the limit",
			chain(12),
			[]string{
				"5:1 warning spf-too-many-lookups: the SPF record at example.com. needs at least 11 DNS lookups, over the limit of 10 (counting stops there); " + spfHint,
				"6:1 warning spf-too-many-lookups: the SPF record at _1.example.com. needs 11 DNS lookups, over the limit of 10; " + spfHint,
			}},
		{"an include loop",
			"@ TXT \"v=spf1 include:_a.example.com -all\"\n_a TXT \"v=spf1 redirect=_b.example.com\"\n_b TXT \"v=spf1 include:_a.example.com -all\"\n",
			[]string{
				"5:1 warning spf-too-many-lookups: the SPF record at example.com. reaches an include loop: the policy at _a.example.com. includes itself through include: or redirect=, so no evaluation ends within 10 DNS lookups; break the loop; receivers fail the check once past 10 lookups (RFC 7208 §4.6.4, permerror)",
				"6:1 warning spf-too-many-lookups: the SPF record at _a.example.com. reaches an include loop: the policy at _a.example.com. includes itself through include: or redirect=, so no evaluation ends within 10 DNS lookups; break the loop; receivers fail the check once past 10 lookups (RFC 7208 §4.6.4, permerror)",
				"7:1 warning spf-too-many-lookups: the SPF record at _b.example.com. reaches an include loop: the policy at _a.example.com. includes itself through include: or redirect=, so no evaluation ends within 10 DNS lookups; break the loop; receivers fail the check once past 10 lookups (RFC 7208 §4.6.4, permerror)",
			}},

		// caa-unknown-tag
		{"registered CAA tags are fine",
			"@ CAA 0 issue \"ca.example.net\"\n@ CAA 0 issuewild \";\"\n@ CAA 0 iodef \"mailto:sec@example.com\"\n@ CAA 0 contactemail \"sec@example.com\"\n" +
				"@ CAA 0 contactphone \"+1 555 0100\"\n@ CAA 0 issuemail \"ca.example.net\"\n@ CAA 0 issuevmc \"ca.example.net\"\n@ CAA 0 ISSUE \"ca.example.net\"\n", nil},
		{"a CAA tag one letter off",
			"@ CAA 0 isue \"ca.example.net\"\n",
			[]string{`5:1 warning caa-unknown-tag: CAA at example.com. has the tag "isue", which is not registered (0 isue "ca.example.net"); CAs ignore it; did you mean "issue"? ` + caaHint}},
		{"a long CAA value is cut in the message",
			"@ CAA 0 issuer \"" + strings.Repeat("x", 100) + "\"\n",
			[]string{`5:1 warning caa-unknown-tag: CAA at example.com. has the tag "issuer", which is not registered (0 issuer "` + strings.Repeat("x", 47) + `...); CAs ignore it; did you mean "issue"? ` + caaHint}},
		{"a reserved CAA tag",
			"@ CAA 0 policy \"x\"\n",
			[]string{`5:1 warning caa-unknown-tag: CAA at example.com. has the tag "policy", which is reserved, not usable (RFC 8659 §7.2) (0 policy "x"); CAs ignore it; ` + caaHint}},
		{"a critical unknown CAA tag, nothing near",
			"@ CAA 128 tbs \"x\"\n",
			[]string{`5:1 warning caa-unknown-tag: CAA at example.com. has the tag "tbs", which is not registered (128 tbs "x"); it is marked critical, so every CA refuses to issue; ` + caaHint}},

		// missing-trailing-dot
		{"a CNAME target with the origin twice",
			"www CNAME mail.example.com\nmail A 192.0.2.2\n",
			[]string{"5:1 warning missing-trailing-dot: CNAME target mail.example.com.example.com. at www.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `mail.example.com.` with a trailing dot"}},
		{"an owner with the origin twice, once for its two RRsets",
			"mail.example.com A 192.0.2.2\nmail.example.com TXT x\n",
			[]string{"5:1 warning missing-trailing-dot: owner name mail.example.com.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `mail.example.com.` with a trailing dot"}},
		{"MX, NS, SRV, PTR, DNAME and HTTPS targets",
			"@ MX 10 mx.example.com\nkid NS ns.example.com\n_s._tcp SRV 0 0 1 s.example.com\np PTR example.com\nd DNAME d.example.com\nh HTTPS 1 h.example.com alpn=h2\n",
			[]string{
				"5:1 warning missing-trailing-dot: MX target mx.example.com.example.com. at example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `mx.example.com.` with a trailing dot",
				"6:1 warning missing-glue: NS ns.example.com.example.com. at kid.example.com. is inside the zone but has no A or AAAA record; add address records (glue) for ns.example.com.example.com.",
				"6:1 warning missing-trailing-dot: NS target ns.example.com.example.com. at kid.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `ns.example.com.` with a trailing dot",
				"7:1 warning missing-trailing-dot: SRV target s.example.com.example.com. at _s._tcp.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `s.example.com.` with a trailing dot",
				"8:1 warning missing-trailing-dot: PTR target example.com.example.com. at p.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `example.com.` with a trailing dot",
				"9:1 warning missing-trailing-dot: DNAME target d.example.com.example.com. at d.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `d.example.com.` with a trailing dot",
				"10:1 warning missing-trailing-dot: HTTPS target h.example.com.example.com. at h.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `h.example.com.` with a trailing dot",
			}},
		{"a name under another domain that starts with the origin is fine",
			"www CNAME example.com.example.net.\nx CNAME notexample.com.example.com.\n", nil},

		// utf8-label
		{"a raw UTF-8 owner",
			"café A 192.0.2.2\n",
			[]string{`5:1 warning utf8-label: owner name caf\195\169.example.com. has a label of raw UTF-8 (café.example.com.); ` + utf8Hint1 + "xn--caf-dma.example.com." + utf8Hint2}},
		{"a raw UTF-8 target, upper case mapped",
			"x CNAME Bücher.example.net.\n",
			[]string{`5:1 warning utf8-label: CNAME target b\195\188cher.example.net. at x.example.com. has a label of raw UTF-8 (bücher.example.net.); ` + utf8Hint1 + "xn--bcher-kva.example.net." + utf8Hint2}},
		{"UTF-8 that is no valid U-label",
			"x CNAME a\u200d.example.net.\n",
			[]string{"5:1 warning utf8-label: CNAME target a\\226\\128\\141.example.net. at x.example.com. has a label of raw UTF-8 (a\u200d.example.net.); it is no valid internationalised name (IDNA, RFC 5891): write the name in ASCII"}},
		{"an owner with both findings, once for its two RRsets",
			"mail TXT x\ncafé.example.com A 192.0.2.2\ncafé.example.com TXT y\n",
			[]string{
				"6:1 warning missing-trailing-dot: owner name caf\\195\\169.example.com.example.com. ends with the origin example.com. twice; a name without a trailing dot is relative to the origin: write `caf\\195\\169.example.com.` with a trailing dot",
				"6:1 warning utf8-label: owner name caf\\195\\169.example.com.example.com. has a label of raw UTF-8 (café.example.com.example.com.); " + utf8Hint1 + "xn--caf-dma.example.com.example.com." + utf8Hint2,
			}},
		{"A-labels and binary octets are fine", "xn--caf-dma A 192.0.2.2\nb\\200\\201 A 192.0.2.3\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lintsOf(t, tt.zone)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLintUTF8OriginOnce(t *testing.T) {
	_, diags, err := zones.Parse(strings.NewReader(head+"www A 192.0.2.2\ncafé A 192.0.2.3\n"), "z.zone", zones.Options{Origin: "bücher.example."})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%s %s: %s; %s", posString(d.Pos), d.Code, d.Message, d.Hint))
	}
	want := []string{
		"1:1 utf8-label: the origin b\\195\\188cher.example. has a label of raw UTF-8 (bücher.example.); give the origin as its A-label form `xn--bcher-kva.example.` (--origin, $ORIGIN or the file name)",
		"6:1 utf8-label: owner name caf\\195\\169.b\\195\\188cher.example. has a label of raw UTF-8 (café.bücher.example.); write the A-label form `xn--caf-dma.xn--bcher-kva.example.` (IDNA, RFC 5891): resolvers look names up in that form",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// TestLintLongSPFChain: a hostile chain of includes costs each policy about
// spfLimit steps, not the length of the chain.
func TestLintLongSPFChain(t *testing.T) {
	const n = 20000
	_, diags, err := zones.Parse(strings.NewReader(head+chain(n)), "example.com.zone", zones.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The apex and _1 … _(n-11) are over the limit; _(n-10) … _n are not.
	if got, want := len(diags), n-10; got != want {
		t.Errorf("%d diagnostics, want %d", got, want)
	}
}
