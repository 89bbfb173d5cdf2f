package dnssec

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// Key is one of the zone owner's signing keys: its public DNSKEY and the
// private key that signs with it. The private part never leaves the value:
// String, GoString and LogValue show the public identity only.
type Key struct {
	// DNSKEY is the public key, owner name canonical.
	DNSKEY *dns.DNSKEY
	// File is where the private key was read from, for messages; empty for
	// a key made by Generate.
	File string

	signer crypto.Signer
}

// Algorithms lists the DNSSEC algorithms zonecast signs with:
// RSASHA256 (8), RSASHA512 (10), ECDSAP256SHA256 (13), ECDSAP384SHA384 (14)
// and ED25519 (15).
var Algorithms = []uint8{dns.RSASHA256, dns.RSASHA512, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519}

func supported(alg uint8) bool {
	for _, a := range Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// KSK reports whether the key is a key-signing key: its SEP flag is set
// (flags 257). A KSK signs the DNSKEY RRset; the others (256) sign the rest.
func (k *Key) KSK() bool { return k.DNSKEY.Flags&dns.SEP != 0 }

// Tag returns the key tag (RFC 4034 Appendix B).
func (k *Key) Tag() uint16 { return k.DNSKEY.KeyTag() }

// Zone returns the zone the key belongs to, canonical.
func (k *Key) Zone() string { return k.DNSKEY.Hdr.Name }

// Rdata returns the DNSKEY's canonical presentation rdata, as it appears in
// a zones.RRset.
func (k *Key) Rdata() string {
	c := *k.DNSKEY
	return zones.Rdata(&c)
}

// DS returns the canonical rdata of the key's DS record with a SHA-256
// digest (RFC 4509), what the parent publishes for a KSK.
func (k *Key) DS() string { return zones.Rdata(k.DNSKEY.ToDS(dns.SHA256)) }

// String names the key without its private part, such as
// "example.com. KSK 13/12345".
func (k *Key) String() string {
	role := "ZSK"
	if k.KSK() {
		role = "KSK"
	}
	return fmt.Sprintf("%s %s %d/%d", k.Zone(), role, k.DNSKEY.Algorithm, k.Tag())
}

// GoString is String, so that %#v does not print the private key.
func (k *Key) GoString() string { return k.String() }

// LogValue is String.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// LoadKey reads a key pair written by BIND's dnssec-keygen (or ldns, Knot's
// keymgr export): path names the .private file; the .key beside it (the same
// name ending in .key) holds the DNSKEY. The error names the files, never
// the private key's content.
func LoadKey(path string) (*Key, error) {
	base, ok := strings.CutSuffix(path, ".private")
	if !ok {
		return nil, fmt.Errorf("key file %s: name the .private file of the pair; its .key must be beside it", path)
	}
	pub, err := os.ReadFile(base + ".key")
	if err != nil {
		return nil, fmt.Errorf("public key of %s: %w", path, err)
	}
	priv, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	k, err := ParseKey(pub, priv, path)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ParseKey reads a key pair from the text of its .key file (the DNSKEY
// record, comments allowed) and its .private file (Private-key-format v1.x).
// file names the pair in errors. The DNSKEY must be a zone key (flags 256 or
// 257, protocol 3) of a supported algorithm, and the private key must be
// the one of the public key.
func ParseKey(public, private []byte, file string) (*Key, error) {
	rr, err := dns.ReadRR(bytes.NewReader(public), strings.TrimSuffix(file, ".private")+".key")
	if err != nil {
		return nil, fmt.Errorf("public key of %s: %w", file, err)
	}
	pub, ok := rr.(*dns.DNSKEY)
	if !ok {
		return nil, fmt.Errorf("public key of %s: want a DNSKEY record, got %s", file, describeRR(rr))
	}
	if pub.Protocol != 3 || pub.Flags&dns.ZONE == 0 || pub.Flags&^(dns.ZONE|dns.SEP) != 0 {
		return nil, fmt.Errorf("public key of %s: flags %d protocol %d: not a zone signing key (want flags 256 or 257, protocol 3)", file, pub.Flags, pub.Protocol)
	}
	if !supported(pub.Algorithm) {
		return nil, fmt.Errorf("key %s: algorithm %d (%s) is not one zonecast signs with (%s)", file, pub.Algorithm, dns.AlgorithmToString[pub.Algorithm], algorithmList())
	}
	pub.Hdr.Name = zones.CanonicalName(pub.Hdr.Name)
	p, err := pub.ReadPrivateKey(bytes.NewReader(private), file)
	if err != nil {
		// miekg/dns's messages name the field, not its value.
		return nil, fmt.Errorf("private key %s: %w", file, err)
	}
	signer, ok := p.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key %s: cannot sign with a %T", file, p)
	}
	k := &Key{DNSKEY: pub, File: file, signer: signer}
	if err := k.check(); err != nil {
		return nil, fmt.Errorf("key %s: %w", file, err)
	}
	return k, nil
}

// check signs a probe record and verifies it with the public key, so that a
// .private that belongs to another .key is found when the key is loaded,
// not when resolvers fail to validate.
func (k *Key) check() error {
	probe := &dns.TXT{Hdr: dns.RR_Header{Name: k.Zone(), Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: []string{"zonecast key check"}}
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: 0}, Algorithm: k.DNSKEY.Algorithm, KeyTag: k.Tag(), SignerName: k.Zone(), Inception: 0, Expiration: 1<<32 - 1}
	if err := sig.Sign(k.signer, []dns.RR{probe}); err != nil {
		return fmt.Errorf("sign with the private key: %w", err)
	}
	if err := sig.Verify(k.DNSKEY, []dns.RR{probe}); err != nil {
		return errors.New("the private key does not match the public key (is the .key beside it of another key?)")
	}
	return nil
}

// Generate makes a new key for zone: a KSK when ksk, else a ZSK, of
// algorithm alg (bits for RSA only; ECDSA and ED25519 sizes are fixed). It
// is for tests and for `zonecast` commands that create keys; keys that
// sign real zones are usually made with dnssec-keygen or a signer's own
// tools and loaded with LoadKey.
func Generate(zone string, alg uint8, ksk bool, bits int) (*Key, error) {
	if !supported(alg) {
		return nil, fmt.Errorf("algorithm %d is not one zonecast signs with (%s)", alg, algorithmList())
	}
	flags := uint16(dns.ZONE)
	if ksk {
		flags |= dns.SEP
	}
	switch alg {
	case dns.ECDSAP256SHA256:
		bits = 256
	case dns.ECDSAP384SHA384:
		bits = 384
	case dns.ED25519:
		bits = 256
	default:
		if bits == 0 {
			bits = 2048
		}
	}
	pub := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zones.CanonicalName(zone), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: alg}
	p, err := pub.Generate(bits)
	if err != nil {
		return nil, fmt.Errorf("generate a key for %s: %w", zone, err)
	}
	return &Key{DNSKEY: pub, signer: p.(crypto.Signer)}, nil
}

// PrivateText returns the key's private part in BIND's .private format,
// for writing a generated key to a file readable by its owner alone. It is
// the one method that shows the private key.
func (k *Key) PrivateText() string { return k.DNSKEY.PrivateKeyString(k.signer) }

// FileBase returns BIND's name for the key's files without extension,
// K<zone>+<alg>+<tag>, such as Kexample.com.+013+12345.
func (k *Key) FileBase() string {
	return fmt.Sprintf("K%s+%03d+%05d", k.Zone(), k.DNSKEY.Algorithm, k.Tag())
}

func algorithmList() string {
	var s []string
	for _, a := range Algorithms {
		s = append(s, fmt.Sprintf("%d %s", a, dns.AlgorithmToString[a]))
	}
	return strings.Join(s, ", ")
}

func describeRR(rr dns.RR) string {
	if rr == nil {
		return "nothing"
	}
	return zones.TypeString(rr.Header().Rrtype)
}
