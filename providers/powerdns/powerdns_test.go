package powerdns_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/powerdns"
	"github.com/zonecast/zonecast/providers/providertest"
)

const origin = "example.com."

// startAPI starts PowerDNS with its HTTP API, serving example.com. as the
// conformance suite's head, and waits for the API to answer.
func startAPI(t *testing.T) (*dnstest.Server, *powerdns.Provider) {
	t.Helper()
	return startAPIB(t)
}

func startAPIB(t testing.TB) (*dnstest.Server, *powerdns.Provider) {
	t.Helper()
	s := dnstest.StartPowerDNS(t, dnstest.Options{API: true}, map[string]string{origin: providertest.Head})
	p := powerdns.New("pdns", s.APIURL, s.APIKey)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := p.Records(context.Background(), origin)
		if err == nil {
			return s, p
		}
		if time.Now().After(deadline) {
			t.Fatalf("the PowerDNS API at %s: %v", s.APIURL, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The conformance suite against a real pdns_server through its API.
func TestConformance(t *testing.T) {
	_, p := startAPI(t)
	providertest.Run(t, p, origin)
	// Each apply is one PATCH and each read one GET: nothing else.
	if n := p.Requests(); n == 0 {
		t.Error("no request counted")
	}
}

// A zone the server does not have is ErrZoneNotFound; a wrong key says so,
// without the key.
func TestNotFoundAndBadKey(t *testing.T) {
	s, p := startAPI(t)
	if _, err := p.Records(context.Background(), "nosuch.example."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("unknown zone: %v, want ErrZoneNotFound", err)
	}
	bad := powerdns.New("pdns", s.APIURL, "not-the-key")
	_, err := bad.Records(context.Background(), origin)
	if err == nil || !strings.Contains(err.Error(), "API key is refused") || strings.Contains(err.Error(), "not-the-key") || strings.Contains(err.Error(), s.APIKey) {
		t.Errorf("wrong key: %v", err)
	}
}

// An RRset holding a disabled record is protected: neither changed nor
// deleted, whatever the zone file says.
func TestDisabledRecordsProtected(t *testing.T) {
	s, p := startAPI(t)
	body := `{"rrsets":[{"name":"off.example.com.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.9","disabled":true}]}]}`
	req, _ := http.NewRequest(http.MethodPatch, s.APIURL+"/api/v1/servers/localhost/zones/"+origin, bytes.NewBufferString(body))
	req.Header.Set("X-API-Key", s.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode >= 300 {
		t.Fatalf("PATCH a disabled record: %v %v", err, resp)
	}
	resp.Body.Close()
	sets, err := p.Records(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		if set.Name == "off.example.com." {
			if set.Protected == "" {
				t.Errorf("off A %v: want protected", set)
			}
			return
		}
	}
	t.Error("the disabled record's RRset is not listed")
}
