package route53

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Route 53 DNSSEC signing, as AWS documents it (Developer Guide,
// "Configuring DNSSEC signing in Amazon Route 53", dns-configuring-dnssec.html,
// and "Working with customer managed keys for DNSSEC",
// dns-configuring-dnssec-cmk-requirements.html; API Reference GetDNSSEC):
//   - each KSK is backed by an asymmetric customer managed KMS key of spec
//     ECC_NIST_P256 in us-east-1, so it is algorithm 13 (ECDSAP256SHA256);
//   - "ZSK management is performed by Route 53": the ZSK is Route 53's, made
//     per hosted zone, rolled by it, and not shown by the API;
//   - DNSKEY is not one of its record types ("Supported DNS record types",
//     ResourceRecordTypes.html; the SDK's RRType enumeration has no DNSKEY),
//     so another signer's ZSK cannot be published in its DNSKEY RRset. No AWS
//     page describes a multi-signer setup; Route 53 cannot take part in RFC
//     8901 model 2.
//   - it does not publish CDS/CDNSKEY as far as its documentation says (no
//     page mentions them: unverified).

// signerCaps is the provider's providers.SignerCaps.
func signerCaps() providers.SignerCaps {
	return providers.SignerCaps{Signs: true, Algorithms: []uint8{dns.ECDSAP256SHA256},
		Enable: "Route 53 signs with keys it keeps and cannot publish other signers' DNSKEYs (DNSKEY is not among its record types): " +
			"take it out of this zone's providers, or keep the zone unsigned",
		Notes: []string{"signs with a KSK backed by a KMS key (ECDSAP256SHA256; at most two KSKs) and a ZSK it keeps and rolls itself; takes no foreign DNSKEY; no CDS/CDNSKEY documented",
			"while signing, Route 53 caps every TTL at one week"}}
}

// ErrNoForeignKeys is SetForeignKeys at Route 53: it wraps
// providers.ErrForeignKeysRefused.
var ErrNoForeignKeys = fmt.Errorf("a Route 53 hosted zone holds no DNSKEY records and is signed with Route 53's own keys only: %w", providers.ErrForeignKeysRefused)

// SignerState implements providers.Signer with GetDNSSEC: the signing
// status (ServeSignature), the ACTIVE key-signing keys' DNSKEY and DS. The
// ZSK is not in the API: Keys holds the KSKs only, and a note says so.
func (p *Provider) SignerState(ctx context.Context, origin string) (providers.SignerState, error) {
	origin = zones.CanonicalName(origin)
	for attempt := 0; ; attempt++ {
		zid, err := p.hostedZone(ctx, origin)
		if err != nil {
			return providers.SignerState{}, err
		}
		out, err := p.client.GetDNSSEC(ctx, &r53.GetDNSSECInput{HostedZoneId: aws.String(zid)})
		var gone *types.NoSuchHostedZone
		if err != nil && attempt == 0 && errors.As(err, &gone) && p.forget(origin, zid) {
			continue
		}
		if err != nil {
			return providers.SignerState{}, fmt.Errorf("read DNSSEC of %s at %s: %w", origin, p.name, err)
		}
		st, err := signerState(origin, out)
		st.Refusal = p.SetForeignKeys(ctx, origin, zones.RRset{Data: []string{"any"}}).Error()
		return st, err
	}
}

func signerState(origin string, out *r53.GetDNSSECOutput) (providers.SignerState, error) {
	st := providers.SignerState{Keys: zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: 3600},
		Notes: []string{"Route 53's ZSK is not in its API: ask its name servers for the DNSKEY RRset"}}
	if out.Status != nil {
		st.Status = aws.ToString(out.Status.ServeSignature)
	}
	st.Signing = st.Status == "SIGNING"
	for _, k := range out.KeySigningKeys {
		if aws.ToString(k.Status) != "ACTIVE" {
			continue
		}
		rr, err := dns.NewRR(origin + " 3600 IN DNSKEY " + aws.ToString(k.DNSKEYRecord))
		if err != nil || rr == nil {
			return providers.SignerState{}, fmt.Errorf("KSK %s of %s: DNSKEYRecord %q: %v", aws.ToString(k.Name), origin, aws.ToString(k.DNSKEYRecord), err)
		}
		st.Keys.Data = append(st.Keys.Data, zones.Rdata(rr))
		if ds, err := dns.NewRR(origin + " 3600 IN DS " + aws.ToString(k.DSRecord)); err == nil && ds != nil {
			st.DS = append(st.DS, zones.Rdata(ds))
		}
	}
	slices.Sort(st.Keys.Data)
	slices.Sort(st.DS)
	return st, nil
}

// SetForeignKeys implements providers.Signer: Route 53 cannot hold
// another signer's DNSKEY, so it always refuses with ErrNoForeignKeys and
// sends nothing. Removing every foreign key (empty Data) is no change.
func (p *Provider) SetForeignKeys(_ context.Context, origin string, keys zones.RRset) error {
	if len(keys.Data) == 0 {
		return nil
	}
	return fmt.Errorf("publish other signers' DNSKEYs for %s at %s: %w; take %s out of this zone's providers, or keep the zone unsigned",
		zones.CanonicalName(origin), p.name, ErrNoForeignKeys, p.name)
}

var _ providers.Signer = (*Provider)(nil)
