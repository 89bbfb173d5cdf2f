package cloudflare

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestManyZones: AddZones makes generated zones with their records; GET
// /zones pages them by 20 by default and at most 50 (per_page over 50 is
// capped), with result_info page/per_page/count/total_count/total_pages;
// Counts counts requests by endpoint.
func TestManyZones(t *testing.T) {
	s, _ := start(t, Options{})
	names := s.AddZones(120, 10)
	if len(names) != 120 || names[7] != "zone00007.example" {
		t.Fatalf("AddZones gave %d names, [7] = %q", len(names), names[7])
	}
	if n := len(s.Records("zone00007.example")); n != 10 {
		t.Errorf("zone00007.example holds %d records, want 10", n)
	}
	s.ResetRequests()
	type info struct{ Page, PerPage, Count, TotalCount, TotalPages int }
	var got []info
	seen := map[string]bool{}
	for page := 1; page <= 4; page++ {
		a := call(t, s, token, "GET", fmt.Sprintf("/zones?per_page=100&page=%d", page), "")
		var zs []struct{ Name string }
		if err := json.Unmarshal(a.Result, &zs); err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			if seen[z.Name] {
				t.Errorf("zone %s listed twice", z.Name)
			}
			seen[z.Name] = true
		}
		ri := a.ResultInfo
		got = append(got, info{ri.Page, ri.PerPage, ri.Count, ri.TotalCount, ri.TotalPages})
	}
	// 121 zones: example.com and the 120 generated.
	want := []info{{1, 50, 50, 121, 3}, {2, 50, 50, 121, 3}, {3, 50, 21, 121, 3}, {4, 50, 0, 121, 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result_info (-want +got):\n%s", diff)
	}
	if len(seen) != 121 {
		t.Errorf("%d zones listed, want 121", len(seen))
	}
	a := call(t, s, token, "GET", "/zones", "")
	if a.ResultInfo.PerPage != 20 || a.ResultInfo.TotalPages != 7 {
		t.Errorf("default paging: %+v, want per_page 20 and 7 pages", a.ResultInfo)
	}
	zid := s.AddZone("zone00003.example")
	call(t, s, token, "GET", "/zones/"+zid+"/dns_records", "")
	want2 := map[string]int{"GET /zones": 5, "GET /zones/{id}/dns_records": 1}
	if diff := cmp.Diff(want2, s.Counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	s.DeleteZone(zid)
	if a := call(t, s, token, "GET", "/zones/"+zid+"/dns_records", ""); a.Status != 404 {
		t.Errorf("a deleted zone's records: HTTP %d, want 404", a.Status)
	}
}
