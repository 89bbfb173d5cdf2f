package providers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// SignerCaps says how a provider can take part in a DNSSEC-signed zone. It
// is the contract between the drivers and the plan (see CanJoin and
// CheckGroup); it is decided from the driver and its configuration alone,
// without I/O. A setting that can be switched at the provider (Cloudflare's
// multi-signer DNSSEC) counts as present when the provider has it: whether
// it is on is read by Signer.SignerState and enforced by SetForeignKeys.
//
// The terms are RFC 8901's. Model 2 (the one zonecast builds) is: every
// provider signs with its own KSK and ZSK; every provider's DNSKEY RRset
// carries every provider's ZSKs; the parent holds a DS for every
// provider's KSK.
type SignerCaps struct {
	// Signs: the provider signs the zone itself, online or as it is
	// written, with keys it keeps (its private keys never leave it).
	Signs bool
	// ForeignKeys: the provider accepts other signers' DNSKEYs into the
	// DNSKEY RRset it serves and signs (RFC 8901 §2.1.2), through the
	// driver's Signer.SetForeignKeys. Only meaningful with Signs.
	ForeignKeys bool
	// CDS: the provider publishes CDS/CDNSKEY for its own keys, or
	// accepts them from zonecast, so that a parent that scans (RFC 7344,
	// RFC 8078) can follow.
	CDS bool
	// ServesGiven: the provider serves exactly the records it is given,
	// signatures, DNSKEYs and NSEC/NSEC3 included, so zonecast can sign
	// the zone for it ("signed-by-zonecast").
	ServesGiven bool
	// Algorithms are the DNSSEC algorithm numbers (RFC 8624) the
	// provider signs with; nil means any, or set by the server's own
	// configuration and unknown to zonecast. RFC 4035 §2.2 asks that
	// every RRset be signed with every algorithm in the DNSKEY RRset, so
	// the signers of one multi-signer group must share one algorithm.
	Algorithms []uint8
	// Enable says, when the provider lacks a capability only because of
	// how it is configured, what turns it on (a configuration key or a
	// setting at the provider); CanJoin's messages quote it.
	Enable string
	// Notes are remarks for `zonecast providers` and the plan.
	Notes []string
}

// DNSSECMode is a zone's DNSSEC mode, as its configuration names it.
type DNSSECMode string

const (
	// Unsigned: zonecast neither signs nor keeps signers in step; every
	// provider can serve the zone (today's behaviour).
	Unsigned DNSSECMode = "unsigned"
	// MultiSigner: RFC 8901 model 2. Each provider either signs with its
	// own keys and takes the others' ZSKs (SignerCaps.Signs and
	// ForeignKeys), or serves what zonecast signed for it (ServesGiven),
	// zonecast then being one more signer of the group.
	MultiSigner DNSSECMode = "multi-signer"
	// SignedByZonecast: zonecast signs the zone with the owner's keys
	// and every provider serves what it is given (ServesGiven).
	SignedByZonecast DNSSECMode = "signed-by-zonecast"
)

// ErrCannotJoin is what every refusal of CanJoin and CheckGroup wraps.
var ErrCannotJoin = errors.New("cannot take part in the zone's DNSSEC")

// JoinError is a provider refused from a zone's DNSSEC mode: Reason says
// why, Fix what the user can do. It wraps ErrCannotJoin.
type JoinError struct {
	Provider string
	Mode     DNSSECMode
	Reason   string
	Fix      string
}

func (e *JoinError) Error() string {
	return fmt.Sprintf("%s cannot take part in DNSSEC mode %s: %s; %s", e.Provider, e.Mode, e.Reason, e.Fix)
}

func (e *JoinError) Unwrap() error { return ErrCannotJoin }

// CanJoin reports whether the provider named name, with caps, can serve a
// zone whose DNSSEC mode is mode. It returns nil, or a *JoinError whose
// Fix names what the user can do (a setting to turn on, a configuration
// key, or serving the zone unsigned there / leaving the provider out). An
// unknown mode is an error too. It does no I/O.
func CanJoin(name string, caps SignerCaps, mode DNSSECMode) error {
	refuse := func(reason, fix string) error {
		return &JoinError{Provider: name, Mode: mode, Reason: reason, Fix: fix}
	}
	switch mode {
	case Unsigned, "":
		return nil
	case SignedByZonecast:
		if caps.ServesGiven {
			return nil
		}
		if caps.Signs {
			return refuse("it signs the zone with its own keys and does not serve signatures made elsewhere",
				cmp(caps.Enable, "use DNSSEC mode multi-signer (it then signs as one signer of the group), or take the provider out of the zone"))
		}
		return refuse("it does not serve DNSSEC records it is given",
			cmp(caps.Enable, "take the provider out of the zone, or keep the zone unsigned"))
	case MultiSigner:
		switch {
		case caps.ServesGiven:
			return nil
		case caps.Signs && caps.ForeignKeys:
			return nil
		case caps.Signs:
			return refuse("it signs with keys it keeps and cannot publish the other signers' DNSKEYs, so resolvers would reject the other providers' signatures (RFC 8901 §2.1.2)",
				cmp(caps.Enable, "take the provider out of the zone, or keep the zone unsigned (serving it unsigned there is no way out: once the parent holds DS records, unsigned answers from one provider are bogus to validating resolvers)"))
		default:
			return refuse("it neither signs the zone nor serves signatures it is given",
				cmp(caps.Enable, "take the provider out of the zone, or keep the zone unsigned"))
		}
	default:
		return fmt.Errorf("%s: unknown DNSSEC mode %q (want %s, %s or %s)", name, mode, Unsigned, MultiSigner, SignedByZonecast)
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Member is one provider of a zone, for CheckGroup.
type Member struct {
	Name string
	Caps SignerCaps
}

// CheckGroup checks every member of one zone against mode with CanJoin and,
// in mode MultiSigner, that the providers that sign for themselves share at
// least one algorithm (RFC 4035 §2.2: every RRset is signed with every
// algorithm of the DNSKEY RRset, which no provider can do for another's;
// RFC 8901 §7 asks the signers to agree on one). Members whose Algorithms
// is nil are taken to be able to use any. It returns every problem found,
// joined, members in the order given.
func CheckGroup(mode DNSSECMode, members []Member) error {
	var errs []error
	for _, m := range members {
		if err := CanJoin(m.Name, m.Caps, mode); err != nil {
			errs = append(errs, err)
		}
	}
	if mode != MultiSigner || len(errs) > 0 {
		return errors.Join(errs...)
	}
	var common []uint8
	var named []string
	first := true
	for _, m := range members {
		if !m.Caps.Signs || m.Caps.Algorithms == nil {
			continue
		}
		named = append(named, fmt.Sprintf("%s %s", m.Name, algorithmNames(m.Caps.Algorithms)))
		if first {
			common, first = slices.Clone(m.Caps.Algorithms), false
			continue
		}
		common = slices.DeleteFunc(common, func(a uint8) bool { return !slices.Contains(m.Caps.Algorithms, a) })
	}
	if !first && len(common) == 0 {
		errs = append(errs, &JoinError{Provider: strings.Join(memberNames(members), ", "), Mode: mode,
			Reason: "the signers share no DNSSEC algorithm (" + strings.Join(named, "; ") + ")",
			Fix:    "configure the self-run signers with an algorithm every cloud signer uses (13, ECDSAP256SHA256, is the common one), or leave the odd provider out of the group"})
	}
	return errors.Join(errs...)
}

func memberNames(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

func algorithmNames(as []uint8) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = fmt.Sprintf("%d", a)
		if n, ok := dns.AlgorithmToString[a]; ok {
			names[i] += " " + n
		}
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// ErrForeignKeysRefused is what Signer.SetForeignKeys wraps when the
// provider will not take foreign DNSKEYs (it cannot at all, or a setting is
// off); the message says what to do.
var ErrForeignKeysRefused = errors.New("the provider does not accept other signers' DNSKEYs")

// SignerState is what a provider says of its own signing of one zone.
type SignerState struct {
	// Status is the provider's own word for it ("active", "pending",
	// "disabled" at Cloudflare; "SIGNING", "NOT_SIGNING"... at Route 53).
	Status string
	// Signing: the provider signs the zone now (or is about to:
	// Cloudflare's "pending" waits only for the DS at the parent).
	Signing bool
	// Keys is the DNSKEY RRset of the provider's own keys at the apex
	// (KSKs and, where the API shows them, ZSKs), canonical; empty Data
	// when it does not sign.
	Keys zones.RRset
	// DS are the DS rdata (presentation form, "KEYTAG ALG DIGESTTYPE
	// DIGEST") the provider gives for its KSKs, for the parent.
	DS []string
	// ForeignKeys: the provider takes foreign DNSKEYs now (Cloudflare:
	// dnssec_multi_signer is on).
	ForeignKeys bool
	// Foreign are the foreign DNSKEYs it holds now, canonical rdata
	// sorted.
	Foreign []string
	// Refusal, when not empty, is why SetForeignKeys would refuse new
	// foreign keys now and what to do, as its error would say: the plan
	// shows it before any write. Empty when the write would go ahead
	// (ForeignKeys, or the driver may turn the setting on itself).
	Refusal string
	// Notes say what the API does not show (Route 53's ZSK, say).
	Notes []string
}

// Signer is the optional interface of a driver whose provider signs zones
// with its own keys (SignerCaps.Signs). The multi-signer synchronisation
// reads each signer's keys with SignerState and publishes the others' ZSKs
// with SetForeignKeys. Both may be called concurrently for different zones.
type Signer interface {
	// SignerState reads the provider's signing of origin: status, its own
	// DNSKEYs, its DS, and the foreign DNSKEYs it holds. It changes
	// nothing. ErrZoneNotFound when the provider does not serve origin.
	SignerState(ctx context.Context, origin string) (SignerState, error)
	// SetForeignKeys makes the foreign DNSKEYs of origin's apex exactly
	// keys.Data (DNSKEY rdata in presentation form; TTL keys.TTL, or the
	// driver's default when 0): it adds the missing, removes the others,
	// and never touches the provider's own keys. An empty Data removes
	// every foreign key. A provider that will not take them gives an
	// error wrapping ErrForeignKeysRefused that says what to do; nothing
	// is changed then.
	SetForeignKeys(ctx context.Context, origin string, keys zones.RRset) error
}

// ServerDNSSEC is the `dnssec:` configuration key of the self-run drivers
// (rfc2136, zonefile), which cannot tell by themselves whether the server
// behind them signs: zonecast cannot see a BIND dnssec-policy or a Knot
// dnssec-signing from outside.
type ServerDNSSEC string

const (
	// DNSSECNone (the default, also ""): the provider takes no part in
	// DNSSEC; CanJoin refuses it from a signed zone and names the key.
	DNSSECNone ServerDNSSEC = "none"
	// ServerSigns: the server signs the zone itself and accepts other
	// signers' DNSKEYs by UPDATE: BIND 9.18 with dnssec-policy on a
	// dynamic zone, Knot 3.2 with dnssec-signing and dnskey-management:
	// incremental (with full it drops them at the next signing), PowerDNS
	// 4.7 with direct-dnskey=yes (without, it stores them and does not
	// serve them). Probed on this machine: docs/dnssec-capabilities.md.
	ServerSigns ServerDNSSEC = "server-signs"
	// ZonecastSigns: the server serves what it is given (a plain
	// secondary, a directory of zone files); zonecast signs for it.
	ZonecastSigns ServerDNSSEC = "zonecast-signs"
)

// Check returns an error naming the key when s is not one of the values.
func (s ServerDNSSEC) Check() error {
	switch s {
	case "", DNSSECNone, ServerSigns, ZonecastSigns:
		return nil
	}
	return fmt.Errorf("dnssec: %q is not one of %s, %s, %s", string(s), ServerSigns, ZonecastSigns, DNSSECNone)
}

// Caps returns the SignerCaps of a self-run provider configured with s.
// With none, Enable names the key to set.
func (s ServerDNSSEC) Caps() SignerCaps {
	switch s {
	case ServerSigns:
		return SignerCaps{Signs: true, ForeignKeys: true, CDS: true,
			Notes: []string{"dnssec: server-signs: the server signs with its own keys (algorithms as it is configured) and takes the other signers' DNSKEYs by UPDATE " +
				"(BIND 9.18: dnssec-policy on a dynamic zone; Knot 3.2: dnskey-management: incremental; PowerDNS 4.7: direct-dnskey=yes; see docs/dnssec-capabilities.md)"}}
	case ZonecastSigns:
		return SignerCaps{ServesGiven: true,
			Notes: []string{"dnssec: zonecast-signs: the server serves what it is given; zonecast signs the zone for it"}}
	}
	return SignerCaps{Enable: "set dnssec: server-signs in the provider's configuration if the server signs the zone itself " +
		"(BIND dnssec-policy, Knot dnssec-signing), or dnssec: zonecast-signs if it serves what it is given"}
}
