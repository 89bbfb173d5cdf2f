package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnssec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// DNSSECMode says who signs a zone.
type DNSSECMode string

// The DNSSEC modes of a zone (dnssec.mode).
const (
	// Unsigned: zonecast neither signs nor coordinates signers; DNSSEC
	// records in the zone file are skipped, as before (the default). It is
	// the zero value, so a Zone without a dnssec: block, or built by hand,
	// is unsigned; it is written "unsigned" in the file.
	Unsigned DNSSECMode = ""
	// MultiSigner: RFC 8901 model 2. Every provider signs with its own KSK
	// and ZSK, every provider's DNSKEY set carries every signer's ZSKs, the
	// parent holds a DS for every signer's KSK. The providers of
	// DNSSEC.SignedByZonecast are signed by zonecast with DNSSEC.Keys, as
	// one more signer of the group; the others sign themselves.
	MultiSigner DNSSECMode = "multi-signer"
	// SignedByZonecast: zonecast is the zone's only signer, for every
	// provider of the zone, which must serve what it is given (RFC 2136
	// secondaries, zone-file targets).
	SignedByZonecast DNSSECMode = "signed-by-zonecast"
)

var dnssecModes = []DNSSECMode{Unsigned, MultiSigner, SignedByZonecast}

// String returns the mode as the file writes it.
func (m DNSSECMode) String() string {
	if m == Unsigned {
		return "unsigned"
	}
	return string(m)
}

// Group is the mode as the drivers' capability checks take it
// (providers.CanJoin, providers.CheckGroup).
func (m DNSSECMode) Group() providers.DNSSECMode {
	if m == Unsigned {
		return providers.Unsigned
	}
	return providers.DNSSECMode(m)
}

// parseMode reads a mode as the file writes it.
func parseMode(s string) (DNSSECMode, bool) {
	for _, m := range dnssecModes {
		if m.String() == s {
			return m, true
		}
	}
	return Unsigned, false
}

// Defaults of the dnssec: block, as dnssec.Sign has them.
const (
	DefaultSignatureValidity = dnssec.DefaultValidity
	DefaultSignatureRefresh  = dnssec.DefaultRefresh
	DefaultDNSKEYTTL         = dnssec.DefaultDNSKEYTTL
)

// DNSSEC is a zone's dnssec: block, checked.
type DNSSEC struct {
	// Mode is Unsigned (the zero value) when the file has no dnssec: block.
	Mode DNSSECMode
	// SignedByZonecast lists the zone's providers zonecast signs for, in
	// the zone's order: every provider in SignedByZonecast mode, those of
	// dnssec.signed_by_zonecast in MultiSigner mode, none when Unsigned.
	SignedByZonecast []string
	// KeyFiles are the .private files of zonecast's keys for the zone, as
	// resolved against the configuration's folder; their .key files are
	// beside them. Safe to show.
	KeyFiles []string
	// Keys are the keys loaded from KeyFiles, in their order. Load leaves
	// it empty when the run uses none of SignedByZonecast (LoadSelected
	// with other providers), so that a machine without the private keys
	// can plan for the clouds. A Key prints without its private part.
	Keys []*dnssec.Key
	// Sign holds the signature validity (dnssec.signature_validity, default
	// 14 days), the refresh window (dnssec.refresh, default 7 days), the
	// DNSKEY TTL (dnssec.dnskey_ttl, default 3600) and whether to publish
	// CDS/CDNSKEY (dnssec.cds), all filled in.
	Sign dnssec.Options
	// ParentDS is the zone's DS set at its registrar (dnssec.parent_ds,
	// DS rdata as "KEYTAG ALG DIGESTTYPE DIGEST", canonical) for a zone
	// without a parent: provider: zonecast cannot change or read it, so the
	// owner writes here what the registrar holds once it is done there, and
	// the plan takes it as the parent's DS set. ParentDSTTL is its TTL
	// (dnssec.parent_ds_ttl, default 86400: what most TLDs use).
	ParentDS    []string
	ParentDSTTL uint32
}

// DefaultParentDSTTL is the DS TTL assumed at a registrar.
const DefaultParentDSTTL = 86400

// SignsFor reports whether zonecast signs the zone for provider.
func (d DNSSEC) SignsFor(provider string) bool { return slices.Contains(d.SignedByZonecast, provider) }

// dnssecYAML is the dnssec: block as written.
type dnssecYAML struct {
	Mode             string   `yaml:"mode"`
	SignedByZonecast []string `yaml:"signed_by_zonecast"`
	// Keys are file: references to .private files; KeyDir a folder whose
	// K<origin>+*.private files are the zone's keys (for zone sets).
	Keys              []string       `yaml:"keys"`
	KeyDir            string         `yaml:"key_dir"`
	SignatureValidity *time.Duration `yaml:"signature_validity"`
	Refresh           *time.Duration `yaml:"refresh"`
	DNSKEYTTL         *uint32        `yaml:"dnskey_ttl"`
	Denial            string         `yaml:"denial"`
	CDS               bool           `yaml:"cds"`
	// ParentDS is the DS set the registrar holds, as the owner last set
	// it there (for a zone with no parent: provider); ParentDSTTL its TTL.
	ParentDS    []string `yaml:"parent_ds"`
	ParentDSTTL *uint32  `yaml:"parent_ds_ttl"`
}

// dnssecBlock returns the entry's dnssec: block, or nil when it has none
// (or writes it empty).
func (d *decoder) dnssecBlock(r zoneYAML, zkey string) *dnssecYAML {
	if _, given := d.lines[join(zkey, "dnssec")]; !given || reflect.ValueOf(r.DNSSEC).IsZero() && !d.failed(join(zkey, "dnssec")) {
		return nil
	}
	return &r.DNSSEC
}

// dnssec checks a zone entry's dnssec: block on its own: everything but
// the keys, which are per zone (dnssecKeys). providers are the entry's.
// ok is false when a problem was reported.
func (d *decoder) dnssec(r *dnssecYAML, zkey string, provs []string, set bool) (DNSSEC, bool) {
	out := DNSSEC{Mode: Unsigned}
	if r == nil {
		return out, true
	}
	key := join(zkey, "dnssec")
	// A value of the block that did not decode is reported already; the
	// checks below skip it and report the rest.
	before := len(d.errs)
	failed := d.failed(key)
	mkey := join(key, "mode")
	modeOK := false
	switch m, known := parseMode(r.Mode); {
	case d.failed(mkey):
	case r.Mode == "":
		d.errorf(d.line(key), mkey, "missing; say who signs the zone: %s", modeList())
	case !known:
		d.errorf(d.line(mkey), mkey, "unknown mode %q (known: %s)", r.Mode, modeList())
	default:
		out.Mode, modeOK = m, true
	}
	skey := join(key, "signed_by_zonecast")
	for j, p := range r.SignedByZonecast {
		ekey := index(skey, j)
		switch {
		case slices.Index(r.SignedByZonecast, p) < j:
			d.errorf(d.line(ekey), ekey, "provider %s is listed twice", p)
		case !slices.Contains(provs, p):
			d.errorf(d.line(ekey), ekey, "provider %q does not serve this zone (its providers: %s)", p, strings.Join(provs, ", "))
		}
	}
	hasKeys := len(r.Keys) > 0 || r.KeyDir != ""
	kkey := join(key, "keys")
	if len(r.Keys) == 0 {
		kkey = join(key, "key_dir")
	}
	switch {
	case !modeOK:
	case out.Mode == Unsigned:
		for _, k := range []string{"signed_by_zonecast", "keys", "key_dir", "signature_validity", "refresh", "dnskey_ttl", "denial", "cds", "parent_ds", "parent_ds_ttl"} {
			if _, given := d.lines[join(key, k)]; given {
				d.errorf(d.line(join(key, k)), join(key, k), "an unsigned zone takes no %s; remove it, or set mode: %s or %s", k, MultiSigner, SignedByZonecast)
			}
		}
	case out.Mode == SignedByZonecast:
		if len(r.SignedByZonecast) > 0 && !sameSet(r.SignedByZonecast, provs) {
			d.errorf(d.line(skey), skey, "zonecast signs for every provider of a %s zone (%s); for zonecast to sign for some and the others to sign themselves, write mode: %s", SignedByZonecast, strings.Join(provs, ", "), MultiSigner)
		}
		out.SignedByZonecast = slices.Clone(provs)
		if !hasKeys {
			d.errorf(d.line(key), kkey, "missing; zonecast signs this zone, so give its keys (file: references to BIND .private files, the .key beside each, or key_dir:)")
		}
	case out.Mode == MultiSigner:
		for _, p := range provs {
			if slices.Contains(r.SignedByZonecast, p) {
				out.SignedByZonecast = append(out.SignedByZonecast, p)
			}
		}
		if len(r.SignedByZonecast) > 0 && !hasKeys {
			d.errorf(d.line(skey), kkey, "missing; zonecast signs for %s, so give its keys (file: references to BIND .private files, the .key beside each, or key_dir:)", strings.Join(r.SignedByZonecast, ", "))
		}
		if len(r.SignedByZonecast) == 0 && hasKeys {
			d.errorf(d.line(kkey), kkey, "zonecast signs for no provider of this zone; list the providers it signs for in signed_by_zonecast:, or remove the keys")
		}
	}
	if len(r.Keys) > 0 && r.KeyDir != "" {
		d.errorf(d.line(join(key, "key_dir")), join(key, "key_dir"), "give keys: or key_dir:, not both")
	}
	if set && len(r.Keys) > 0 {
		d.errorf(d.line(join(key, "keys")), join(key, "keys"), "keys are per zone; a zone set takes key_dir:, a folder holding each member's K<origin>+<alg>+<id>.private and .key")
	}
	for j, ref := range r.Keys {
		ekey := index(join(key, "keys"), j)
		path, ok := strings.CutPrefix(ref, "file:")
		switch {
		case !ok || path == "":
			d.errorf(d.line(ekey), ekey, "write a key as file:PATH, the path of its .private file (its .key beside it)")
		case !strings.HasSuffix(path, ".private"):
			d.errorf(d.line(ekey), ekey, "file:%s: name the key's .private file; its .key must be beside it", path)
		}
	}

	o := dnssec.Options{Validity: DefaultSignatureValidity, Refresh: DefaultSignatureRefresh, DNSKEYTTL: DefaultDNSKEYTTL, CDS: r.CDS}
	positive := func(name string, v *time.Duration, dst *time.Duration) {
		k := join(key, name)
		if v == nil || d.failed(k) {
			return
		}
		if *v <= 0 {
			d.errorf(d.line(k), k, "%s: want a positive duration, such as 336h", *v)
			return
		}
		*dst = *v
	}
	positive("signature_validity", r.SignatureValidity, &o.Validity)
	positive("refresh", r.Refresh, &o.Refresh)
	if o.Refresh >= o.Validity && !d.failed(join(key, "refresh")) && !d.failed(join(key, "signature_validity")) {
		k := join(key, "refresh")
		d.errorf(d.line(k), k, "%s is not less than the signature validity %s: every signature would be renewed at every run", o.Refresh, o.Validity)
	}
	if k := join(key, "dnskey_ttl"); r.DNSKEYTTL != nil && !d.failed(k) {
		if *r.DNSKEYTTL == 0 || *r.DNSKEYTTL > 1<<31-1 {
			d.errorf(d.line(k), k, "%d: want a TTL from 1 to 2147483647 seconds", *r.DNSKEYTTL)
		} else {
			o.DNSKEYTTL = *r.DNSKEYTTL
		}
	}
	switch k := join(key, "denial"); strings.ToLower(r.Denial) {
	case "", "nsec":
	case "nsec3":
		d.errorf(d.line(k), k, "nsec3 is not supported yet; remove denial: (zonecast signs with NSEC)")
	default:
		d.errorf(d.line(k), k, "unknown denial of existence %q; zonecast signs with nsec", r.Denial)
	}
	out.ParentDSTTL = DefaultParentDSTTL
	if k := join(key, "parent_ds_ttl"); r.ParentDSTTL != nil && !d.failed(k) {
		if *r.ParentDSTTL == 0 || *r.ParentDSTTL > 1<<31-1 {
			d.errorf(d.line(k), k, "%d: want a TTL from 1 to 2147483647 seconds", *r.ParentDSTTL)
		} else {
			out.ParentDSTTL = *r.ParentDSTTL
		}
	}
	for j, ds := range r.ParentDS {
		ekey := index(join(key, "parent_ds"), j)
		rr, err := dns.NewRR(". 3600 IN DS " + ds)
		if v, ok := rr.(*dns.DS); err != nil || !ok || len(v.Digest) < 40 {
			d.errorf(d.line(ekey), ekey, "%q is not a DS record's data (KEYTAG ALGORITHM DIGESTTYPE DIGEST, as the plan prints it)", ds)
			continue
		}
		out.ParentDS = append(out.ParentDS, zones.Rdata(rr))
	}
	if out.Mode != Unsigned {
		out.Sign = o
	}
	return out, !failed && len(d.errs) == before
}

// dnssecKeys loads the keys of one zone into z.DNSSEC: r.Keys, or the
// K<origin>+*.private files of r.KeyDir. A key must belong to the zone;
// two files of one key are an error. where names the zone set member's
// file in messages, or is empty. The keys are not read when the run uses
// none of the providers zonecast signs for (see DNSSEC.Keys).
func (d *decoder) dnssecKeys(r *dnssecYAML, zkey string, z *Zone, where string) {
	if r == nil || len(z.DNSSEC.SignedByZonecast) == 0 {
		return
	}
	key := join(zkey, "dnssec")
	var files, keys []string // files, and the key path of each
	if r.KeyDir != "" {
		kdir := r.KeyDir
		if !filepath.IsAbs(kdir) {
			kdir = filepath.Join(d.dir, kdir)
		}
		dkey := join(key, "key_dir")
		byZone, err := d.keyDir(kdir)
		if err != nil {
			d.errorf(d.line(dkey), dkey, "key folder %s: %v", kdir, err)
			return
		}
		found := byZone[strings.ToLower(z.Origin)]
		if len(found) == 0 {
			d.errorf(d.line(dkey), dkey, "%sno keys of %s in %s; make them with dnssec-keygen -K %s %s", where, z.Origin, kdir, kdir, strings.TrimSuffix(z.Origin, "."))
			return
		}
		for _, f := range found {
			files = append(files, filepath.Join(kdir, f))
			keys = append(keys, dkey)
		}
	}
	for j, ref := range r.Keys {
		path, ok := strings.CutPrefix(ref, "file:")
		if !ok || !strings.HasSuffix(path, ".private") {
			continue // reported by dnssec
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(d.dir, path)
		}
		files = append(files, path)
		keys = append(keys, index(join(key, "keys"), j))
	}
	z.DNSSEC.KeyFiles = files
	if len(d.only) > 0 && !slices.ContainsFunc(z.DNSSEC.SignedByZonecast, func(p string) bool { return slices.Contains(d.only, p) }) {
		return
	}
	seen := map[string]string{}
	for i, f := range files {
		k, err := dnssec.LoadKey(f)
		if err != nil {
			d.errorf(d.line(keys[i]), keys[i], "%s%v", where, err)
			continue
		}
		if k.Zone() != z.Origin {
			d.errorf(d.line(keys[i]), keys[i], "%s%s is a key of %s, not of %s", where, f, k.Zone(), z.Origin)
			continue
		}
		id := k.Rdata()
		if first, dup := seen[id]; dup {
			d.errorf(d.line(keys[i]), keys[i], "%s%s holds the same key as %s", where, f, first)
			continue
		}
		seen[id] = f
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm()&0o077 != 0 {
			d.warns = append(d.warns, &Error{File: d.file, Line: d.line(keys[i]), Key: keys[i],
				Err: fmt.Errorf("private key file %s can be read by other users (mode %04o): chmod 600 %s", f, fi.Mode().Perm(), f)})
		}
		z.DNSSEC.Keys = append(z.DNSSEC.Keys, k)
	}
}

func modeList() string {
	s := make([]string, len(dnssecModes))
	for i, m := range dnssecModes {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// keyDir lists a key folder once per Load, however many zones of a set
// take their keys from it: the .private files named as BIND names them,
// K<origin>+<alg>+<id>.private, by lower-cased origin, sorted.
func (d *decoder) keyDir(dir string) (map[string][]string, error) {
	if m, ok := d.keyDirs[dir]; ok {
		return m, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	m := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		base, ok := strings.CutSuffix(name, ".private")
		if !ok || e.IsDir() || !strings.HasPrefix(base, "K") {
			continue
		}
		// The origin ends with its dot, before "+alg+id".
		parts := strings.Split(base[1:], "+")
		if len(parts) != 3 {
			continue
		}
		origin := strings.ToLower(parts[0])
		m[origin] = append(m[origin], name)
	}
	if d.keyDirs == nil {
		d.keyDirs = map[string]map[string][]string{}
	}
	d.keyDirs[dir] = m
	return m, nil
}
