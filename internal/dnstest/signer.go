package dnstest

import (
	"crypto"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// How each kind of server signs with Options.Sign. Every signer uses
// Options.SignAlgorithm (ECDSAP256SHA256, 13, unless set), a KSK and a ZSK
// that never roll on their own, NSEC, and a DNSKEY TTL of signerDNSKEYTTL,
// so that keys reach their "published" states within a test's time (a
// real zone uses hours).
const signerDNSKEYTTL = 5 // seconds

// signAlgorithms are the algorithms Options.SignAlgorithm may name, as
// BIND and Knot (the same mnemonics, RFC 8624) and pdnsutil spell them.
var signAlgorithms = map[uint8]struct{ name, pdns string }{
	dns.RSASHA256:       {"rsasha256", "rsasha256"},
	dns.RSASHA512:       {"rsasha512", "rsasha512"},
	dns.ECDSAP256SHA256: {"ecdsap256sha256", "ecdsa256"},
	dns.ECDSAP384SHA384: {"ecdsap384sha384", "ecdsa384"},
	dns.ED25519:         {"ed25519", "ed25519"},
	dns.ED448:           {"ed448", "ed448"},
}

// bindPolicy is the dnssec-policy of a signing named (BIND 9.18 ARM,
// "dnssec-policy Grammar"). A KSK and a ZSK, unlimited lifetimes, no
// safety margins and no propagation delays: keys move through their states
// as soon as the DNSKEY TTL allows.
func (s *Server) bindPolicy() string {
	return fmt.Sprintf(`
dnssec-policy "dnstest" {
	keys {
		ksk lifetime unlimited algorithm %[1]s;
		zsk lifetime unlimited algorithm %[1]s;
	};
	dnskey-ttl %[2]d;
	publish-safety 0;
	retire-safety 0;
	purge-keys 0;
	zone-propagation-delay 0;
	parent-ds-ttl %[2]d;
	parent-propagation-delay 0;
	max-zone-ttl 86400;
	signatures-refresh 5d;
	signatures-validity 14d;
	signatures-validity-dnskey 14d;
};
`, signAlgorithms[s.signAlg].name, signerDNSKEYTTL)
}

// bindZoneSigning is the part of a zone statement that makes named sign
// it: the zone is dynamic (update-policy), so it is signed in place, not
// inline (BIND 9.18 ARM: dnssec-policy needs a dynamic zone or
// inline-signing).
func (s *Server) bindZoneSigning() string {
	if !s.sign {
		return ""
	}
	return fmt.Sprintf("\tdnssec-policy \"dnstest\";\n\tinline-signing no;\n\tkey-directory %q;\n", filepath.Join(s.dir, "keys"))
}

// knotSigning is knot.conf's keystore and policy sections of a signing
// knotd (knot.conf(5), "Policy section"), before the template that names
// them: Knot wants an identifier defined before it is referred to.
func (s *Server) knotSigning() string {
	if !s.sign {
		return ""
	}
	return fmt.Sprintf(`
keystore:
  - id: dnstest
    backend: pem
    config: %q

policy:
  - id: dnstest
    keystore: dnstest
    algorithm: %s
    single-type-signing: off
    ksk-lifetime: 0
    zsk-lifetime: 0
    dnskey-ttl: %d
    zone-max-ttl: 86400
    propagation-delay: 0
    nsec3: off
    # CDS and CDNSKEY for the KSK all the time, not only in a rollover.
    cds-cdnskey-publish: always
    # Keep the DNSKEY, CDS and CDNSKEY records of other signers (RFC 8901).
    # which needs delete-delay: how long Knot keeps a key it removed in
    # its KASP database, to tell its own old keys from foreign ones.
    dnskey-management: incremental
    delete-delay: 1d
`, filepath.Join(s.dir, "keys"), signAlgorithms[s.signAlg].name, signerDNSKEYTTL)
}

// knotTemplateSigning is the lines of knot.conf's default template that
// turn signing on.
func (s *Server) knotTemplateSigning() string {
	if !s.sign {
		return ""
	}
	return "    dnssec-signing: on\n    dnssec-policy: dnstest\n"
}

// pdnsSigningSteps are the pdnsutil steps, after load-zone, that make
// pdns_server sign origin live (PowerDNS 4.7 docs, "DNSSEC: Live
// signing"): a KSK and a ZSK in the database, NSEC (no NSEC3PARAM).
func (s *Server) pdnsSigningSteps(origin string) [][]string {
	if !s.sign {
		return nil
	}
	alg := signAlgorithms[s.signAlg].pdns
	var bits []string
	if strings.HasPrefix(alg, "rsa") {
		bits = []string{"2048"} // pdnsutil wants a size for RSA
	}
	key := func(kind string) []string {
		return append(append([]string{"add-zone-key", origin, kind}, bits...), "active", "published", alg)
	}
	return [][]string{key("ksk"), key("zsk"), {"rectify-zone", origin}}
}

// Update sends one UPDATE (RFC 2136) for origin, signed with the Server's
// TSIG key over TCP, that adds insert and deletes remove (each RR exactly,
// RFC 2136 2.5.4), and returns the reply's rcode. It fails the test only
// when no reply comes or the reply's TSIG does not verify.
func (s *Server) Update(t testing.TB, origin string, insert, remove []dns.RR) int {
	t.Helper()
	origin = dns.Fqdn(origin)
	m := new(dns.Msg)
	m.SetUpdate(origin)
	if len(insert) > 0 {
		m.Insert(insert)
	}
	if len(remove) > 0 {
		m.Remove(remove)
	}
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: s.tsigSecrets()}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("update %s at %s %s: %v", origin, s.Kind, s.Addr, err)
	}
	return r.Rcode
}

// Signed is an RRset as a signing server serves it, with its signatures.
type Signed struct {
	Rcode int
	RRs   []dns.RR     // the answer's records of the type asked for
	Sigs  []*dns.RRSIG // the RRSIGs covering them
}

// QuerySigned asks the server for name's qtype records over TCP with the
// DO bit (RFC 3225) and returns them with their RRSIGs. It fails the test
// if no reply comes.
func (s *Server) QuerySigned(t testing.TB, name string, qtype uint16) Signed {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	m.SetEdns0(4096, true)
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("%s %s at %s %s: %v", name, dns.TypeToString[qtype], s.Kind, s.Addr, err)
	}
	out := Signed{Rcode: r.Rcode}
	for _, rr := range r.Answer {
		switch rr := rr.(type) {
		case *dns.RRSIG:
			if rr.TypeCovered == qtype {
				out.Sigs = append(out.Sigs, rr)
			}
		default:
			if rr.Header().Rrtype == qtype {
				out.RRs = append(out.RRs, rr)
			}
		}
	}
	return out
}

// VerifiedBy returns the key tags of the keys whose RRSIG over s.RRs is
// valid now (RFC 4035 5.3), in the order of s.Sigs.
func (s Signed) VerifiedBy(keys []*dns.DNSKEY) []uint16 {
	var tags []uint16
	for _, sig := range s.Sigs {
		for _, k := range keys {
			if k.KeyTag() != sig.KeyTag || k.Algorithm != sig.Algorithm {
				continue
			}
			if sig.Verify(k, s.RRs) == nil && sig.ValidityPeriod(time.Now()) {
				tags = append(tags, k.KeyTag())
				break
			}
		}
	}
	return tags
}

// DNSKEYs returns the DNSKEY records among rrs.
func DNSKEYs(rrs []dns.RR) []*dns.DNSKEY {
	var keys []*dns.DNSKEY
	for _, rr := range rrs {
		if k, ok := rr.(*dns.DNSKEY); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// NewKey makes a fresh ECDSAP256SHA256 DNSKEY for origin with flags (256:
// a ZSK, 257: a KSK) and ttl, as another signer's key would be, and
// returns it with its private key (for signing with dns.RRSIG.Sign).
func NewKey(t testing.TB, origin string, flags uint16, ttl uint32) (*dns.DNSKEY, crypto.Signer) {
	t.Helper()
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: dns.Fqdn(origin), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: ttl},
		Flags:     flags,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
	}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatalf("make a DNSKEY for %s: %v", origin, err)
	}
	return k, priv.(crypto.Signer)
}

// bindControls is named.conf's controls statement: none, or for a
// signing named an rndc channel on a free port of 127.0.0.1, keyed with the
// Server's TSIG key, and the rndc.conf that reaches it.
func (s *Server) bindControls() (string, error) {
	if !s.sign {
		return "controls { };", nil
	}
	port, err := freePort()
	if err != nil {
		return "", fmt.Errorf("rndc port: %w", err)
	}
	s.rndcConf = filepath.Join(s.dir, "rndc.conf")
	conf := fmt.Sprintf("key %q { algorithm %s; secret %q; };\noptions { default-key %q; default-server 127.0.0.1; default-port %d; };\n",
		s.KeyName, s.KeyAlg, s.Secret, s.KeyName, port)
	if err := os.WriteFile(s.rndcConf, []byte(conf), 0o600); err != nil {
		return "", err
	}
	return fmt.Sprintf("controls { inet 127.0.0.1 port %d allow { 127.0.0.1; } keys { %q; }; };", port, s.KeyName), nil
}

// Control runs the server's own control program with args and returns
// what it printed: rndc for BIND (only with Options.Sign, which gives named
// a control channel), knotc for Knot, pdnsutil for PowerDNS (it works on
// the database; pdns_server may cache what it read for a while). It fails
// the test if the program fails.
func (s *Server) Control(t testing.TB, args ...string) string {
	t.Helper()
	var prog string
	var pre []string
	switch s.Kind {
	case "bind":
		if s.rndcConf == "" {
			t.Fatalf("control bind: only a signing named (Options.Sign) has a control channel")
		}
		prog, pre = Tool(t, "rndc"), []string{"-c", s.rndcConf}
	case "knot":
		prog, pre = Tool(t, "knotc"), []string{"-c", filepath.Join(s.dir, "knot.conf")}
	case "pdns":
		prog, pre = Tool(t, "pdnsutil"), []string{"--config-dir=" + s.dir}
	default:
		t.Fatalf("control %s: no control program", s.Kind)
	}
	cmd := exec.Command(prog, append(pre, args...)...)
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", filepath.Base(prog), strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out)
}

// pdnsSigningConfig is the part of pdns.conf for a signing pdns_server:
// keys changed with pdnsutil (a rollover, Server.Control) are served at
// once, not after the key cache's 30 s and the packet cache's 20 s.
func (s *Server) pdnsSigningConfig() string {
	if !s.sign {
		return ""
	}
	return "dnssec-key-cache-ttl=0\ncache-ttl=0\n"
}

// send sends the UPDATE m, signed with the Server's TSIG key over TCP, and
// returns the reply's rcode.
func (s *Server) send(t testing.TB, m *dns.Msg) int {
	t.Helper()
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: s.tsigSecrets()}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("update %s at %s %s: %v", m.Question[0].Name, s.Kind, s.Addr, err)
	}
	return r.Rcode
}

// signedReady reports whether a signing server serves origin signed: the
// apex SOA, DNSKEY and NSEC RRsets, each with an RRSIG.
func (s *Server) signedReady(origin string) error {
	c := &dns.Client{Net: "tcp", Timeout: 250 * time.Millisecond}
	for _, qtype := range []uint16{dns.TypeSOA, dns.TypeDNSKEY, dns.TypeNSEC} {
		m := new(dns.Msg)
		m.SetQuestion(origin, qtype)
		m.SetEdns0(4096, true)
		r, _, err := c.Exchange(m, s.Addr)
		if err != nil {
			return err
		}
		var rrs, sigs int
		for _, rr := range r.Answer {
			if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == qtype {
				sigs++
			} else if rr.Header().Rrtype == qtype {
				rrs++
			}
		}
		if rrs == 0 || sigs == 0 {
			return fmt.Errorf("%s %s: %d records, %d signatures: not signed yet", origin, dns.TypeToString[qtype], rrs, sigs)
		}
	}
	return nil
}
