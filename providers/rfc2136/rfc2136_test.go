package rfc2136_test

import (
	"testing"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

const origin = "example.com."

func provider(t testing.TB, s *dnstest.Server) *rfc2136.Provider {
	t.Helper()
	p, err := rfc2136.New(s.Kind, rfc2136.Config{
		Server: s.Addr,
		TSIG:   rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformanceBIND(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	providertest.Run(t, provider(t, s), origin)
}

func TestConformanceKnot(t *testing.T) {
	s := dnstest.StartKnot(t, map[string]string{origin: providertest.Head})
	providertest.Run(t, provider(t, s), origin)
}
