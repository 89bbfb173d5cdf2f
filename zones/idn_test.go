package zones_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/zones"
)

func TestIDN(t *testing.T) {
	tests := []struct {
		name   string
		origin string
		zone   string
		want   []string // records at names other than the apex and ns, canonical
		diags  []string // "line:col severity code"
	}{
		{"U-label owners and targets become A-labels", "",
			head + "café A 192.0.2.2\nx CNAME Bücher.example.net.\nm MX 10 café\n_s._tcp SRV 0 0 1 bücher.example.net.\n",
			[]string{
				"_s._tcp.example.com.\t300\tIN\tSRV\t0 0 1 xn--bcher-kva.example.net.",
				"m.example.com.\t300\tIN\tMX\t10 xn--caf-dma.example.com.",
				"x.example.com.\t300\tIN\tCNAME\txn--bcher-kva.example.net.",
				"xn--caf-dma.example.com.\t300\tIN\tA\t192.0.2.2",
			}, nil},
		{"a U-label and its A-label are one RRset", "",
			head + "café A 192.0.2.2\nxn--caf-dma A 192.0.2.3\nxn--caf-dma A 192.0.2.2\n",
			[]string{"xn--caf-dma.example.com.\t300\tIN\tA\t192.0.2.2", "xn--caf-dma.example.com.\t300\tIN\tA\t192.0.2.3"}, nil},
		{"the checks see the converted names", "",
			head + "café CNAME ns\nxn--caf-dma TXT x\n",
			[]string{"xn--caf-dma.example.com.\t300\tIN\tCNAME\tns.example.com.", "xn--caf-dma.example.com.\t300\tIN\tTXT\t\"x\""},
			[]string{"5:1 error cname-and-other-data"}},
		{"an invalid U-label is kept, and the lint says so", "",
			head + "x CNAME a\u200d.example.net.\n",
			[]string{"x.example.com.\t300\tIN\tCNAME\ta\\226\\128\\141.example.net."},
			[]string{"5:1 warning utf8-label"}},
		{"a U-label origin", "bücher.example.",
			"$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n",
			[]string{
				"xn--bcher-kva.example.\t300\tIN\tSOA\tns.xn--bcher-kva.example. hostmaster.xn--bcher-kva.example. 1 7200 900 1209600 300",
				"xn--bcher-kva.example.\t300\tIN\tNS\tns.xn--bcher-kva.example.",
				"ns.xn--bcher-kva.example.\t300\tIN\tA\t192.0.2.1",
				"www.xn--bcher-kva.example.\t300\tIN\tA\t192.0.2.2",
			}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, diags, err := zones.Parse(strings.NewReader(tt.zone), "example.com.zone", zones.Options{IDN: true, Origin: tt.origin})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags {
				got = append(got, posString(d.Pos)+" "+d.Severity.String()+" "+d.Code)
			}
			if diff := cmp.Diff(tt.diags, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, join(diags))
			}
			var recs []string
			for _, l := range strings.Split(strings.TrimSpace(dump(t, z)), "\n") {
				if strings.HasPrefix(l, "example.com.\t") || strings.HasPrefix(l, "ns.example.com.\t") {
					continue
				}
				recs = append(recs, l)
			}
			if diff := cmp.Diff(tt.want, recs); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}
