package audit_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/audit"
)

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		origin    string
		ns        []string
		providers map[string]string   // nameserver name → provider
		served    map[string][]string // domain → providers
		want      []string            // codes
	}{
		{
			name:      "zonecast's layout: each provider's own names",
			origin:    "safe.test.",
			ns:        []string{"ns.a-dns.test.", "ns.b-dns.test.", "ns.c-dns.test."},
			providers: map[string]string{"ns.a-dns.test.": "a", "ns.b-dns.test.": "b", "ns.c-dns.test.": "c"},
			served:    map[string][]string{"a-dns.test.": {"a"}, "b-dns.test.": {"b"}, "c-dns.test.": {"c"}},
		},
		{
			name:      "names inside the zone at two providers",
			origin:    "example.com",
			ns:        []string{"ns1.example.com.", "NS2.Example.com."},
			providers: map[string]string{"ns1.example.com.": "bind", "ns2.example.com.": "knot"},
		},
		{
			name:      "the seed: both names under b.test, at one provider",
			origin:    "example.test.",
			ns:        []string{"ns1.b.test.", "ns2.b.test."},
			providers: map[string]string{"ns1.b.test.": "knot", "ns2.b.test.": "knot"},
			served:    map[string][]string{"b.test.": {"knot"}},
			want:      []string{audit.CodeOneProvider, audit.CodeOneDomain},
		},
		{
			name:      "the dark domain: two providers answer, one serves the names' domain",
			origin:    "example.test.",
			ns:        []string{"ns1.b.test.", "ns2.b.test."},
			providers: map[string]string{"ns1.b.test.": "a", "ns2.b.test.": "b"},
			served:    map[string][]string{"b.test.": {"b"}},
			want:      []string{audit.CodeOneDomain, audit.CodeSharedProvider},
		},
		{
			name:      "one domain served by two providers",
			origin:    "example.test.",
			ns:        []string{"ns1.dns.test.", "ns2.dns.test."},
			providers: map[string]string{"ns1.dns.test.": "a", "ns2.dns.test.": "b"},
			served:    map[string][]string{"dns.test.": {"b", "a", "b"}},
			want:      []string{audit.CodeOneDomain},
		},
		{
			name:      "one domain nobody says who serves",
			origin:    "example.test.",
			ns:        []string{"ns1.dns.test.", "ns2.dns.test."},
			providers: map[string]string{"ns1.dns.test.": "a", "ns2.dns.test.": "b"},
			want:      []string{audit.CodeOneDomain},
		},
		{
			name:      "domains one provider serves, for names at others",
			origin:    "example.test.",
			ns:        []string{"ns.x.test.", "ns.y.test."},
			providers: map[string]string{"ns.x.test.": "a", "ns.y.test.": "b"},
			served:    map[string][]string{"x.test.": {"c"}, "y.test.": {"c"}},
			want:      []string{audit.CodeDomainOneProvider, audit.CodeDomainOneProvider, audit.CodeSharedProvider},
		},
		{
			name:      "a domain one provider serves, not on every path",
			origin:    "example.test.",
			ns:        []string{"ns.x.test.", "ns1.example.test."},
			providers: map[string]string{"ns.x.test.": "a", "ns1.example.test.": "b"},
			served:    map[string][]string{"x.test.": {"c"}},
			want:      []string{audit.CodeDomainOneProvider},
		},
		{
			name:   "a zone below the registered domain is asked first",
			origin: "example.test.",
			ns:     []string{"ns1.dns.b.test.", "ns2.dns.b.test."},
			providers: map[string]string{
				"ns1.dns.b.test.": "a", "ns2.dns.b.test.": "b"},
			// b.test. has two providers, but the names live in dns.b.test.
			served: map[string][]string{"b.test.": {"a", "b"}, "dns.b.test.": {"b"}},
			want:   []string{audit.CodeOneDomain, audit.CodeSharedProvider},
		},
		{
			name:   "names no provider claims are grouped by registered domain",
			origin: "example.test.",
			ns:     []string{"ns1.example.test.", "ns2.example.test."},
			want:   []string{audit.CodeOneProvider},
		},
		{
			name:   "no NS",
			origin: "example.test.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var providerOf func(string) string
			if tc.providers != nil {
				providerOf = func(ns string) string { return tc.providers[ns] }
			}
			var servedBy func(string) []string
			if tc.served != nil {
				servedBy = func(d string) []string { return tc.served[d] }
			}
			var got []string
			for _, f := range audit.Layout(tc.origin, tc.ns, providerOf, servedBy) {
				if f.Severity != audit.Warning || f.Hint == "" {
					t.Errorf("%s: severity %s, hint %q; want a warning with a hint", f.Code, f.Severity, f.Hint)
				}
				got = append(got, f.Code)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLayoutMessages checks the whole findings of the dark domain, the
// case the layout check exists for.
func TestLayoutMessages(t *testing.T) {
	providers := map[string]string{"ns1.b.test.": "a", "ns2.b.test.": "b"}
	got := audit.Layout("Example.Test", []string{"ns2.b.test.", "ns1.b.test.", "NS1.b.test"},
		func(ns string) string { return providers[ns] },
		func(d string) []string {
			if d == "b.test." {
				return []string{"b"}
			}
			return nil
		})
	hint := "use nameserver names under at least two domains, each served by a different provider (each provider's own names, such as ns1.a-dns.example. at provider a), or names inside the zone with glue at the parent"
	want := []audit.Finding{
		{Severity: audit.Warning, Code: audit.CodeOneDomain, Hint: hint,
			Message: "every nameserver name of example.test. is under b.test., which only b serves: if b fails, no resolver that ignores sibling glue can find any nameserver of example.test."},
		{Severity: audit.Warning, Code: audit.CodeSharedProvider, Hint: hint,
			Message: "every nameserver of example.test. depends on b: ns1.b.test. lives in domains only b serves, so if b fails no resolver that ignores sibling glue can find it, and example.test. stops resolving though other providers answer for it"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// Names outside the zone's parent domain get no glue from it: no resolver
// is said to find them through glue.
func TestLayoutOutOfBailiwick(t *testing.T) {
	got := audit.Layout("example.com.", []string{"ns1.dns.example.net.", "ns2.dns.example.net."},
		func(ns string) string {
			return map[string]string{"ns1.dns.example.net.": "a", "ns2.dns.example.net.": "b"}[ns]
		},
		func(d string) []string { return map[string][]string{"example.net.": {"b"}}[d] })
	want := []string{
		"every nameserver name of example.com. is under example.net., which only b serves: if b fails, no resolver can find any nameserver of example.com.",
		"every nameserver of example.com. depends on b: ns1.dns.example.net. lives in domains only b serves, so if b fails no resolver can find it, and example.com. stops resolving though other providers answer for it",
	}
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Message)
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
