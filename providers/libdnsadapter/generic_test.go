package libdnsadapter_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/libdns/libdns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/zones"
)

// memClient is a libdns package without a Native path: an in-memory zone
// whose DeleteRecords, like most libdns packages', deletes by value.
type memClient struct {
	Token string `json:"token"`
	mu    sync.Mutex
	recs  []libdns.RR
	calls []string
	// skip makes DeleteRecords skip this value, as a package that does not
	// match the form its service stores it in does.
	skip string
}

func (m *memClient) GetRecords(context.Context, string) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "get")
	out := make([]libdns.Record, len(m.recs))
	for i, r := range m.recs {
		out[i] = r
	}
	return out, nil
}

func (m *memClient) SetRecords(_ context.Context, _ string, recs []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "set")
	for _, r := range recs {
		rr := r.RR()
		m.recs = slices.DeleteFunc(m.recs, func(x libdns.RR) bool { return x.Name == rr.Name && x.Type == rr.Type })
	}
	for _, r := range recs {
		m.recs = append(m.recs, r.RR())
	}
	return recs, nil
}

func (m *memClient) DeleteRecords(_ context.Context, _ string, recs []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "delete")
	var gone []libdns.Record
	for _, r := range recs {
		rr := r.RR()
		if rr.Data == m.skip {
			continue
		}
		if i := slices.IndexFunc(m.recs, func(x libdns.RR) bool { return x.Name == rr.Name && x.Type == rr.Type && x.Data == rr.Data }); i >= 0 {
			m.recs = slices.Delete(m.recs, i, i+1)
			gone = append(gone, r)
		}
	}
	return gone, nil
}

var mem = &memClient{}

func init() {
	libdnsadapter.Register(&libdnsadapter.Package{Name: "mem", Module: "example.invalid/mem", Version: "v0.0.1", VerifiedAt: "v0.0.1", VerifiedAgainst: "memory",
		New: func() libdnsadapter.Client { return mem }})
}

// Without a Native path: deletions go first (DeleteRecords, one call),
// then the sets (SetRecords, one call); a value the package skips is an
// error, not a silent success; an RRset libdns itself cannot parse is
// refused before any call.
func TestGenericPath(t *testing.T) {
	p, err := libdnsadapter.Driver.New("m", &libdnsadapter.Config{Package: "mem", RequestsPerSecond: 1000}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := zones.RRset{Name: "x." + origin, Type: 1, TTL: 300, Data: []string{"192.0.2.1"}}
	cname := zones.RRset{Name: "x." + origin, Type: 5, TTL: 300, Data: []string{"www.example.net."}}
	if _, err := p.Apply(ctx, origin, []providers.Change{{Set: a}}); err != nil {
		t.Fatal(err)
	}
	mem.calls = nil
	n, err := p.Apply(ctx, origin, []providers.Change{{Set: cname}, {Delete: true, Set: a, Before: &a}})
	if err != nil || n != 2 || !slices.Equal(mem.calls, []string{"delete", "set"}) {
		t.Fatalf("swap: %d applied, %v, calls %v; want delete then set", n, err, mem.calls)
	}
	sets, err := p.Records(ctx, origin)
	if err != nil || len(sets) != 1 || sets[0].Type != 5 {
		t.Fatalf("read %v %v", sets, err)
	}
	mem.skip = "www.example.net."
	_, err = p.Apply(ctx, origin, []providers.Change{{Delete: true, Set: cname, Before: &cname}})
	if err == nil || !strings.Contains(err.Error(), "left records it was asked to delete") {
		t.Errorf("a skipped deletion: %v", err)
	}
	mem.skip, mem.calls = "", nil
	srv := zones.RRset{Name: "nolabels." + origin, Type: 33, TTL: 300, Data: []string{"10 60 5060 sip.example.net."}}
	_, err = p.Apply(ctx, origin, []providers.Change{{Set: a}, {Set: srv}})
	if err == nil || !strings.Contains(err.Error(), "so none was made") || len(mem.calls) != 0 {
		t.Errorf("an SRV libdns cannot parse: %v, calls %v", err, mem.calls)
	}
}
