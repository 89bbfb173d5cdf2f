package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	cfemu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
)

// The DNSSEC drill's lab (issue 16): a signed loopback Internet of its own
// on 127.0.4.x (apart from the other drills' 127.0.2.x and 127.0.55.x and
// internal/dnstest's 127.0.0.x, since packages test in parallel), in which
// example.test. is served by three independent signers (RFC 8901 model 2)
// and zonecast is run as the built binary.
//
//	root .         BIND, static, signed by dnstest.SignZone with the TLD's DS;
//	               Unbound holds its DS as the trust anchor
//	TLD  test.     Knot, signing itself, taking TSIG UPDATEs (the zone's
//	               parent: provider "tld"): the delegation NS, glue, DS
//	bind           BIND signing example.test. itself (dnssec-policy on a
//	               dynamic zone), reached by rfc2136 (dnssec: server-signs)
//	knot           Knot signing itself (dnskey-management: incremental),
//	               rfc2136, dnssec: server-signs
//	zfile          a Knot that signs nothing and serves its zone file as
//	               it is, written by zonecast's zonefile provider (dnssec:
//	               zonecast-signs) and reloaded by `knotc -b zone-reload`;
//	               zonecast signs for it with the keys in Dir/keys
//	resolver       Unbound, validating from the root's DS
//
// Each provider's nameserver is ns.<name>-dns.test., in a domain of its own
// served by that provider, with glue at the TLD, as in drill_test.go. TTLs
// are seconds so that the waits of the multi-signer steps pass within a
// test: data and NS 3 s, negative answers 2 s, DNSKEY 5 s (BIND's and
// Knot's, dnstest.Options.Sign, and zonecast's keys), the TLD's delegation
// and DS 5 s.
//
// The lab starts in the state before DNSSEC is turned on for the zone:
// the TLD delegates to the providers of dlOptions.Delegated (all three by
// default) and holds no DS (so the zone is insecure: answers without AD),
// BIND and Knot sign with their own keys but hold no other signer's, and
// zfile serves the zone unsigned. What zonecast does from there (exchange
// the ZSKs, sign zfile's file, put the DS and the NS at the TLD) is done
// by hand in TestDNSSECLabByHand; the drill runs zonecast to do it.
//
// The harness, for a drill:
//
//	l := startDNSSECLab(t, dlOptions{})        // servers up, config written, binary built
//	l.MustZonecast(t, []int{0}, "apply", "--yes") // the binary in l.Dir, with the TSIG secrets
//	write(t, l.Config, dnssecLabConfig(t, l, "bind", "knot")) // another provider list
//	l.Check(t, "step")                         // resolver: AD for dlQuestions, else t.Errorf
//	l.CheckKeys(t, "step")                     // servers: every ZSK everywhere, cross-validation
//	l.Chain(t, "knot")                         // delv from the TLD's DS, that server alone
//	l.Stop(t, "bind"); l.Flush(); l.Start(t, "bind")
//	zsk := l.RollZSK(t, "knot"); l.WaitSigns(t, "knot", zsk)
//	l.Delegation(t), l.ServedDS(t), l.Keys(t, "zfile")
//
// ResolverProblems and KeyProblems are Check and CheckKeys that return
// the problems instead of failing the test (to wait for a state, or to
// assert one is not reached yet). The ...ByHand methods are the scaffold
// that zonecast's steps replace.
const (
	dlRootAddr     = "127.0.4.10"
	dlTLDAddr      = "127.0.4.11"
	dlBINDAddr     = "127.0.4.21"
	dlKnotAddr     = "127.0.4.22"
	dlZfileAddr    = "127.0.4.23"
	dlResolverAddr = "127.0.4.30"
	dlCFAddr       = "127.0.4.24" // the Cloudflare emulator's DNS front (dlOptions.Cloudflare)
	dlPDNSAddr     = "127.0.4.25" // PowerDNS (dlOptions.PowerDNS)

	dlOrigin    = "example.test."
	dlDataTTL   = 3 // the zone's records, apex NS included
	dlNegTTL    = 2 // the zone's SOA minimum: NXDOMAIN, NSEC
	dlDNSKEYTTL = 5 // every signer's DNSKEY RRset
	dlParentTTL = 5 // the TLD's records: delegation NS, glue, DS
)

// dlProviders are the lab's providers of example.test., as zonecast.yaml
// names them, in the order dnssecLabConfig lists them.
var dlProviders = []string{"bind", "knot", "zfile"}

// dlZone is example.test. as the zone file (the source of truth) has it,
// with the SOA serial serial.
func dlZone(serial uint32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL %d\n@ SOA ns.bind-dns.test. hostmaster %d 3600 600 86400 %d\n", dlOrigin, dlDataTTL, serial, dlNegTTL)
	for _, p := range dlProviders {
		fmt.Fprintf(&b, "@ NS ns.%s-dns.test.\n", p)
	}
	b.WriteString("www A 192.0.2.40\nw1 A 192.0.2.41\nw2 A 192.0.2.42\nw3 A 192.0.2.43\n@ TXT \"multi-signer lab\"\n")
	return b.String()
}

// dlNSZone is a provider's own nameserver domain, name-dns.test.
func dlNSZone(addr string) string {
	return fmt.Sprintf("$TTL %d\n@ SOA ns hostmaster 1 3600 600 86400 %d\n@ NS ns\nns A %s\n", dlParentTTL, dlNegTTL, addr)
}

// dlOptions changes the lab's initial state (startDNSSECLab).
type dlOptions struct {
	// Delegated are the providers the TLD delegates example.test. to at
	// the start, in dlProviders' order; nil means all three. A drill that
	// adds a signer starts with it left out: its server runs and serves
	// the zone, but no resolver is sent to it.
	Delegated []string
	// Cloudflare adds a fourth provider, "cf": the Cloudflare emulator
	// (multi-signer DNSSEC on, its zone's multi-provider setting on),
	// answering DNS at dlCFAddr (its DNS front, signing online), its
	// nameserver ns.cf-dns.test. It is in no provider list by default:
	// name it in Delegated and dnssecLabConfig's providers.
	Cloudflare bool
	// PowerDNS adds "pdns": PowerDNS 4.7 signing the zone itself (live
	// signing, direct-dnskey), reached by rfc2136 like bind and knot, its
	// nameserver ns.pdns-dns.test. at dlPDNSAddr. Like cf, in no provider
	// list by default.
	PowerDNS bool
}

// dlTLDZone is test. as the TLD starts: the delegation of example.test.
// to the providers delegated, the glue of all three providers'
// nameservers (in their own domains), and no DS.
func dlTLDZone(delegated []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$TTL %d\ntest. SOA ns.nic.test. hostmaster.test. 1 3600 600 86400 %d\ntest. NS ns.nic.test.\nns.nic.test. A %s\n", dlParentTTL, dlNegTTL, dlTLDAddr)
	addrs := map[string]string{"bind": dlBINDAddr, "knot": dlKnotAddr, "zfile": dlZfileAddr}
	for _, p := range delegated {
		fmt.Fprintf(&b, "%s NS ns.%s-dns.test.\n", dlOrigin, p)
	}
	for _, p := range dlProviders {
		fmt.Fprintf(&b, "%s-dns.test. NS ns.%s-dns.test.\nns.%s-dns.test. A %s\n", p, p, p, addrs[p])
	}
	fmt.Fprintf(&b, "cf-dns.test. NS ns.cf-dns.test.\nns.cf-dns.test. A %s\n", dlCFAddr)
	fmt.Fprintf(&b, "pdns-dns.test. NS ns.pdns-dns.test.\nns.pdns-dns.test. A %s\n", dlPDNSAddr)
	return b.String()
}

// dlSigner is one provider of the lab's zone and the keys it signs with.
type dlSigner struct {
	Name   string          // as zonecast.yaml names it: bind, knot, zfile
	Server *dnstest.Server // the server that answers for it
	NS     string          // its nameserver's name, ns.bind-dns.test.
	Addr   string          // its nameserver's address, 127.0.4.21
	// KSK is the key that signs its DNSKEY RRset (for zfile, zonecast's).
	KSK *dns.DNSKEY
	// ZSKs are its own ZSKs as the lab knows them: read at the start,
	// then each new one RollZSK found (BIND drops its old one at once:
	// RollZSK forgets it). Every other signer's DNSKEY RRset must hold
	// them (RFC 8901 model 2).
	ZSKs []*dns.DNSKEY
}

// dnssecLab is the lab running for one test (see the comment on the
// constants above). Its methods must be called from the test's goroutine.
type dnssecLab struct {
	Dir      string // the configuration's folder: zonecast.yaml, example.test.zone, keys/
	Config   string // Dir/zonecast.yaml, written by dnssecLabConfig for every provider
	ZoneFile string // Dir/example.test.zone: the source of truth, serial 1
	KeyDir   string // Dir/keys: zonecast's KSK and ZSK for example.test. (dnssec-keygen)
	// RootHints is Dir/root.hints, the lab's root server, for zonecast's
	// --root-hints (verify, audit).
	RootHints string
	Bin       string // the zonecast binary, built from ./cmd/zonecast for this test

	Root     *dnstest.SignedZone // the root zone as signed; Root.DS is the trust anchor
	TLD      *dnstest.Server     // Knot serving test., signing itself
	TLDKSK   *dns.DNSKEY         // the TLD's KSK, whose DS the root holds
	Resolver *dnstest.Resolver   // Unbound at 127.0.4.30:53, validating

	// Signers are the zone's providers by name (bind, knot, zfile).
	Signers map[string]*dlSigner
	// ZonecastKSK and ZonecastZSK are zonecast's keys, in KeyDir; the
	// configuration names their .private files.
	ZonecastKSK, ZonecastZSK dnstest.Key

	// CF is the Cloudflare emulator (dlOptions.Cloudflare), cfStop stops
	// its DNS front.
	CF     *cfemu.Server
	cfStop func()

	env         []string // NAME=SECRET of the TSIG keys, for the binary only
	zfileSerial uint32   // the serial of the last file SignZfileByHand wrote
}

// startDNSSECLab starts the lab in its initial state (see above, and
// opts), writes zonecast's configuration for it (every provider serving
// the zone) and builds the binary. Everything stops when t ends. It fails
// the test if any part does not start, and skips it when a program is
// missing and CI is not true (dnstest.Tool).
func startDNSSECLab(t *testing.T, opts dlOptions) *dnssecLab {
	t.Helper()
	begin := time.Now()
	delegated := opts.Delegated
	if delegated == nil {
		delegated = dlProviders
	}
	for _, p := range delegated {
		if !slices.Contains(dlProviders, p) && (p != "cf" || !opts.Cloudflare) && (p != "pdns" || !opts.PowerDNS) {
			t.Fatalf("start the DNSSEC lab: no provider %q to delegate to (the lab has %v)", p, dlProviders)
		}
	}
	l := &dnssecLab{Dir: t.TempDir(), Signers: map[string]*dlSigner{}}
	l.Config = filepath.Join(l.Dir, "zonecast.yaml")
	l.ZoneFile = filepath.Join(l.Dir, "example.test.zone")
	l.KeyDir = filepath.Join(l.Dir, "keys")
	l.RootHints = filepath.Join(l.Dir, "root.hints")
	write(t, l.RootHints, ". 3600000 NS a.root.test.\na.root.test. 3600000 A "+dlRootAddr+"\n")
	if err := os.Mkdir(l.KeyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The build overlaps the servers' start-up; only its result is
	// looked at from here (the channel is buffered: a start-up that
	// fails first leaves no goroutine blocked).
	built := make(chan error, 1)
	l.Bin = filepath.Join(t.TempDir(), "zonecast")
	go func(bin string) { built <- buildZonecastBinary(bin) }(l.Bin)

	// The TLD first: the root holds the DS of the KSK it makes.
	l.TLD = dnstest.StartKnotWith(t, dnstest.Options{Addr: dlTLDAddr, Sign: true}, map[string]string{"test.": dlTLDZone(delegated)})
	l.TLDKSK = ownKeys(t, l.TLD, "test.", dns.ZONE|dns.SEP)[0]
	root := fmt.Sprintf("$TTL 300\n. SOA a.root.test. hostmaster.test. 1 3600 600 86400 300\n. NS a.root.test.\na.root.test. A %s\ntest. NS ns.nic.test.\nns.nic.test. A %s\n%s",
		dlRootAddr, dlTLDAddr, dnstest.DSText([]*dns.DNSKEY{l.TLDKSK}, dlParentTTL))
	l.Root = dnstest.SignZone(t, ".", root)
	dnstest.StartBINDWith(t, dnstest.Options{Addr: dlRootAddr}, map[string]string{".": l.Root.Text})

	seed := dlZone(1)
	write(t, l.ZoneFile, seed)
	type serverSpec struct {
		name, addr string
		start      func(testing.TB, dnstest.Options, map[string]string) *dnstest.Server
		sign       bool
	}
	specs := []serverSpec{
		{"bind", dlBINDAddr, dnstest.StartBINDWith, true},
		{"knot", dlKnotAddr, dnstest.StartKnotWith, true},
		{"zfile", dlZfileAddr, dnstest.StartKnotWith, false},
	}
	if opts.PowerDNS {
		specs = append(specs, serverSpec{"pdns", dlPDNSAddr, dnstest.StartPowerDNS, true})
	}
	for _, sp := range specs {
		s := sp.start(t, dnstest.Options{Addr: sp.addr, Sign: sp.sign}, map[string]string{
			dlOrigin: seed, sp.name + "-dns.test.": dlNSZone(sp.addr)})
		sg := &dlSigner{Name: sp.name, Server: s, NS: "ns." + sp.name + "-dns.test.", Addr: sp.addr}
		if sp.sign {
			sg.KSK = ownKeys(t, s, dlOrigin, dns.ZONE|dns.SEP)[0]
			sg.ZSKs = ownKeys(t, s, dlOrigin, dns.ZONE)
		}
		l.Signers[sp.name] = sg
		l.env = append(l.env, fmt.Sprintf("DL_%s_TSIG=%s", strings.ToUpper(sp.name), s.Secret))
	}
	l.env = append(l.env, "DL_TLD_TSIG="+l.TLD.Secret)
	if opts.Cloudflare {
		l.startCloudflare(t)
	}
	l.ZonecastKSK = dnstest.KeyGen(t, l.KeyDir, dlOrigin, true, dlDNSKEYTTL)
	l.ZonecastZSK = dnstest.KeyGen(t, l.KeyDir, dlOrigin, false, dlDNSKEYTTL)
	zf := l.Signers["zfile"]
	zf.KSK, zf.ZSKs = l.ZonecastKSK.DNSKEY, []*dns.DNSKEY{l.ZonecastZSK.DNSKEY}
	l.zfileSerial = 1

	l.Resolver = dnstest.StartUnboundWith(t, dlResolverAddr+":53", map[string]string{"a.root.test.": dlRootAddr},
		dnstest.ResolverOptions{TrustAnchors: []dns.RR{l.Root.DS}})
	write(t, l.Config, dnssecLabConfig(t, l, dlProviders...))
	if err := <-built; err != nil {
		t.Fatalf("build the zonecast binary: %v", err)
	}
	t.Logf("DNSSEC lab up in %v: root %s, TLD %s, bind %s, knot %s, zfile %s, resolver %s; config %s",
		time.Since(begin).Round(time.Millisecond), dlRootAddr, dlTLDAddr, dlBINDAddr, dlKnotAddr, dlZfileAddr, dlResolverAddr, l.Config)
	return l
}

// buildZonecastBinary builds ./cmd/zonecast of this module into bin.
// With a warm build cache it takes a fraction of a second.
func buildZonecastBinary(bin string) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/zonecast")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// dnssecLabConfig returns zonecast.yaml for the lab, with the zone
// example.test. served by providers (some of bind, knot, zfile: a drill
// step that adds or removes a signer writes the configuration again with
// another list). Every provider of the lab is declared, whichever serve
// the zone; tld is the zone's parent: provider. The TSIG secrets are
// env: references the lab's Zonecast sets. The zone's dnssec: block is
// multi-signer, zonecast signing for zfile (when it is in providers) with
// the keys in KeyDir, DNSKEY TTL 5 s.
func dnssecLabConfig(t *testing.T, l *dnssecLab, providers ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("providers:\n")
	for _, name := range []string{"bind", "knot", "pdns"} {
		s, ok := l.Signers[name]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "  %s: {type: rfc2136, server: %q, tsig: {name: %s, algorithm: %s, secret: env:DL_%s_TSIG}, nameservers: [\"%s@%s:53\"], timeout: 1s, max_attempts: 2, dnssec: server-signs}\n",
			name, s.Server.Addr, s.Server.KeyName, s.Server.KeyAlg, strings.ToUpper(name), s.NS, s.Addr)
	}
	zf := l.Signers["zfile"]
	var reload []string
	for _, a := range zf.Server.ReloadCommand(t, "{zone}") {
		reload = append(reload, fmt.Sprintf("%q", a))
	}
	fmt.Fprintf(&b, "  zfile: {type: zonefile, directory: %q, reload: [%s], nameservers: [\"%s@%s:53\"], dnssec: zonecast-signs}\n",
		zf.Server.Dir(), strings.Join(reload, ", "), zf.NS, zf.Addr)
	if l.CF != nil {
		fmt.Fprintf(&b, "  cf: {type: cloudflare, api_token: env:DL_CF_TOKEN, api_url: %s/client/v4, requests_per_second: 1000, plan: enterprise, manage_apex_ns: true, dnskey_ttl: %d, nameservers: [\"ns.cf-dns.test.@%s:53\"]}\n",
			l.CF.URL, dlDNSKEYTTL, dlCFAddr)
	}
	fmt.Fprintf(&b, "  tld: {type: rfc2136, server: %q, tsig: {name: %s, algorithm: %s, secret: env:DL_TLD_TSIG}, timeout: 1s, max_attempts: 2}\n",
		l.TLD.Addr, l.TLD.KeyName, l.TLD.KeyAlg)
	fmt.Fprintf(&b, "zones:\n  - origin: %s\n    file: %s\n    providers: [%s]\n    parent: {provider: tld, zone: test.}\n    dnssec:\n      mode: multi-signer\n",
		dlOrigin, filepath.Base(l.ZoneFile), strings.Join(providers, ", "))
	if slices.Contains(providers, "zfile") {
		rel := func(k dnstest.Key) string { r, _ := filepath.Rel(l.Dir, k.Private); return "file:" + r }
		fmt.Fprintf(&b, "      signed_by_zonecast: [zfile]\n      keys: [%s, %s]\n", rel(l.ZonecastKSK), rel(l.ZonecastZSK))
	}
	fmt.Fprintf(&b, "      dnskey_ttl: %d\n", dlDNSKEYTTL)
	return b.String()
}

// Zonecast runs the zonecast binary with args in Dir (where zonecast.yaml
// is the default configuration), with the lab's TSIG secrets in its
// environment, and returns its exit code and output. It fails the test
// only if the binary cannot be run.
func (l *dnssecLab) Zonecast(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(t.Context(), l.Bin, args...)
	cmd.Dir = l.Dir
	cmd.Env = append(os.Environ(), l.env...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run zonecast %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

// MustZonecast is Zonecast that fails the test unless the exit code is
// one of want; it returns stdout and stderr together.
func (l *dnssecLab) MustZonecast(t *testing.T, want []int, args ...string) string {
	t.Helper()
	code, out, errs := l.Zonecast(t, args...)
	if !slices.Contains(want, code) {
		t.Fatalf("zonecast %s: exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errs)
	}
	return out + errs
}

// signer returns the lab's provider name, failing the test for a name the
// lab does not have.
func (l *dnssecLab) signer(t *testing.T, name string) *dlSigner {
	t.Helper()
	s, ok := l.Signers[name]
	if !ok {
		t.Fatalf("the DNSSEC lab has no provider %q (it has %v)", name, dlProviders)
	}
	return s
}

// Stop stops provider name's server (bind, knot, zfile), as an outage
// would. It may be called any number of times.
func (l *dnssecLab) Stop(t *testing.T, name string) {
	t.Helper()
	if name == "cf" {
		if l.cfStop != nil {
			l.cfStop()
			l.cfStop = nil
		}
		return
	}
	l.signer(t, name).Server.Stop()
}

// Start starts provider name's server again after Stop, on its address,
// with the zone data and keys it had (zone files, journals, key
// directories are kept); it returns once the server serves its zones
// (signed, for bind and knot). Start of a running server does nothing.
func (l *dnssecLab) Start(t *testing.T, name string) {
	t.Helper()
	if name == "cf" {
		if l.cfStop == nil {
			l.serveCloudflare(t)
		}
		return
	}
	l.signer(t, name).Server.Start()
}

// startCloudflare starts the Cloudflare emulator as the lab's provider cf
// (dlOptions.Cloudflare): example.test. with multi-signer DNSSEC and
// multi-provider on, its nameserver's domain cf-dns.test. (unsigned), and
// its DNS front at dlCFAddr.
func (l *dnssecLab) startCloudflare(t *testing.T) {
	t.Helper()
	l.CF = cfemu.New(cfemu.Options{Tokens: []string{"dl-cf-token"}, Nameservers: []string{"ns.cf-dns.test"},
		Enterprise: true, DNSKEYTTL: dlDNSKEYTTL})
	t.Cleanup(l.CF.Close)
	zone := strings.TrimSuffix(dlOrigin, ".")
	l.CF.AddZone(zone)
	l.CF.SetMultiProvider(zone, true)
	l.CF.SetDNSSEC(zone, "active", true)
	l.CF.AddRecord("cf-dns.test", cfemu.Record{Name: "ns", Type: "A", Content: dlCFAddr, TTL: dlParentTTL})
	l.serveCloudflare(t)
	s := &dlSigner{Name: "cf", Server: &dnstest.Server{Addr: dlCFAddr + ":53", Kind: "cloudflare emulator"}, NS: "ns.cf-dns.test.", Addr: dlCFAddr}
	s.KSK = ownKeys(t, s.Server, dlOrigin, dns.ZONE|dns.SEP)[0]
	s.ZSKs = ownKeys(t, s.Server, dlOrigin, dns.ZONE)
	l.Signers["cf"] = s
	l.env = append(l.env, "DL_CF_TOKEN=dl-cf-token")
}

func (l *dnssecLab) serveCloudflare(t *testing.T) {
	t.Helper()
	_, stop, err := l.CF.ServeDNS(dlCFAddr + ":53")
	if err != nil {
		t.Fatalf("the Cloudflare emulator's DNS front at %s: %v", dlCFAddr, err)
	}
	l.cfStop = stop
	t.Cleanup(func() {
		if l.cfStop != nil {
			l.cfStop()
		}
	})
}

// Flush makes the resolver forget every answer, key and server it has
// learnt (dnstest.Resolver.Flush).
func (l *dnssecLab) Flush() { l.Resolver.Flush() }

// dlQuestions are what Check asks the resolver: an existing name, the
// apex SOA, the DNSKEY RRset (which differs per signer) and a name that
// does not exist (an NSEC proof, signed by whichever signer answers).
var dlQuestions = []struct {
	name  string
	qtype uint16
	rcode int
}{
	{"www." + dlOrigin, dns.TypeA, dns.RcodeSuccess},
	{dlOrigin, dns.TypeSOA, dns.RcodeSuccess},
	{dlOrigin, dns.TypeDNSKEY, dns.RcodeSuccess},
	{"nosuch." + dlOrigin, dns.TypeA, dns.RcodeNameError},
}

// rcodeOK reports whether a answers with want, or, for a name that does
// not exist, with a compact denial (RFC 9824: NOERROR and no data, the
// answer Cloudflare's signers give, which a resolver caching it passes on).
func rcodeOK(a dnstest.Answer, want int) bool {
	return a.Rcode == want || want == dns.RcodeNameError && a.Rcode == dns.RcodeSuccess && len(a.Answer) == 0
}

// ResolverProblems asks the validating resolver each of dlQuestions and
// returns a line for each answer that is not the expected rcode with the
// AD bit: a SERVFAIL (its extended DNS error says why), no reply, or an
// answer that did not validate. It does not fail the test.
func (l *dnssecLab) ResolverProblems(t *testing.T) []string {
	t.Helper()
	var problems []string
	for _, q := range dlQuestions {
		a := l.Resolver.Ask(t, q.name, q.qtype)
		if !rcodeOK(a, q.rcode) || !a.AD || q.rcode == dns.RcodeSuccess && len(a.Answer) == 0 {
			problems = append(problems, fmt.Sprintf("%s %s through the resolver: %v; want %s with AD", q.name, dns.TypeToString[q.qtype], a, dns.RcodeToString[q.rcode]))
		}
	}
	return problems
}

// Check fails the test (t.Errorf, one line per failing question) when
// ResolverProblems finds any; when says which step of the test it is. It
// reports whether every answer validated.
//
// Unbound picks which provider it asks, so a fault at one provider (a
// stale signature in zfile's file, say) may not show here in one run:
// Chain and CheckKeys ask each server itself.
func (l *dnssecLab) Check(t *testing.T, when string) bool {
	t.Helper()
	problems := l.ResolverProblems(t)
	for _, p := range problems {
		t.Errorf("%s: %s", when, p)
	}
	return len(problems) == 0
}

// Keys returns the DNSKEY RRset provider name serves, and whether it is
// signed by the provider's KSK (valid now).
func (l *dnssecLab) Keys(t *testing.T, name string) (keys []*dns.DNSKEY, signed bool) {
	t.Helper()
	s := l.signer(t, name)
	set := s.Server.QuerySigned(t, dlOrigin, dns.TypeDNSKEY)
	return dnstest.DNSKEYs(set.RRs), s.KSK != nil && len(set.VerifiedBy([]*dns.DNSKEY{s.KSK})) > 0
}

// KeyProblems asks the servers of group (the signers that serve the
// zone; none means all of dlProviders) directly whether the RFC 8901
// model 2 end state holds among them: each one's DNSKEY RRset is signed by
// its KSK and holds every group member's ZSKs, and each one's www A
// validates with every other member's DNSKEY RRset (what a resolver
// holding one signer's keys meets at another). It returns a line for each
// thing that does not hold, and does not fail the test; a server of group
// that does not answer fails it.
func (l *dnssecLab) KeyProblems(t *testing.T, group ...string) []string {
	t.Helper()
	if len(group) == 0 {
		group = dlProviders
	}
	var problems []string
	served := map[string][]*dns.DNSKEY{}
	for _, name := range group {
		keys, signed := l.Keys(t, name)
		served[name] = keys
		if !signed {
			problems = append(problems, fmt.Sprintf("%s's DNSKEY RRset %v is not signed by its KSK", name, dlTags(keys)))
		}
		for _, other := range group {
			for _, z := range l.Signers[other].ZSKs {
				if !slices.ContainsFunc(keys, func(k *dns.DNSKEY) bool { return sameKey(k, z) }) {
					problems = append(problems, fmt.Sprintf("%s's DNSKEY RRset %v lacks %s's ZSK %d", name, dlTags(keys), other, z.KeyTag()))
				}
			}
		}
	}
	for _, name := range group {
		www := l.Signers[name].Server.QuerySigned(t, "www."+dlOrigin, dns.TypeA)
		for _, other := range group {
			if other != name && len(www.VerifiedBy(served[other])) == 0 {
				problems = append(problems, fmt.Sprintf("www A from %s (signed by %v) does not validate with %s's DNSKEY RRset %v", name, sigTags(www.Sigs), other, dlTags(served[other])))
			}
		}
	}
	return problems
}

// CheckKeys fails the test (t.Errorf, one line each) when KeyProblems
// finds any among group (none: all providers); when says which step of
// the test it is. It reports whether everything held.
func (l *dnssecLab) CheckKeys(t *testing.T, when string, group ...string) bool {
	t.Helper()
	problems := l.KeyProblems(t, group...)
	for _, p := range problems {
		t.Errorf("%s: %s", when, p)
	}
	return len(problems) == 0
}

// ServedDS returns the DS RRset of example.test. the TLD serves.
func (l *dnssecLab) ServedDS(t *testing.T) []*dns.DS {
	t.Helper()
	var ds []*dns.DS
	for _, rr := range l.TLD.QuerySigned(t, dlOrigin, dns.TypeDS).RRs {
		ds = append(ds, rr.(*dns.DS))
	}
	return ds
}

// Chain checks provider name's chain of trust on its own with delv, asking
// only that server: from the DS RRset the TLD serves for example.test.
// down to its DNSKEY RRset and to its answers for each of dlQuestions. It
// fails the test (t.Errorf) for each question delv does not fully
// validate, and reports whether all did.
func (l *dnssecLab) Chain(t *testing.T, name string) bool {
	t.Helper()
	s := l.signer(t, name)
	ds := l.ServedDS(t)
	if len(ds) == 0 {
		t.Errorf("chain of %s: the TLD serves no DS for %s", name, dlOrigin)
		return false
	}
	ok := true
	for _, q := range dlQuestions {
		if valid, out := dnstest.Delv(t, s.Server.Addr, dlOrigin, ds, q.name, q.qtype); !valid {
			ok = false
			t.Errorf("chain of %s: delv @%s %s %s from the TLD's DS %v is not fully validated:\n%s", name, s.Server.Addr, q.name, dns.TypeToString[q.qtype], dsTags(ds), out)
		}
	}
	return ok
}

// RollZSK starts a rollover of provider name's ZSK, by the server's own
// command (BIND: rndc dnssec -rollover -key TAG; Knot: knotc
// zone-key-rollover ZONE zsk), and returns the new ZSK once the server
// publishes it, adding it to the signer's ZSKs. Knot pre-publishes the new
// key for its DNSKEY TTL before it signs with it (and keeps the old one
// published); BIND 9.18 with the lab's zero safety margins signs with it at
// once and withdraws the old key at once (docs/dnssec-signers.md, note 2),
// so RollZSK forgets BIND's old key. Use WaitSigns to wait until the new
// key signs. Only bind and knot roll (zonecast's keys are zonecast's).
func (l *dnssecLab) RollZSK(t *testing.T, name string) *dns.DNSKEY {
	t.Helper()
	s := l.signer(t, name)
	known := func(k *dns.DNSKEY) bool {
		for _, o := range l.Signers {
			if slices.ContainsFunc(o.ZSKs, func(z *dns.DNSKEY) bool { return sameKey(k, z) }) {
				return true
			}
		}
		return false
	}
	switch name {
	case "bind":
		s.Server.Control(t, "dnssec", "-rollover", "-key", fmt.Sprint(s.ZSKs[len(s.ZSKs)-1].KeyTag()), strings.TrimSuffix(dlOrigin, "."))
	case "knot":
		s.Server.Control(t, "zone-key-rollover", dlOrigin, "zsk")
	default:
		t.Fatalf("roll the ZSK of %s: only bind and knot roll their own keys", name)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		keys, _ := l.Keys(t, name)
		for _, k := range keys {
			if k.Flags == dns.ZONE && !known(k) {
				if name == "bind" {
					s.ZSKs = slices.DeleteFunc(s.ZSKs, func(z *dns.DNSKEY) bool {
						return !slices.ContainsFunc(keys, func(k *dns.DNSKEY) bool { return sameKey(k, z) })
					})
				}
				s.ZSKs = append(s.ZSKs, k)
				t.Logf("%s's ZSK rollover: new ZSK %d published; DNSKEY RRset %v", name, k.KeyTag(), dlTags(keys))
				return k
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no new ZSK published 20 s after the rollover began; DNSKEY RRset %v", name, dlTags(keys))
		}
	}
}

// WaitSigns waits until provider name's apex SOA is signed by zsk (at
// most 20 s; Knot takes its DNSKEY TTL) and fails the test if it is not.
func (l *dnssecLab) WaitSigns(t *testing.T, name string, zsk *dns.DNSKEY) {
	t.Helper()
	s := l.signer(t, name)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if len(s.Server.QuerySigned(t, dlOrigin, dns.TypeSOA).VerifiedBy([]*dns.DNSKEY{zsk})) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: its SOA is not signed by ZSK %d 20 s after the rollover began", name, zsk.KeyTag())
		}
	}
}

// SignZfileByHand does by hand what zonecast will do for zfile: it signs
// the zone (dlZone, with the next serial) with zonecast's keys and the
// other signers' ZSKs in its DNSKEY RRset (dnstest.SignZoneWithKeys),
// writes the file where zfile's server loads it, as the zonefile provider
// would (atomically), runs the reload command of the configuration, and
// waits until the server serves the new serial.
func (l *dnssecLab) SignZfileByHand(t *testing.T) {
	t.Helper()
	zf := l.Signers["zfile"]
	l.zfileSerial++
	text := dlZone(l.zfileSerial)
	for _, name := range dlProviders {
		if name == "zfile" {
			continue
		}
		for _, z := range l.Signers[name].ZSKs {
			k := *z
			k.Hdr.Ttl = dlDNSKEYTTL
			text += k.String() + "\n"
		}
	}
	signed := dnstest.SignZoneWithKeys(t, dlOrigin, text, l.KeyDir, dlDNSKEYTTL)
	path := zf.Server.ZoneFile(dlOrigin)
	tmp := path + ".tmp"
	write(t, tmp, signed)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	cmd := zf.Server.ReloadCommand(t, strings.TrimSuffix(dlOrigin, "."))
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("reload zfile: %s: %v: %s", strings.Join(cmd, " "), err, out)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		soa := zf.Server.QuerySigned(t, dlOrigin, dns.TypeSOA)
		if len(soa.RRs) == 1 && soa.RRs[0].(*dns.SOA).Serial == l.zfileSerial && len(soa.Sigs) > 0 {
			// A server that serves the file as it is does not write it
			// either: the zonefile provider reads it back as its state.
			if b, err := os.ReadFile(path); err != nil || string(b) != signed {
				t.Errorf("zfile's server changed its zone file %s after loading it (err %v)", path, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("zfile does not serve the signed serial %d 10 s after the reload: %v", l.zfileSerial, soa.RRs)
		}
	}
}

// ExchangeZSKsByHand does by hand what zonecast's key synchronisation
// will do: every signer's ZSKs into every other signer's DNSKEY RRset, by
// TSIG UPDATE at bind and knot (with the receiving signer's DNSKEY TTL),
// and by signing zfile's file again (SignZfileByHand). Keys a server
// already holds are not sent again.
func (l *dnssecLab) ExchangeZSKsByHand(t *testing.T) {
	t.Helper()
	for _, name := range []string{"bind", "knot"} {
		s := l.Signers[name]
		keys, _ := l.Keys(t, name)
		var add []dns.RR
		for _, other := range dlProviders {
			if other == name {
				continue
			}
			for _, z := range l.Signers[other].ZSKs {
				if !slices.ContainsFunc(keys, func(k *dns.DNSKEY) bool { return sameKey(k, z) }) {
					k := *z
					k.Hdr.Ttl = dlDNSKEYTTL
					add = append(add, &k)
				}
			}
		}
		if len(add) == 0 {
			continue
		}
		if rc := s.Server.Update(t, dlOrigin, add, nil); rc != dns.RcodeSuccess {
			t.Fatalf("add the other signers' ZSKs at %s: %s", name, dns.RcodeToString[rc])
		}
	}
	l.SignZfileByHand(t)
}

// PutDSByHand does by hand what zonecast's parent: step will do: one TSIG
// UPDATE at the TLD that adds to example.test.'s DS RRset a DS (SHA-256) of
// every signer's KSK, TTL 5 s; it waits until the TLD serves them all,
// signed.
func (l *dnssecLab) PutDSByHand(t *testing.T) {
	t.Helper()
	var ksks []*dns.DNSKEY
	for _, name := range dlProviders {
		ksks = append(ksks, l.Signers[name].KSK)
	}
	var add []dns.RR
	for _, line := range strings.Split(strings.TrimSpace(dnstest.DSText(ksks, dlParentTTL)), "\n") {
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatal(err)
		}
		add = append(add, rr)
	}
	if rc := l.TLD.Update(t, "test.", add, nil); rc != dns.RcodeSuccess {
		t.Fatalf("put the DS RRset at the TLD: %s", dns.RcodeToString[rc])
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		set := l.TLD.QuerySigned(t, dlOrigin, dns.TypeDS)
		if len(set.RRs) == len(add) && len(set.VerifiedBy(l.tldZSKs(t))) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the TLD does not serve the %d DS records, signed, 10 s after the update: %v", len(add), set.RRs)
		}
	}
}

// Delegation returns the nameservers the TLD refers example.test. to,
// sorted.
func (l *dnssecLab) Delegation(t *testing.T) []string {
	t.Helper()
	m, err := dnstest.Exchange(t, l.TLD.Addr, dlOrigin, dns.TypeNS)
	if err != nil {
		t.Fatalf("the delegation of %s at the TLD: %v", dlOrigin, err)
	}
	var ns []string
	for _, rr := range slices.Concat(m.Answer, m.Ns) {
		if r, ok := rr.(*dns.NS); ok && strings.EqualFold(r.Hdr.Name, dlOrigin) {
			ns = append(ns, strings.ToLower(r.Ns))
		}
	}
	slices.Sort(ns)
	return slices.Compact(ns)
}

// SetDelegationByHand does by hand what zonecast's parent: step does when
// a signer is held out, dropped or restored: one TSIG UPDATE at the TLD
// that makes example.test.'s delegation the nameservers of providers (TTL
// 5 s). The glue of every provider's nameserver, in its own domain, stays.
// It waits until the TLD refers to exactly those.
func (l *dnssecLab) SetDelegationByHand(t *testing.T, providers ...string) {
	t.Helper()
	var want []string
	for _, p := range providers {
		want = append(want, l.signer(t, p).NS)
	}
	slices.Sort(want)
	ns := func(name string) dns.RR {
		return &dns.NS{Hdr: dns.RR_Header{Name: dlOrigin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: dlParentTTL}, Ns: name}
	}
	have := l.Delegation(t)
	var add, remove []dns.RR
	for _, n := range want {
		if !slices.Contains(have, n) {
			add = append(add, ns(n))
		}
	}
	for _, n := range have {
		if !slices.Contains(want, n) {
			remove = append(remove, ns(n))
		}
	}
	if len(add)+len(remove) == 0 {
		return
	}
	if rc := l.TLD.Update(t, "test.", add, remove); rc != dns.RcodeSuccess {
		t.Fatalf("set the delegation of %s at the TLD to %v: %s", dlOrigin, want, dns.RcodeToString[rc])
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := l.Delegation(t)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the TLD refers %s to %v 10 s after the update, want %v", dlOrigin, got, want)
		}
	}
}

// tldZSKs returns the TLD's ZSKs as it serves them.
func (l *dnssecLab) tldZSKs(t *testing.T) []*dns.DNSKEY {
	t.Helper()
	return ownKeys(t, l.TLD, "test.", dns.ZONE)
}

// ownKeys returns the keys with flags in the DNSKEY RRset s serves for
// origin, failing the test if there is none: a signing server's own, as
// long as no other signer's key was added.
func ownKeys(t *testing.T, s *dnstest.Server, origin string, flags uint16) []*dns.DNSKEY {
	t.Helper()
	var out []*dns.DNSKEY
	for _, k := range dnstest.DNSKEYs(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs) {
		if k.Flags == flags {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s at %s serves no DNSKEY with flags %d for %s", s.Kind, s.Addr, flags, origin)
	}
	return out
}

func sameKey(a, b *dns.DNSKEY) bool {
	return a.Flags == b.Flags && a.Algorithm == b.Algorithm && a.PublicKey == b.PublicKey
}

func dlTags(keys []*dns.DNSKEY) []string {
	var out []string
	for _, k := range keys {
		kind := "zsk"
		if k.Flags&dns.SEP != 0 {
			kind = "ksk"
		}
		out = append(out, fmt.Sprintf("%s %d", kind, k.KeyTag()))
	}
	return out
}

func sigTags(sigs []*dns.RRSIG) []uint16 {
	var out []uint16
	for _, s := range sigs {
		out = append(out, s.KeyTag)
	}
	return out
}

func dsTags(ds []*dns.DS) []uint16 {
	var out []uint16
	for _, d := range ds {
		out = append(out, d.KeyTag)
	}
	return out
}

// TestDNSSECLabByHand proves the lab: it does by hand what zonecast will
// do for a multi-signer zone (the ZSK exchange by UPDATE, zfile's file
// signed with zonecast's keys, the DS of every KSK at the TLD by UPDATE),
// then checks through the validating resolver with every provider up,
// with each stopped in turn after a flush, and after a ZSK rollover of
// Knot and of BIND propagated by hand. Before the DS is at the TLD the
// zone is insecure (no AD), so Check is not satisfied by the lab alone.
// zonecast, as the built binary, loads the lab's configuration and plans
// against the lab's servers.
func TestDNSSECLabByHand(t *testing.T) {
	if testing.Short() && !dnstest.InCI() {
		t.Skip("-short: the DNSSEC lab starts six servers")
	}
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-60s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	// zfile joins as RFC 8901 orders it: keys, then DS, then NS.
	l := startDNSSECLab(t, dlOptions{Delegated: []string{"bind", "knot"}})
	if got, want := l.Delegation(t), []string{"ns.bind-dns.test.", "ns.knot-dns.test."}; !slices.Equal(got, want) {
		t.Fatalf("the TLD delegates to %v at the start, want %v", got, want)
	}
	step("lab up")

	// zonecast reads the lab's files, through the binary.
	l.MustZonecast(t, []int{0}, "validate", filepath.Base(l.ZoneFile))
	out := l.MustZonecast(t, []int{0}, "providers")
	for _, want := range []string{"bind\n", "knot\n", "zfile\n", "tld\n", "dnssec: server-signs", "dnssec: zonecast-signs"} {
		if !strings.Contains(out, want) {
			t.Errorf("zonecast providers does not show %q:\n%s", want, out)
		}
	}
	// plan reaches every server with the configuration's secrets (exit 0
	// or 2, not 1).
	out = l.MustZonecast(t, []int{0, 2}, "plan", "--exit-code")
	t.Logf("zonecast plan in the lab's initial state:\n%s", out)
	step("zonecast validate, providers, plan")

	// Before any DS: insecure. Answers, and no AD: Check would fail.
	if a := l.Resolver.Ask(t, "www."+dlOrigin, dns.TypeA); a.Rcode != dns.RcodeSuccess || a.AD {
		t.Fatalf("before the DS: www A: %v; want NOERROR without AD (an insecure delegation)", a)
	}
	if p := l.ResolverProblems(t); len(p) != len(dlQuestions) {
		t.Errorf("before the DS: ResolverProblems found %d problems, want %d (no AD anywhere): %q", len(p), len(dlQuestions), p)
	}
	// Before the exchange, no signer's answers validate with another's
	// keys (and zfile serves nothing signed): KeyProblems sees it.
	if p := l.KeyProblems(t); len(p) < 6 {
		t.Errorf("before the ZSK exchange: KeyProblems found only %q", p)
	}

	// zonecast's verify --dnssec sees it too.
	if code, out, errs := l.Zonecast(t, "verify", "--dnssec", "--root-hints", l.RootHints); code != 2 {
		t.Errorf("zonecast verify --dnssec before the ZSK exchange: exit %d, want 2 (DNSKEY sets lacking keys)\n%s%s", code, out, errs)
	}

	l.ExchangeZSKsByHand(t)
	l.CheckKeys(t, "ZSKs exchanged")
	step("ZSKs exchanged by UPDATE, zfile signed by hand")
	l.PutDSByHand(t)
	if ds := l.ServedDS(t); len(ds) != 3 {
		t.Fatalf("the TLD serves DS %v; want one per signer", dsTags(ds))
	}
	l.Flush()
	if !l.Check(t, "DS of every signer, bind and knot delegated") {
		t.FailNow()
	}
	l.SetDelegationByHand(t, dlProviders...)
	l.Flush()
	if !l.Check(t, "all up, zfile delegated too") {
		t.FailNow()
	}
	for _, name := range dlProviders {
		l.Chain(t, name)
	}
	// delv is not satisfied by any DS: bind's keys from zfile's DS alone
	// do not validate.
	zfileDS := l.Signers["zfile"].KSK.ToDS(dns.SHA256)
	if ok, out := dnstest.Delv(t, l.Signers["bind"].Server.Addr, dlOrigin, []*dns.DS{zfileDS}, "www."+dlOrigin, dns.TypeA); ok {
		t.Errorf("delv validated bind's www A from zfile's DS alone:\n%s", out)
	}
	// zonecast's own check of the signed zone agrees.
	out = l.MustZonecast(t, []int{0}, "verify", "--dnssec", "--root-hints", l.RootHints)
	t.Logf("zonecast verify --dnssec:\n%s", out)
	step("DS at the TLD, zfile delegated: validated, chains checked by delv")

	for _, name := range dlProviders {
		l.Stop(t, name)
		l.Flush()
		l.Check(t, name+" stopped, cache flushed")
		l.Start(t, name)
	}
	step("each provider stopped in turn, cache flushed: validated")

	// A signer taken out of the delegation (a failover drop's first
	// step) and put back: still valid.
	l.SetDelegationByHand(t, "knot", "zfile")
	l.Flush()
	l.Check(t, "bind out of the delegation")
	l.SetDelegationByHand(t, dlProviders...)
	l.Flush()
	l.Check(t, "bind back in the delegation")
	step("delegation changed at the TLD by UPDATE: validated")

	for _, name := range []string{"knot", "bind"} {
		zsk := l.RollZSK(t, name)
		l.ExchangeZSKsByHand(t)
		l.WaitSigns(t, name, zsk)
		l.CheckKeys(t, name+"'s ZSK rolled and propagated")
		l.Flush()
		l.Check(t, name+"'s ZSK rolled and propagated")
		step(name + "'s ZSK rollover propagated by hand: validated")
	}
}
