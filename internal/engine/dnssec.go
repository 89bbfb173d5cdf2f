package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/dnssec"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/multisigner"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// The DNSSEC synchronisation of a signed zone (its dnssec: mode is
// multi-signer or signed-by-zonecast), as one more part of the plan.
//
// Once every target of such a zone is read, signZone works out the zone's
// signers (each provider that signs for itself is one; the providers
// zonecast signs for are one more, "zonecast"), reads their keys (the
// apex DNSKEY RRset each serves; at a cloud, its Signer state), and asks
// multisigner.Next what comes next. The steps become ordinary changes:
//
//   - keys to publish or withdraw at a provider: a change of its apex
//     DNSKEY RRset from what it serves to that plus or minus those keys
//     (the driver adds and deletes those records only, never the
//     provider's own);
//   - at the providers zonecast signs for: the zone signed with the
//     owner's keys and the other signers' ZSKs (dnssec.Sign), DNSSEC
//     records planned like any other;
//   - DS records to add or remove: a change of the DS RRset at the zone's
//     parent: provider, or lines for the registrar in the plan's notes;
//   - nameservers to hold out (a signer joining or leaving): the zone's
//     apex NS set and delegation without them;
//   - waits: plan.Wait entries with their end times, which a later apply or
//     sync cycle takes up; nothing sleeps.
//
// What Next keeps between runs (each signer's phase and since when, the
// keys gone, the keys each signer owns, the foreign keys zonecast gave each
// provider) is the zone's DNSSEC state record, a TXT RRset at
// _zonecast-dnssec.<zone> that every provider in service serves (signed
// there like the rest), so that every machine managing the zone sees it.

// signerZonecast names the signer that is zonecast itself (the providers of
// dnssec.signed_by_zonecast).
const signerZonecast = "zonecast"

// dnssecStateName is the owner of the zone's DNSSEC state record.
func dnssecStateName(origin string) string { return plan.SigningStateLabel + "." + origin }

// signing is a signed zone's DNSSEC part of one run's plan.
type signing struct {
	// halted, when set, says why no DNSSEC change is planned for the zone
	// at any provider this run (a provider that cannot take part, keys
	// that cannot be read).
	halted string
	// refused are providers that cannot take part in the zone's DNSSEC:
	// their targets fail with the reason, and nothing of theirs is
	// written.
	refused map[string]error
	// desired is the zone as every provider should serve it: e.Desired
	// with the held nameservers out and the state record in.
	desired *zones.Zone
	// publish and withdraw are the DNSKEYs (rdata) to add to and take out
	// of each self-signing provider's apex DNSKEY RRset.
	publish, withdraw map[string][]string
	// signed is the zone signed by zonecast, for each provider it signs
	// for.
	signed map[string]*zones.Zone
	// addDS and removeDS change the DS RRset at the parent; dsTTL is the
	// TTL of a new one.
	addDS, removeDS []string
	dsTTL           uint32
	notes           []string
	waits           []plan.Wait
}

// sharedSigning is what the DNSSEC state record holds.
type sharedSigning struct {
	Serial  int64                              `json:"serial"`
	Signers map[string]multisigner.SignerState `json:"signers,omitempty"`
	// Gone: a key (rdata) served but no signer's own, since when.
	Gone map[string]time.Time `json:"gone,omitempty"`
	// Own are each signer's own keys as last read: a signer that cannot
	// be read keeps its place with them (its ZSKs stay published, its DS
	// stays at the parent).
	Own map[string][]string `json:"own,omitempty"`
	// Given are the foreign keys zonecast published at each provider: an
	// RFC 2136 server serves its own and the others' keys in one RRset,
	// and this is how zonecast tells them apart.
	Given map[string][]string `json:"given,omitempty"`
}

// same reports whether s and o hold the same state (the serial aside).
func (s sharedSigning) same(o sharedSigning) bool {
	s.Serial, o.Serial = 0, 0
	a, _ := json.Marshal(s.wire())
	b, _ := json.Marshal(o.wire())
	return string(a) == string(b)
}

// recordPrefix is the first character-string of each state record.
const recordPrefix = "zonecast-dnssec=1"

// recordPayload is how many octets of the encoded state one TXT record of
// the RRset carries: six strings of 250, under the 2,048 characters
// Cloudflare takes in one record.
const recordPayload = 1500

// keyID is the short name of a DNSKEY (rdata) in the state record: the
// first 16 hex digits of its SHA-256.
func keyID(rdata string) string {
	sum := sha256.Sum256([]byte(rdata))
	return hex.EncodeToString(sum[:8])
}

// wire is s as recorded: the keys given and gone by keyID (they are
// always served somewhere, so a run finds them again), each signer's own
// keys in full (a signer that is down is not there to ask).
func (s sharedSigning) wire() sharedSigning {
	w := sharedSigning{Serial: s.Serial, Signers: s.Signers, Own: s.Own}
	if len(s.Gone) > 0 {
		w.Gone = map[string]time.Time{}
		for k, t := range s.Gone {
			w.Gone[keyID(k)] = t
		}
	}
	if len(s.Given) > 0 {
		w.Given = map[string][]string{}
		for p, keys := range s.Given {
			for _, k := range keys {
				w.Given[p] = append(w.Given[p], keyID(k))
			}
			slices.Sort(w.Given[p])
		}
	}
	return w
}

// resolve turns a wire state back into keys: each ID found among known
// (rdata), the others dropped (a key no longer served anywhere).
func (s sharedSigning) resolve(known []string) sharedSigning {
	byID := map[string]string{}
	for _, k := range known {
		byID[keyID(k)] = k
	}
	out := sharedSigning{Serial: s.Serial, Signers: s.Signers, Own: s.Own}
	for id, t := range s.Gone {
		if k, ok := byID[id]; ok {
			if out.Gone == nil {
				out.Gone = map[string]time.Time{}
			}
			out.Gone[k] = t
		}
	}
	for p, ids := range s.Given {
		for _, id := range ids {
			if k, ok := byID[id]; ok {
				if out.Given == nil {
					out.Given = map[string][]string{}
				}
				out.Given[p] = append(out.Given[p], k)
			}
		}
	}
	return out
}

// record is s as the TXT RRset of origin: the JSON of its wire form,
// base64, cut in records of recordPayload octets, each
// "zonecast-dnssec=1" "part=I/N" and strings of at most 250 octets.
func (s sharedSigning) record(origin string) *zones.RRset {
	raw, _ := json.Marshal(s.wire())
	b64 := base64.StdEncoding.EncodeToString(raw)
	var chunks []string
	for len(b64) > 0 {
		n := min(recordPayload, len(b64))
		chunks = append(chunks, b64[:n])
		b64 = b64[n:]
	}
	set := &zones.RRset{Name: dnssecStateName(origin), Type: dns.TypeTXT, TTL: 300}
	for i, c := range chunks {
		parts := []string{`"` + recordPrefix + `"`, fmt.Sprintf(`"part=%d/%d"`, i+1, len(chunks))}
		for len(c) > 0 {
			n := min(250, len(c))
			parts = append(parts, `"`+c[:n]+`"`)
			c = c[n:]
		}
		set.Data = append(set.Data, strings.Join(parts, " "))
	}
	slices.Sort(set.Data)
	return set
}

// parseSigning reads a DNSSEC state record as a provider serves it, in its
// wire form (keys given and gone by ID: see resolve).
func parseSigning(set *zones.RRset) (sharedSigning, error) {
	var sh sharedSigning
	if set == nil || len(set.Data) == 0 {
		return sh, fmt.Errorf("no TXT record")
	}
	chunks := make([]string, len(set.Data))
	for _, d := range set.Data {
		rr, err := dns.NewRR(set.Name + " 300 IN TXT " + d)
		if err != nil {
			return sh, err
		}
		txt := rr.(*dns.TXT).Txt
		if len(txt) < 3 || txt[0] != recordPrefix {
			return sh, fmt.Errorf("not a %s record", recordPrefix)
		}
		var i, n int
		if _, err := fmt.Sscanf(txt[1], "part=%d/%d", &i, &n); err != nil || n != len(set.Data) || i < 1 || i > n || chunks[i-1] != "" {
			return sh, fmt.Errorf("bad part %q of %d records", txt[1], len(set.Data))
		}
		chunks[i-1] = strings.Join(txt[2:], "")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(chunks, ""))
	if err != nil {
		return sh, err
	}
	if err := json.Unmarshal(raw, &sh); err != nil {
		return sh, err
	}
	if sh.Serial <= 0 {
		return sh, fmt.Errorf("no serial")
	}
	return sh, nil
}

// signedZone reports whether zc is signed (zonecast takes part in its
// DNSSEC).
func signedZone(zc config.Zone) bool { return zc.DNSSEC.Mode != config.Unsigned }

// readSigner reads, for a provider that signs zc itself and has a Signer
// interface (a cloud), its keys: the engine's reads of such a zone carry
// it.
func (e *Engine) readSigner(ctx context.Context, t Target, r *readResult) {
	if t.Parent || !signedZone(t.Zone) || t.Zone.DNSSEC.SignsFor(t.Provider.Name()) {
		return
	}
	s, ok := t.Provider.(providers.Signer)
	if !ok {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, cmp.Or(e.Config.Limits.ReadTimeout, config.DefaultReadTimeout))
	defer cancel()
	st, err := s.SignerState(rctx, t.Zone.Origin)
	if err != nil {
		r.signerErr = err
		return
	}
	r.signer = &st
}

// now is the engine's clock.
func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// desiredOf is the zone origin as its providers should serve it: with a
// signed zone's held nameservers out and its state record in.
func (e *Engine) desiredOf(origin string) *zones.Zone {
	if sg := e.signing[origin]; sg != nil && sg.desired != nil {
		return sg.desired
	}
	return e.Desired[origin]
}

// planSigning works out the DNSSEC part of the plan of every signed zone
// from the reads of its targets (read: the target's read, or false when it
// was not read in time).
func (e *Engine) planSigning(targets []Target, read func(Target) (readResult, bool), now time.Time) {
	byZone := map[string][]Target{}
	for _, t := range targets {
		if signedZone(t.Zone) {
			byZone[t.Zone.Origin] = append(byZone[t.Zone.Origin], t)
		}
	}
	if len(byZone) == 0 {
		return
	}
	if e.signing == nil {
		e.signing = map[string]*signing{}
	}
	for origin, ts := range byZone {
		reads := map[string]readResult{}
		var parent *readResult
		for _, t := range ts {
			r, ok := read(t)
			if !ok {
				continue
			}
			if t.Parent {
				parent = &r
			} else {
				reads[t.Provider.Name()] = r
			}
		}
		e.signing[origin] = e.signZone(e.zoneConfig(origin), reads, parent, now)
	}
}

// signZone is planSigning for one zone.
func (e *Engine) signZone(zc config.Zone, reads map[string]readResult, parent *readResult, now time.Time) *signing {
	origin := zc.Origin
	sg := &signing{refused: map[string]error{}, publish: map[string][]string{}, withdraw: map[string][]string{}, signed: map[string]*zones.Zone{}}
	halt := func(why string) *signing {
		sg.halted = why
		sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC: nothing of the signers' keys or DS is changed this run: %s", origin, why))
		return sg
	}

	// Who can take part.
	var members []providers.Member
	for _, name := range zc.Providers {
		caps := e.Config.Providers[name].Capabilities().DNSSEC
		if zc.DNSSEC.SignsFor(name) && !caps.ServesGiven {
			sg.refused[name] = &providers.JoinError{Provider: name, Mode: zc.DNSSEC.Mode.Group(),
				Reason: "zonecast signs the zone for it (dnssec.signed_by_zonecast), but it does not serve the DNSSEC records it is given",
				Fix:    "give it `dnssec: zonecast-signs` if the server serves what it is given, or take it out of signed_by_zonecast"}
			continue
		}
		members = append(members, providers.Member{Name: name, Caps: caps})
	}
	if err := providers.CheckGroup(zc.DNSSEC.Mode.Group(), members); err != nil {
		for _, m := range members {
			if jerr := providers.CanJoin(m.Name, m.Caps, zc.DNSSEC.Mode.Group()); jerr != nil {
				sg.refused[m.Name] = jerr
			}
		}
		if len(sg.refused) == 0 {
			return halt(err.Error())
		}
	}
	if len(sg.refused) > 0 {
		names := slices.Sorted(maps.Keys(sg.refused))
		return halt(fmt.Sprintf("%s cannot take part in DNSSEC mode %s (see each): a signed zone is only as valid as its weakest provider", strings.Join(names, ", "), zc.DNSSEC.Mode))
	}

	// The state recorded by the last run, the newest any provider serves.
	var prior sharedSigning
	for _, name := range slices.Sorted(maps.Keys(reads)) {
		r := reads[name]
		if r.err != nil {
			continue
		}
		for i := range r.current {
			s := &r.current[i]
			if s.Type == dns.TypeTXT && s.Name == dnssecStateName(origin) {
				if sh, err := parseSigning(s); err == nil && sh.Serial > prior.Serial {
					prior = sh
				}
			}
		}
	}

	// The keys the record names by ID, found among every key read.
	var seen []string
	for _, k := range zc.DNSSEC.Keys {
		seen = append(seen, k.Rdata())
	}
	for _, own := range prior.Own {
		seen = append(seen, own...)
	}
	for _, r := range reads {
		for i := range r.current {
			if s := &r.current[i]; s.Name == origin && s.Type == dns.TypeDNSKEY {
				seen = append(seen, s.Data...)
			}
		}
		if r.signer != nil {
			seen = append(append(seen, r.signer.Keys.Data...), r.signer.Foreign...)
		}
	}
	prior = prior.resolve(seen)

	desired := e.Desired[origin]
	in := multisigner.Input{Zone: origin, MaxTTL: time.Duration(maxTTL(desired)) * time.Second}
	if ns := desired.Lookup(origin, dns.TypeNS); ns != nil {
		in.NSTTL = time.Duration(ns.TTL) * time.Second
	}
	for _, name := range zc.Providers {
		// A provider that raises TTLs to its minimum (Cloudflare: 60 s,
		// 30 on Enterprise) serves them longer than the file says, and
		// resolvers cache them that long.
		if m := time.Duration(e.Config.Providers[name].Capabilities().MinTTL) * time.Second; m > 0 {
			in.MaxTTL, in.NSTTL = max(in.MaxTTL, m), max(in.NSTTL, m)
		}
	}
	var dnskeyTTL uint32
	nsSeen := map[string]bool{}
	served := func(r readResult, typ uint16) *zones.RRset {
		for i := range r.current {
			if s := &r.current[i]; s.Name == origin && s.Type == typ {
				return s
			}
		}
		return nil
	}
	readable := func(name string) (readResult, bool) {
		r, ok := reads[name]
		return r, ok && r.err == nil && !r.missing && r.signerErr == nil && !r.mark.hit
	}

	// zonecast's own keys and the providers it signs for.
	var zcOwn []string
	for _, k := range zc.DNSSEC.Keys {
		zcOwn = append(zcOwn, k.Rdata())
	}
	given := map[string][]string{}
	maps.Copy(given, prior.Given)
	foreignTo := func(name string) []string { return given[name] }

	type member struct {
		signer string
		names  []string
	}
	var order []member
	at := map[string]int{}
	for _, name := range zc.Providers {
		s := name
		if zc.DNSSEC.SignsFor(name) {
			s = signerZonecast
		}
		i, ok := at[s]
		if !ok {
			i = len(order)
			at[s] = i
			order = append(order, member{signer: s})
		}
		order[i].names = append(order[i].names, name)
	}
	// known are the keys whose owner zonecast can tell for sure: its own,
	// and those a cloud's API names as its own.
	known := map[string]string{}
	for _, k := range zcOwn {
		known[k] = signerZonecast
	}
	for _, name := range zc.Providers {
		if r, ok := readable(name); ok && r.signer != nil {
			for _, k := range r.signer.Keys.Data {
				known[k] = name
			}
		}
	}
	own := map[string][]string{}
	var zcForeign []string // the foreign keys the zonecast-signed providers serve now
	for _, m := range order {
		s := multisigner.Signer{Name: m.signer}
		allOut := true
		for _, name := range m.names {
			if !e.State.IsDropped(name, origin) {
				allOut = false
			}
			for _, n := range e.Config.Providers[name].Capabilities().Nameservers {
				if cn := zones.CanonicalName(n.Name); !slices.Contains(s.Nameservers, cn) {
					s.Nameservers = append(s.Nameservers, cn)
				}
			}
		}
		if allOut {
			in.Leaving = append(in.Leaving, m.signer)
		}
		if m.signer == signerZonecast {
			s.Own = zcOwn
			first := true
			for _, name := range m.names {
				r, ok := readable(name)
				if !ok {
					continue
				}
				var pub []string
				if set := served(r, dns.TypeDNSKEY); set != nil {
					pub = set.Data
					dnskeyTTL = max(dnskeyTTL, set.TTL)
				}
				if first {
					s.Published, first = slices.Clone(pub), false
				} else {
					s.Published = slices.DeleteFunc(s.Published, func(k string) bool { return !slices.Contains(pub, k) })
				}
				s.Read = true
			}
			if len(zcOwn) == 0 {
				// A run without the private keys (not selected): the keys
				// last recorded stand for them; zonecast's part is not read.
				s.Own, s.Read = prior.Own[signerZonecast], false
			}
			for _, k := range s.Published {
				if !slices.Contains(zcOwn, k) {
					zcForeign = append(zcForeign, k)
				}
			}
			dnskeyTTL = max(dnskeyTTL, zc.DNSSEC.Sign.DNSKEYTTL)
		} else {
			name := m.names[0]
			if r, ok := readable(name); ok {
				s.Read = true
				if r.signer != nil {
					s.Own = slices.Clone(r.signer.Keys.Data)
					s.Published = append(slices.Clone(r.signer.Keys.Data), r.signer.Foreign...)
					dnskeyTTL = max(dnskeyTTL, r.signer.Keys.TTL)
				} else if set := served(r, dns.TypeDNSKEY); set != nil {
					s.Published = slices.Clone(set.Data)
					dnskeyTTL = max(dnskeyTTL, set.TTL)
					for _, k := range set.Data {
						if o, ok := known[k]; (ok && o != name) || slices.Contains(foreignTo(name), k) {
							continue
						}
						s.Own = append(s.Own, k)
					}
				}
			} else {
				s.Own = prior.Own[name]
			}
		}
		if s.Read || len(s.Own) > 0 {
			own[m.signer] = s.Own
		}
		in.Signers = append(in.Signers, s)
	}
	for name := range reads {
		if r, ok := readable(name); ok {
			if set := served(r, dns.TypeNS); set != nil {
				for _, n := range set.Data {
					nsSeen[n] = true
				}
			}
		}
	}
	in.NS = slices.Sorted(maps.Keys(nsSeen))
	in.DNSKEYTTL = time.Duration(cmp.Or(dnskeyTTL, dnssec.DefaultDNSKEYTTL)) * time.Second

	// The parent.
	sg.dsTTL = 86400
	registrar := zc.Parent == nil
	switch {
	case registrar:
		// The registrar's DS set is what the owner wrote in
		// dnssec.parent_ds once done there; the delegation is taken to
		// follow the zone's NS set (failover prints what to change at the
		// registrar).
		in.ParentDS = slices.Clone(zc.DNSSEC.ParentDS)
		sg.dsTTL = zc.DNSSEC.ParentDSTTL
		in.ParentNS = apexNSData(desired, origin)
	case parent == nil:
		return halt(fmt.Sprintf("the parent zone %s at %s was not read in time", zc.Parent.Zone, zc.Parent.Provider))
	case parent.err != nil:
		return halt(fmt.Sprintf("the parent zone %s at %s could not be read: %v", zc.Parent.Zone, zc.Parent.Provider, parent.err))
	}
	if !registrar {
		in.ParentDS, in.ParentNS, sg.dsTTL = delegationOf(parent.current, origin)
	}
	in.DSTTL = time.Duration(sg.dsTTL) * time.Second

	st := multisigner.State{Signers: prior.Signers, Gone: prior.Gone}
	res, err := multisigner.Next(in, st, now)
	if err != nil {
		return halt(err.Error())
	}
	for _, step := range res.Steps {
		switch step.Kind {
		case multisigner.Publish:
			sg.publish[step.Provider] = appendNew(sg.publish[step.Provider], step.Keys...)
		case multisigner.Withdraw:
			sg.withdraw[step.Provider] = appendNew(sg.withdraw[step.Provider], step.Keys...)
		case multisigner.AddDS:
			sg.addDS = appendNew(sg.addDS, step.DS...)
		case multisigner.RemoveDS:
			sg.removeDS = appendNew(sg.removeDS, step.DS...)
		case multisigner.Wait:
			sg.waits = append(sg.waits, plan.Wait{Zone: origin, Signer: step.Signer, Until: step.Until, Why: step.Why})
			continue
		}
		sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC: %s", origin, step))
		if registrar && (step.Kind == multisigner.AddDS || step.Kind == multisigner.RemoveDS) {
			verb := map[multisigner.Kind]string{multisigner.AddDS: "add", multisigner.RemoveDS: "remove"}[step.Kind]
			for _, d := range step.DS {
				sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC: at the registrar, %s the DS record %s IN DS %s; once done there, write the registrar's DS set in dnssec.parent_ds of %s in %s",
					origin, verb, origin, d, origin, e.Config.File))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(res.State.Signers)) {
		ss := res.State.Signers[name]
		sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC signer %s: %s since %s", origin, name, ss.Phase, ss.Since.UTC().Format(time.RFC3339)))
	}

	// The foreign keys zonecast gives each provider, as they will be.
	for _, m := range order {
		if m.signer == signerZonecast {
			continue
		}
		name := m.names[0]
		g := appendNew(slices.Clone(given[name]), sg.publish[name]...)
		g = slices.DeleteFunc(g, func(k string) bool { return slices.Contains(sg.withdraw[name], k) })
		if r, ok := readable(name); ok {
			// What the provider no longer serves is no longer given.
			var pub []string
			if set := served(r, dns.TypeDNSKEY); set != nil {
				pub = set.Data
			}
			if r.signer != nil {
				pub = r.signer.Foreign
			}
			g = slices.DeleteFunc(g, func(k string) bool {
				return !slices.Contains(pub, k) && !slices.Contains(sg.publish[name], k)
			})
		}
		if len(g) > 0 {
			slices.Sort(g)
			given[name] = g
		} else {
			delete(given, name)
		}
	}
	next := sharedSigning{Signers: res.State.Signers, Gone: res.State.Gone, Own: own, Given: given}
	for _, v := range next.Own {
		slices.Sort(v)
	}
	next.Serial = prior.Serial
	if !next.same(prior) || prior.Serial == 0 {
		next.Serial = max(now.UnixNano(), prior.Serial+1)
	}

	// The zone as every provider should serve it.
	z := desired
	if len(res.HoldNS) > 0 && len(in.ParentDS) > 0 {
		var hold []providers.Nameserver
		for _, n := range res.HoldNS {
			hold = append(hold, providers.Nameserver{Name: n})
		}
		held, err := failover.Without(z, hold)
		if err != nil {
			sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC: the nameservers of joining or leaving signers stay in the NS set: %v", origin, err))
		} else {
			z = held
			sg.notes = append(sg.notes, fmt.Sprintf("%s: DNSSEC: held out of the apex NS set and the delegation for now: %s", origin, strings.Join(res.HoldNS, ", ")))
		}
	}
	c := *z
	c.Sets = make(map[zones.Key]*zones.RRset, len(z.Sets)+1)
	maps.Copy(c.Sets, z.Sets)
	rec := next.record(origin)
	c.Sets[rec.Key()] = rec
	sg.desired = &c

	// The zone signed by zonecast for each provider it signs for.
	zcForeign = appendNew(zcForeign, sg.publish[signerZonecast]...)
	zcForeign = slices.DeleteFunc(zcForeign, func(k string) bool { return slices.Contains(sg.withdraw[signerZonecast], k) })
	for _, name := range zc.Providers {
		if !zc.DNSSEC.SignsFor(name) {
			continue
		}
		r, ok := reads[name]
		if !ok || r.err != nil || len(zc.DNSSEC.Keys) == 0 {
			continue
		}
		signed, err := e.signFor(zc, sg.desired, zcForeign, r, now)
		if err != nil {
			sg.refused[name] = err
			continue
		}
		sg.signed[name] = signed
	}
	return sg
}

// signFor signs desired for one provider zonecast signs for, reusing the
// signatures it serves that are still good. When the zone changes there
// and the SOA serial it serves is not below the zone file's, the serial
// goes one above the served one (a server loading the file, or a
// secondary, must see a new serial), and the SOA is signed with it.
func (e *Engine) signFor(zc config.Zone, desired *zones.Zone, foreign []string, r readResult, now time.Time) (*zones.Zone, error) {
	fset := []zones.RRset{{Name: zc.Origin, Type: dns.TypeDNSKEY, TTL: zc.DNSSEC.Sign.DNSKEYTTL, Data: foreign}}
	sign := func(serial uint32) (*zones.Zone, error) {
		z := desired
		if serial != 0 {
			c := *desired
			c.Sets = maps.Clone(desired.Sets)
			soa := *desired.Lookup(zc.Origin, dns.TypeSOA)
			soa.Data = []string{setSerial(soa.Data[0], serial)}
			c.Sets[soa.Key()] = &soa
			z = &c
		}
		signed, _, err := dnssec.Sign(z, zc.DNSSEC.Keys, fset, r.current, now, zc.DNSSEC.Sign)
		return signed, err
	}
	var cur *zones.RRset
	for i := range r.current {
		if s := &r.current[i]; s.Name == zc.Origin && s.Type == dns.TypeSOA {
			cur = s
		}
	}
	want := desired.Lookup(zc.Origin, dns.TypeSOA)
	if cur == nil || want == nil || soaSerial(cur) < soaSerial(want) {
		return sign(0) // the zone file's serial moves the zone on
	}
	// The served serial, and one above it if anything else changes.
	served := soaSerial(cur)
	signed, err := sign(served)
	if err != nil {
		return nil, err
	}
	if t := plan.Compute(plan.Input{Desired: signed, Provider: zc.Origin, Current: r.current, Signed: true}); len(t.Changes) == 0 {
		return signed, nil
	}
	return sign(served + 1)
}

// soaSerial is the serial of an SOA RRset (0 when it cannot be read).
func soaSerial(s *zones.RRset) uint32 {
	if len(s.Data) != 1 {
		return 0
	}
	f := strings.Fields(s.Data[0])
	if len(f) < 3 {
		return 0
	}
	n, _ := strconv.ParseUint(f[2], 10, 32)
	return uint32(n)
}

// setSerial is SOA rdata with its serial replaced.
func setSerial(rdata string, serial uint32) string {
	f := strings.Fields(rdata)
	if len(f) < 3 {
		return rdata
	}
	f[2] = strconv.FormatUint(uint64(serial), 10)
	return strings.Join(f, " ")
}

// maxTTL is the largest TTL of the zone's RRsets that resolvers cache:
// zonecast's own state records (read through the providers' APIs) do not
// count.
func maxTTL(z *zones.Zone) uint32 {
	var m uint32
	for _, s := range z.Sets {
		if failover.IsStateName(s.Name, z.Origin) || failover.IsAddressesName(s.Name, z.Origin) || s.Name == dnssecStateName(z.Origin) {
			continue
		}
		m = max(m, s.TTL)
	}
	return m
}

// apexNSData is the nameservers of z's apex NS set (nil when none).
func apexNSData(z *zones.Zone, origin string) []string {
	if ns := z.Lookup(origin, dns.TypeNS); ns != nil {
		return slices.Clone(ns.Data)
	}
	return nil
}

// delegationOf is origin's DS and NS sets in the parent zone's RRsets, and
// the TTL a DS there has: its own, else the delegation's, else 86400.
func delegationOf(parent []zones.RRset, origin string) (ds, ns []string, dsTTL uint32) {
	var nsTTL uint32
	for i := range parent {
		switch s := &parent[i]; {
		case s.Name == origin && s.Type == dns.TypeDS:
			ds, dsTTL = slices.Clone(s.Data), s.TTL
		case s.Name == origin && s.Type == dns.TypeNS:
			ns, nsTTL = slices.Clone(s.Data), s.TTL
		}
	}
	return ds, ns, cmp.Or(dsTTL, nsTTL, 86400)
}

// appendNew appends the xs not in list yet.
func appendNew(list []string, xs ...string) []string {
	for _, x := range xs {
		if !slices.Contains(list, x) {
			list = append(list, x)
		}
	}
	return list
}

// computeSigned plans target t of a signed zone from what was read, with
// the zone's DNSSEC part (sg).
func (e *Engine) computeSigned(t Target, r readResult, sg *signing) *plan.Target {
	zc := t.Zone
	name := t.Provider.Name()
	if err := sg.refused[name]; err != nil {
		return &plan.Target{Zone: zc.Origin, Provider: name, Err: fmt.Errorf("DNSSEC: %w", err)}
	}
	desired, signed := e.desiredOf(zc.Origin), false
	if z := sg.signed[name]; z != nil && sg.halted == "" {
		desired, signed = z, true
	}
	in := e.planInput(t, r, desired)
	in.Signed = signed
	target := plan.Compute(in)
	if zc.DNSSEC.SignsFor(name) && !signed && sg.halted == "" {
		target.Notes = append(target.Notes, "DNSSEC: zonecast signs the zone for this provider, but cannot this run (no keys loaded, or the provider was not read): its DNSSEC records are left as they are")
	}
	if sg.halted != "" || signed {
		return &target
	}
	pub, wd := sg.publish[name], sg.withdraw[name]
	if len(pub)+len(wd) == 0 {
		return &target
	}
	// The apex DNSKEY RRset as served, plus and minus the keys to move.
	before := &zones.RRset{Name: zc.Origin, Type: dns.TypeDNSKEY, TTL: newDNSKEYTTL(zc)}
	if r.signer != nil {
		before.TTL = cmp.Or(r.signer.Keys.TTL, before.TTL)
		before.Data = append(slices.Clone(r.signer.Keys.Data), r.signer.Foreign...)
	} else {
		for i := range r.current {
			if s := &r.current[i]; s.Name == zc.Origin && s.Type == dns.TypeDNSKEY {
				before = s
			}
		}
	}
	after := &zones.RRset{Name: zc.Origin, Type: dns.TypeDNSKEY, TTL: before.TTL}
	after.Data = appendNew(slices.Clone(before.Data), pub...)
	after.Data = slices.DeleteFunc(after.Data, func(k string) bool { return slices.Contains(wd, k) })
	slices.Sort(after.Data)
	b := slices.Sorted(slices.Values(before.Data))
	if slices.Equal(b, after.Data) {
		return &target
	}
	c := plan.Change{Op: plan.Update, Before: before, After: after}
	if len(before.Data) == 0 {
		c = plan.Change{Op: plan.Create, After: after}
	}
	target.Changes = append(target.Changes, c)
	plan.Sort(target.Changes)
	return &target
}

// newDNSKEYTTL is the TTL a DNSKEY RRset gets where none is served.
func newDNSKEYTTL(zc config.Zone) uint32 {
	return cmp.Or(zc.DNSSEC.Sign.DNSKEYTTL, dnssec.DefaultDNSKEYTTL)
}

// delegationDS is the change of the zone's DS RRset at the parent that the
// DNSSEC part of the plan asks for (nil when none).
func (e *Engine) delegationDS(origin string, current []zones.RRset) *plan.Change {
	sg := e.signing[origin]
	if sg == nil || sg.halted != "" || len(sg.addDS)+len(sg.removeDS) == 0 {
		return nil
	}
	var before *zones.RRset
	for i := range current {
		if s := &current[i]; s.Name == origin && s.Type == dns.TypeDS {
			before = s
		}
	}
	after := &zones.RRset{Name: origin, Type: dns.TypeDS, TTL: sg.dsTTL}
	if before != nil {
		after.TTL = before.TTL
		after.Data = slices.Clone(before.Data)
	}
	after.Data = appendNew(after.Data, sg.addDS...)
	after.Data = slices.DeleteFunc(after.Data, func(d string) bool { return slices.Contains(sg.removeDS, d) })
	slices.Sort(after.Data)
	switch {
	case before == nil && len(after.Data) == 0:
		return nil
	case before == nil:
		return &plan.Change{Op: plan.Create, After: after}
	case len(after.Data) == 0:
		return &plan.Change{Op: plan.Delete, Before: before}
	case slices.Equal(slices.Sorted(slices.Values(before.Data)), after.Data):
		return nil
	}
	return &plan.Change{Op: plan.Update, Before: before, After: after}
}

// signingNotes are the notes and waits of every signed zone, for the plan.
func (e *Engine) signingNotes(origins []string) (notes []string, waits []plan.Wait) {
	for _, o := range origins {
		if sg := e.signing[o]; sg != nil {
			notes = append(notes, sg.notes...)
			waits = append(waits, sg.waits...)
		}
	}
	return notes, waits
}
