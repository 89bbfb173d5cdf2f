package route53

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// GetDNSSEC, GET /2013-04-01/hostedzone/{Id}/dnssec: the zone's signing
// status (Status.ServeSignature: SIGNING, NOT_SIGNING, DELETING,
// ACTION_NEEDED, INTERNAL_FAILURE) and its key-signing keys, each with its
// DNSKEYRecord and DSRecord (docs.aws.amazon.com/Route53/latest/APIReference/
// API_GetDNSSEC.html; aws-sdk-go-v2 service/route53 types.KeySigningKey and
// DNSSECStatus). The zone-signing key is Route 53's and is not in the API
// ("ZSK management is performed by Route 53", Developer Guide,
// dns-configuring-dnssec.html). A KSK is backed by a customer managed KMS key
// of spec ECC_NIST_P256, so its algorithm is 13, ECDSAP256SHA256
// (dns-configuring-dnssec-cmk-requirements.html).
//
// DNSKEY is not in the API's RRType enumeration (rrTypes), so a DNSKEY
// record set is refused like any unknown type: Route 53 cannot carry another
// signer's keys.

// signing is a zone's DNSSEC signing.
type signing struct {
	status string // ServeSignature; "" is NOT_SIGNING
	ksks   []ksk
}

type ksk struct {
	name string
	key  *dns.DNSKEY
}

type wireGetDNSSECResponse struct {
	XMLName        xml.Name     `xml:"GetDNSSECResponse"`
	Xmlns          string       `xml:"xmlns,attr"`
	Status         wireDNSSECSt `xml:"Status"`
	KeySigningKeys []wireKSK    `xml:"KeySigningKeys>member"`
}

type wireDNSSECSt struct {
	ServeSignature string `xml:"ServeSignature"`
	StatusMessage  string `xml:"StatusMessage,omitempty"`
}

type wireKSK struct {
	Name                     string `xml:"Name"`
	KmsArn                   string `xml:"KmsArn"`
	Flag                     int    `xml:"Flag"`
	SigningAlgorithmMnemonic string `xml:"SigningAlgorithmMnemonic"`
	SigningAlgorithmType     int    `xml:"SigningAlgorithmType"`
	DigestAlgorithmMnemonic  string `xml:"DigestAlgorithmMnemonic"`
	DigestAlgorithmType      int    `xml:"DigestAlgorithmType"`
	KeyTag                   int    `xml:"KeyTag"`
	DigestValue              string `xml:"DigestValue"`
	PublicKey                string `xml:"PublicKey"`
	DSRecord                 string `xml:"DSRecord"`
	DNSKEYRecord             string `xml:"DNSKEYRecord"`
	Status                   string `xml:"Status"`
}

// EnableSigning turns DNSSEC signing of the hosted zone id on, as
// EnableHostedZoneDNSSEC after CreateKeySigningKey does, with one ACTIVE
// KSK named name (made with miekg/dns, algorithm 13). It returns the KSK's
// DNSKEY rdata, or "" for an unknown zone.
func (s *Server) EnableSigning(id, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return ""
	}
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: dns.Fqdn(z.name), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	// Generate reads crypto/rand, which since Go 1.24 never fails, with a
	// valid size for the algorithm: its error cannot happen here.
	_, _ = k.Generate(256)
	z.signing.status = "SIGNING"
	z.signing.ksks = append(z.signing.ksks, ksk{name: name, key: k})
	return strings.TrimPrefix(k.String(), k.Hdr.String())
}

// getDNSSEC serves GetDNSSEC.
func (s *Server) getDNSSEC(id string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return nil, noSuchZone(id)
	}
	out := wireGetDNSSECResponse{Xmlns: xmlns, Status: wireDNSSECSt{ServeSignature: z.signing.status}}
	if out.Status.ServeSignature == "" {
		out.Status.ServeSignature = "NOT_SIGNING"
	}
	for _, k := range z.signing.ksks {
		ds := k.key.ToDS(dns.SHA256)
		digest := strings.ToUpper(ds.Digest)
		out.KeySigningKeys = append(out.KeySigningKeys, wireKSK{
			Name: k.name, KmsArn: "arn:aws:kms:us-east-1:111122223333:key/" + k.name, Flag: int(k.key.Flags),
			SigningAlgorithmMnemonic: "ECDSAP256SHA256", SigningAlgorithmType: int(k.key.Algorithm),
			DigestAlgorithmMnemonic: "SHA-256", DigestAlgorithmType: 2, KeyTag: int(k.key.KeyTag()),
			DigestValue: digest, PublicKey: k.key.PublicKey,
			DSRecord:     fmt.Sprintf("%d %d 2 %s", ds.KeyTag, ds.Algorithm, digest),
			DNSKEYRecord: fmt.Sprintf("%d %d %d %s", k.key.Flags, k.key.Protocol, k.key.Algorithm, k.key.PublicKey),
			Status:       "ACTIVE",
		})
	}
	return out, nil
}
