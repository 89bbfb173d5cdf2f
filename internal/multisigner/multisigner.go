// Package multisigner decides, for a zone signed by several independent
// signers (RFC 8901 model 2: each provider keeps its own KSK and ZSK, every
// provider's DNSKEY RRset carries every provider's ZSKs, the parent holds a
// DS for every provider's KSK), what must change next so that the zone
// validates at every moment: when a signer joins, when one leaves (a
// failover drop, or taken out of the configuration), and when a signer
// rolls its own keys.
//
// It is a pure function of what was read and of the times recorded in its
// State: Next says which keys to publish or withdraw at which provider,
// which DS records the parent must gain or lose, which nameservers to hold
// out of the NS sets for now, and until when to wait. It does no I/O and
// never sleeps; a wait is a step with its end time, which a later run (the
// sync job) takes up. The order follows draft-ietf-dnsop-dnssec-automation
// (sections "Adding a signer" and "Removing a signer"):
//
//	join:  exchange ZSKs (the new signer's in every DNSKEY RRset, everyone's
//	       in its) → wait the DNSKEY TTL → its KSK's DS at the parent → wait
//	       the DS TTL → its nameservers into the NS sets and the delegation
//	leave: its nameservers out of the NS sets and the delegation → wait the
//	       NS TTL and the longest TTL of the zone's data (answers it signed,
//	       still cached) → its DS out of the parent → wait the DS TTL → its
//	       keys out of the other signers' DNSKEY RRsets
//
// A signer's own ZSK rollover is followed as it happens: a new ZSK of a
// signer goes into every other DNSKEY RRset at once (the signer pre-publishes
// it for its own DNSKEY TTL before signing with it; the others follow within
// a cycle), and a key no signer holds any longer is withdrawn from the
// others only once the DNSKEY TTL and the longest data TTL have passed since
// it went (signatures made with it may still be cached). A KSK's DS follows
// its KSK: added when a joined signer publishes a new KSK, removed when no
// signer publishes it.
package multisigner

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Signer is one provider signing the zone with keys of its own, as read
// now.
type Signer struct {
	// Name is the provider's name.
	Name string
	// Own are the DNSKEYs the signer made and signs with (its KSKs and
	// ZSKs), rdata in presentation form ("256 3 13 base64…"). For a
	// signer that could not be read, the keys last read (the caller keeps
	// them): with none, no DS unknown to the group is removed.
	Own []string
	// Published is the DNSKEY RRset the signer serves now: its own keys
	// and the foreign ones it was given.
	Published []string
	// Nameservers are the signer's names in the zone's apex NS set.
	Nameservers []string
	// Read: the signer could be read now. Nothing is asked of one that
	// could not, and nothing of its keys is withdrawn elsewhere because of
	// it: a signer that is down keeps its place until it is dropped.
	Read bool
}

// Input is what a run read of a zone's signers and its parent, with the
// TTLs that decide the waits.
type Input struct {
	Zone string
	// Signers are the zone's signers in the configuration (in service,
	// joining or leaving).
	Signers []Signer
	// Leaving names the signers to take out (dropped by failover, or no
	// longer in the configuration).
	Leaving []string
	// ParentDS is the zone's DS RRset at the parent now (rdata); NS the
	// nameservers of the zone's apex NS set as the signers serve it, and
	// ParentNS those of the delegation.
	ParentDS, NS, ParentNS []string
	// DNSKEYTTL, DSTTL and NSTTL are the TTLs of those RRsets (the
	// largest served); MaxTTL the largest TTL of any RRset of the zone.
	DNSKEYTTL, DSTTL, NSTTL, MaxTTL time.Duration
	// Digest is the DS digest type the parent gets (dns.SHA256 when 0).
	Digest uint8
}

// State is what Next records between runs: each signer's phase and when it
// began, and when each key left every signer's own set.
type State struct {
	Signers map[string]SignerState `json:"signers,omitempty"`
	// Gone: a DNSKEY (rdata) that is in some DNSKEY RRset but no
	// signer's own any more, since when.
	Gone map[string]time.Time `json:"gone,omitempty"`
}

// SignerState is a signer's place in joining or leaving the group.
type SignerState struct {
	Phase Phase     `json:"phase"`
	Since time.Time `json:"since"`
}

// Phase is where a signer stands.
type Phase string

// The phases, in order: joining, joined, leaving.
const (
	// JoinKeys: the ZSKs are being exchanged.
	JoinKeys Phase = "join-keys"
	// JoinKeysWait: exchanged everywhere at Since; the DNSKEY TTL runs.
	JoinKeysWait Phase = "join-keys-wait"
	// JoinDS: its KSKs' DS are being added at the parent.
	JoinDS Phase = "join-ds"
	// JoinDSWait: at the parent since Since; the DS TTL runs.
	JoinDSWait Phase = "join-ds-wait"
	// JoinNS: its nameservers go into the NS sets and the delegation.
	JoinNS Phase = "join-ns"
	// Joined: a full member.
	Joined Phase = "joined"
	// LeaveNS: its nameservers are being taken out.
	LeaveNS Phase = "leave-ns"
	// LeaveNSWait: out since Since; the NS and data TTLs run.
	LeaveNSWait Phase = "leave-ns-wait"
	// LeaveDS: its DS are being taken out of the parent.
	LeaveDS Phase = "leave-ds"
	// LeaveDSWait: out since Since; the DS TTL runs.
	LeaveDSWait Phase = "leave-ds-wait"
	// LeaveKeys: its keys are being withdrawn from the others.
	LeaveKeys Phase = "leave-keys"
	// Left: out of the group; nothing more is done for it while it stays
	// in Leaving.
	Left Phase = "left"
)

// Kind is what a step does.
type Kind string

// The kinds of steps.
const (
	// Publish adds Keys to Provider's DNSKEY RRset.
	Publish Kind = "publish-keys"
	// Withdraw takes Keys out of Provider's DNSKEY RRset.
	Withdraw Kind = "withdraw-keys"
	// AddDS and RemoveDS change the DS RRset at the parent.
	AddDS    Kind = "add-ds"
	RemoveDS Kind = "remove-ds"
	// Wait: nothing more for Signer until Until.
	Wait Kind = "wait"
)

// Step is one thing to do.
type Step struct {
	Kind Kind
	// Provider is where keys are published or withdrawn.
	Provider string
	// Signer is the signer the step is for (joining, leaving, rolling).
	Signer string
	Keys   []string // DNSKEY rdata (Publish, Withdraw)
	DS     []string // DS rdata (AddDS, RemoveDS)
	Until  time.Time
	Why    string
}

func (s Step) String() string {
	switch s.Kind {
	case Publish, Withdraw:
		return fmt.Sprintf("%s %d keys at %s (%s): %s", s.Kind, len(s.Keys), s.Provider, s.Signer, s.Why)
	case AddDS, RemoveDS:
		return fmt.Sprintf("%s %d at the parent (%s): %s", s.Kind, len(s.DS), s.Signer, s.Why)
	}
	return fmt.Sprintf("wait until %s (%s): %s", s.Until.UTC().Format(time.RFC3339), s.Signer, s.Why)
}

// Result is what Next decided.
type Result struct {
	Steps []Step
	// HoldNS are nameserver names to keep out of the zone's apex NS set
	// and the delegation for now: a joining signer's until its DS has
	// reached resolvers, a leaving signer's from the start.
	HoldNS []string
	// State is the state to record for the next run.
	State State
}

// Next decides the steps of a run at time now.
func Next(in Input, st State, now time.Time) (Result, error) {
	n := &next{in: in, now: now, st: State{Signers: map[string]SignerState{}, Gone: map[string]time.Time{}}}
	maps.Copy(n.st.Signers, st.Signers)
	maps.Copy(n.st.Gone, st.Gone)
	n.digest = cmp.Or(in.Digest, dns.SHA256)
	if err := n.index(); err != nil {
		return Result{}, err
	}
	for i := range n.in.Signers {
		n.signer(&n.in.Signers[i])
	}
	n.rollovers()
	n.ds()
	for name := range n.st.Signers {
		if n.byName[name] == nil {
			delete(n.st.Signers, name) // no longer configured and done leaving
		}
	}
	slices.Sort(n.hold)
	return Result{Steps: merge(n.steps), HoldNS: slices.Compact(n.hold), State: n.st}, nil
}

// merge makes one step of the Publish (or Withdraw) steps at one provider,
// each key once, in the order first asked; waits and DS steps stay as they
// are.
func merge(steps []Step) []Step {
	var out []Step
	at := map[[2]string]int{}
	for _, s := range steps {
		if s.Kind != Publish && s.Kind != Withdraw {
			out = append(out, s)
			continue
		}
		k := [2]string{string(s.Kind), s.Provider}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, s)
			continue
		}
		for _, key := range s.Keys {
			if !slices.Contains(out[i].Keys, key) {
				out[i].Keys = append(out[i].Keys, key)
			}
		}
	}
	return out
}

type next struct {
	in     Input
	now    time.Time
	st     State
	digest uint8
	byName map[string]*Signer
	// ksk and zsk tell a key's kind, by rdata; owner the signer whose own
	// it is.
	ksk, zsk map[string]bool
	owner    map[string]string
	steps    []Step
	hold     []string
}

func (n *next) index() error {
	n.byName, n.ksk, n.zsk, n.owner = map[string]*Signer{}, map[string]bool{}, map[string]bool{}, map[string]string{}
	for i := range n.in.Signers {
		s := &n.in.Signers[i]
		n.byName[s.Name] = s
		for _, k := range s.Own {
			key, err := parseKey(n.in.Zone, k)
			if err != nil {
				return fmt.Errorf("%s: a DNSKEY of %s: %w", n.in.Zone, s.Name, err)
			}
			if key.Flags&dns.SEP != 0 {
				n.ksk[k] = true
			} else {
				n.zsk[k] = true
			}
			n.owner[k] = s.Name
		}
	}
	return nil
}

func (n *next) leaving(name string) bool { return slices.Contains(n.in.Leaving, name) }

// phase is the signer's recorded phase; a signer never seen is joining,
// unless the zone already has it everywhere (a group zonecast takes over:
// its nameservers are in the NS set and its DS at the parent), which is
// joined.
func (n *next) phase(s *Signer) SignerState {
	if ss, ok := n.st.Signers[s.Name]; ok {
		return ss
	}
	if n.leaving(s.Name) {
		return SignerState{Phase: LeaveNS, Since: n.now}
	}
	if len(s.Nameservers) > 0 && subset(s.Nameservers, n.in.NS) && subset(n.dsOf(s), n.in.ParentDS) {
		return SignerState{Phase: Joined, Since: n.now}
	}
	return SignerState{Phase: JoinKeys, Since: n.now}
}

func (n *next) set(s *Signer, p Phase) {
	n.st.Signers[s.Name] = SignerState{Phase: p, Since: n.now}
}

func (n *next) wait(s *Signer, until time.Time, why string) bool {
	if n.now.Before(until) {
		n.steps = append(n.steps, Step{Kind: Wait, Signer: s.Name, Until: until, Why: why})
		return true
	}
	return false
}

// signer moves one signer through joining or leaving as far as this run
// can.
func (n *next) signer(s *Signer) {
	ss := n.phase(s)
	leavePhase := strings.HasPrefix(string(ss.Phase), "leave") || ss.Phase == Left
	switch {
	case n.leaving(s.Name) && !leavePhase:
		// Joined or half way in: it leaves from where it is (its NS out
		// first, which a joining signer's never were).
		ss = SignerState{Phase: LeaveNS, Since: n.now}
	case !n.leaving(s.Name) && leavePhase:
		// Back (a failover restore) while leaving or after it left: it
		// joins again from the start, its nameservers held out until its
		// keys are everywhere and its DS at the parent once more.
		ss = SignerState{Phase: JoinKeys, Since: n.now}
	}
	n.st.Signers[s.Name] = ss
	for {
		switch ss.Phase {
		case JoinKeys:
			n.hold = append(n.hold, s.Nameservers...)
			if !n.exchange(s) {
				return
			}
			n.set(s, JoinKeysWait)
		case JoinKeysWait:
			n.hold = append(n.hold, s.Nameservers...)
			n.exchange(s) // keys rolled in meanwhile
			if n.wait(s, ss.Since.Add(n.in.DNSKEYTTL), "the other signers' DNSKEY RRsets now hold its ZSKs; resolvers' cached DNSKEY RRsets expire") {
				return
			}
			n.set(s, JoinDS)
		case JoinDS:
			n.hold = append(n.hold, s.Nameservers...)
			n.exchange(s) // keys rolled in meanwhile
			// ds() asks the parent for the DS of every signer from this
			// phase on.
			if !subset(n.dsOf(s), n.in.ParentDS) {
				return
			}
			n.set(s, JoinDSWait)
		case JoinDSWait:
			n.hold = append(n.hold, s.Nameservers...)
			n.exchange(s) // keys rolled in meanwhile
			if n.wait(s, ss.Since.Add(n.in.DSTTL), "its DS is at the parent; resolvers' cached DS RRsets expire") {
				return
			}
			n.set(s, JoinNS)
		case JoinNS:
			n.exchange(s)
			// The NS sets take its names (the zone file's NS set, no longer
			// held back); joined once the delegation has them too.
			if !subset(s.Nameservers, n.in.NS) || !subset(s.Nameservers, n.in.ParentNS) {
				return
			}
			n.set(s, Joined)
		case Joined:
			n.exchange(s) // keys that came since (a rollover)
			return
		case LeaveNS:
			n.hold = append(n.hold, s.Nameservers...)
			n.exchange(s) // still reachable: a ZSK it rolls in goes to the others
			if overlaps(s.Nameservers, n.in.NS) || overlaps(s.Nameservers, n.in.ParentNS) {
				return
			}
			n.set(s, LeaveNSWait)
		case LeaveNSWait:
			n.hold = append(n.hold, s.Nameservers...)
			n.exchange(s)
			if n.wait(s, ss.Since.Add(max(n.in.NSTTL, n.in.MaxTTL)), "its nameservers are out of the NS sets and the delegation; cached referrals to it and answers it signed expire") {
				return
			}
			n.set(s, LeaveDS)
		case LeaveDS:
			n.hold = append(n.hold, s.Nameservers...)
			if overlaps(n.dsOf(s), n.in.ParentDS) {
				return
			}
			n.set(s, LeaveDSWait)
		case LeaveDSWait:
			n.hold = append(n.hold, s.Nameservers...)
			if n.wait(s, ss.Since.Add(n.in.DSTTL), "its DS is out of the parent; resolvers' cached DS RRsets expire") {
				return
			}
			n.set(s, LeaveKeys)
		case LeaveKeys:
			n.hold = append(n.hold, s.Nameservers...)
			if !n.withdrawAll(s) {
				return
			}
			n.set(s, Left)
			return
		case Left:
			n.hold = append(n.hold, s.Nameservers...)
			return
		default:
			n.set(s, JoinKeys)
		}
		ss = n.st.Signers[s.Name]
	}
}

// exchange makes s's ZSKs published at every other signer still in the
// group, and theirs at s; it reports whether that is so everywhere already
// (no step was needed). A signer that could not be read is asked nothing
// and holds up nothing it cannot answer for.
func (n *next) exchange(s *Signer) bool {
	done := true
	mine := n.zsks(s)
	for i := range n.in.Signers {
		o := &n.in.Signers[i]
		if o.Name == s.Name || n.gone(o) {
			continue
		}
		theirs := n.zsks(o)
		if o.Read {
			if miss := missing(mine, o.Published); len(miss) > 0 {
				n.steps = append(n.steps, Step{Kind: Publish, Provider: o.Name, Signer: s.Name, Keys: miss,
					Why: fmt.Sprintf("%s's ZSKs in %s's DNSKEY RRset", s.Name, o.Name)})
				done = false
			}
		} else {
			done = false
		}
		if s.Read {
			if miss := missing(theirs, s.Published); len(miss) > 0 {
				n.steps = append(n.steps, Step{Kind: Publish, Provider: s.Name, Signer: s.Name, Keys: miss,
					Why: fmt.Sprintf("%s's ZSKs in %s's DNSKEY RRset", o.Name, s.Name)})
				done = false
			}
		} else {
			done = false
		}
	}
	return done
}

// gone: a leaving signer is out of the key exchange once its nameservers
// are out of every NS set and their TTLs have passed (from LeaveDS on):
// before that resolvers may still reach it, and a ZSK it rolls in must
// still reach the others. Its own sequence withdraws its keys at the end.
func (n *next) gone(s *Signer) bool {
	if !n.leaving(s.Name) {
		return false
	}
	switch n.st.Signers[s.Name].Phase {
	case LeaveDS, LeaveDSWait, LeaveKeys, Left:
		return true
	}
	return false
}

// withdrawAll takes every key of s out of the other signers' DNSKEY
// RRsets; it reports whether none is left there.
func (n *next) withdrawAll(s *Signer) bool {
	done := true
	for i := range n.in.Signers {
		o := &n.in.Signers[i]
		if o.Name == s.Name {
			continue
		}
		if !o.Read {
			done = false
			continue
		}
		if left := intersect(s.Own, o.Published); len(left) > 0 {
			n.steps = append(n.steps, Step{Kind: Withdraw, Provider: o.Name, Signer: s.Name, Keys: left,
				Why: fmt.Sprintf("%s has left: its keys out of %s's DNSKEY RRset", s.Name, o.Name)})
			done = false
		}
	}
	return done
}

// rollovers withdraws, from every signer read, the foreign keys no signer
// holds as its own any more, once the DNSKEY TTL and the longest data TTL
// have passed since they went: a rolled-out ZSK, a leaving signer's keys
// are withdrawn by its own sequence.
func (n *next) rollovers() {
	seen := map[string]bool{}
	for i := range n.in.Signers {
		o := &n.in.Signers[i]
		if !o.Read {
			continue
		}
		var old []string
		for _, k := range o.Published {
			if _, own := n.owner[k]; own || slices.Contains(o.Own, k) || n.leavingKey(k) {
				continue
			}
			seen[k] = true
			since, ok := n.st.Gone[k]
			if !ok {
				n.st.Gone[k] = n.now
				since = n.now
			}
			if !n.wait(o, since.Add(n.in.DNSKEYTTL+n.in.MaxTTL), "a key no signer holds any more: signatures made with it may still be cached") {
				old = append(old, k)
			}
		}
		if len(old) > 0 {
			n.steps = append(n.steps, Step{Kind: Withdraw, Provider: o.Name, Signer: o.Name, Keys: old,
				Why: "keys no signer holds any more (a rollover done)"})
		}
	}
	for k := range n.st.Gone {
		if !seen[k] {
			delete(n.st.Gone, k)
		}
	}
}

// leavingKey: k belonged to a signer that is leaving (its own sequence
// withdraws it).
func (n *next) leavingKey(k string) bool {
	o, ok := n.owner[k]
	return ok && n.leaving(o)
}

// ds asks the parent for the DS of the KSKs of every signer past the key
// exchange (joining from JoinDS on, joined, leaving before LeaveDS), and to
// drop every other DS the zonecast group knows of or that matches no
// published KSK.
func (n *next) ds() {
	want := map[string]string{} // DS rdata → signer: added if missing
	keep := map[string]bool{}   // kept if there, never added
	for i := range n.in.Signers {
		s := &n.in.Signers[i]
		switch n.st.Signers[s.Name].Phase {
		case JoinDS, JoinDSWait, JoinNS, Joined:
			for _, d := range n.dsOf(s) {
				want[d] = s.Name
			}
		case LeaveNS, LeaveNSWait:
			// Leaving, still reachable: its DS stays until its turn, and
			// it gets no new one.
			for _, d := range n.dsOf(s) {
				keep[d] = true
			}
		}
	}
	var add, drop []string
	for d := range want {
		if !slices.Contains(n.in.ParentDS, d) {
			add = append(add, d)
		}
	}
	known := map[string]string{}
	blind := false // a signer not read whose keys are not known
	for i := range n.in.Signers {
		s := &n.in.Signers[i]
		for _, d := range n.dsOf(s) {
			known[d] = s.Name
		}
		blind = blind || (!s.Read && len(s.Own) == 0)
	}
	for _, d := range n.in.ParentDS {
		if _, ok := want[d]; ok || keep[d] {
			continue
		}
		// A DS of a signer that could not be read stays: its KSK may be
		// published still.
		s, ok := known[d]
		if ok && !n.byName[s].Read && !n.leaving(s) {
			continue
		}
		if !ok && blind {
			continue // it may be that signer's
		}
		drop = append(drop, d)
	}
	slices.Sort(add)
	slices.Sort(drop)
	if len(add) > 0 {
		n.steps = append(n.steps, Step{Kind: AddDS, Signer: want[add[0]], DS: add, Why: "DS of the signers' KSKs at the parent"})
	}
	if len(drop) > 0 {
		n.steps = append(n.steps, Step{Kind: RemoveDS, Signer: known[drop[0]], DS: drop, Why: "DS of no KSK in the group"})
	}
}

// zsks are s's own ZSKs.
func (n *next) zsks(s *Signer) []string {
	var out []string
	for _, k := range s.Own {
		if n.zsk[k] {
			out = append(out, k)
		}
	}
	return out
}

// dsOf is the DS rdata of s's own KSKs.
func (n *next) dsOf(s *Signer) []string {
	var out []string
	for _, k := range s.Own {
		if !n.ksk[k] {
			continue
		}
		key, err := parseKey(n.in.Zone, k)
		if err != nil {
			continue // index() refused it already
		}
		if ds := key.ToDS(n.digest); ds != nil {
			out = append(out, rdata(ds))
		}
	}
	return out
}

// DS is the DS rdata of a DNSKEY (rdata) of zone, with digest type digest.
func DS(zone, dnskey string, digest uint8) (string, error) {
	key, err := parseKey(zone, dnskey)
	if err != nil {
		return "", err
	}
	ds := key.ToDS(digest)
	if ds == nil {
		return "", fmt.Errorf("no DS of digest type %d for the key %d", digest, key.KeyTag())
	}
	return rdata(ds), nil
}

func parseKey(zone, rd string) (*dns.DNSKEY, error) {
	rr, err := dns.NewRR(dns.Fqdn(zone) + " 3600 IN DNSKEY " + rd)
	if err != nil {
		return nil, err
	}
	k, ok := rr.(*dns.DNSKEY)
	if !ok {
		return nil, fmt.Errorf("%q is not a DNSKEY", rd)
	}
	return k, nil
}

// rdata is rr's data in presentation form, as zonecast's RRsets hold it.
func rdata(rr dns.RR) string {
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

func missing(want, have []string) []string {
	var out []string
	for _, x := range want {
		if !slices.Contains(have, x) {
			out = append(out, x)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
