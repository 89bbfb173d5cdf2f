package route53

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalName(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "lower case and trailing dot", in: "WWW.Example.COM", want: "www.example.com."},
		{name: "root", in: ".", want: "."},
		{name: "wildcard", in: "*.example.com.", want: `\052.example.com.`},
		{name: "wildcard as listed", in: `\052.example.com.`, want: `\052.example.com.`},
		{name: "star inside a label", in: "a*b.example.com", want: `a\052b.example.com.`},
		{name: "UTF-8 bytes", in: "café.example.com", want: `caf\303\251.example.com.`},
		{name: "octal escapes kept", in: `caf\303\251.example.com.`, want: `caf\303\251.example.com.`},
		{name: "escaped upper case", in: `\101\B.example.com`, want: "ab.example.com."},
		{name: "at sign", in: "@.example.com", want: `\100.example.com.`},
		{name: "underscore and hyphen", in: "_dmarc.my-host.example.com", want: "_dmarc.my-host.example.com."},
		{name: "empty label", in: "a..example.com", err: "DomainLabelEmpty"},
		{name: "label of 64", in: strings.Repeat("a", 64) + ".example.com", err: "DomainLabelTooLong"},
		{name: "label of 63", in: strings.Repeat("a", 63) + ".example.com", want: strings.Repeat("a", 63) + ".example.com."},
		{name: "name over 255", in: strings.Repeat(strings.Repeat("a", 63)+".", 4) + "com", err: "DomainNameTooLong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalName(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("canonicalName(%q) = %q, %v; want error %s", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("canonicalName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestSortKeyOrder(t *testing.T) {
	want := []string{
		// AWS's documented order, not RFC 4034's: escaped labels ('\\' is
		// 92, after digits) and the dot ('-' is 45, before '.' at 46, so
		// a-b comes before a and its children).
		"example.com.",
		"0.example.com.",
		`\052.example.com.`,
		"_x.example.com.",
		"a-b.example.com.",
		"a.example.com.",
		"z.a.example.com.",
		"b.example.com.",
		"example.net.",
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, func(a, b string) int { return strings.Compare(sortKey(a), sortKey(b)) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestCheckTXT(t *testing.T) {
	s255 := strings.Repeat("x", 255)
	tests := []struct{ in, want string }{
		{`"` + s255 + `"`, ""},
		{`"` + s255 + `" "` + s255 + `"`, ""},
		{`"` + s255 + `x"`, "CharacterStringTooLong"},
		{`"` + strings.Repeat(`\303`, 255) + `"`, ""}, // escapes count as one byte
		{`"` + strings.Repeat(`\303`, 256) + `"`, "CharacterStringTooLong"},
		{`"\"quoted\""`, ""},
		{s255, ""},
		{s255 + "x", "TXTRDATATooLong"},
		{`"open`, "InvalidCharacterString"},
		{"v=spf1 -all", ""},
	}
	for _, tt := range tests {
		got := checkTXT(tt.in)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("checkTXT(%.20q…) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
