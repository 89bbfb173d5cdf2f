package multisigner

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const zone = "example.com."

// key makes a fresh ECDSA P-256 DNSKEY (ZSK, or KSK with ksk) and returns
// its rdata.
func key(t *testing.T, ksk bool) string {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 256, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	if ksk {
		k.Flags = 257
	}
	if _, err := k.Generate(256); err != nil {
		t.Fatal(err)
	}
	return rdata(k)
}

// world is what the signers and the parent serve, changed by the steps as
// the engine would apply them: keys published and withdrawn, DS added and
// removed, and the NS sets (the zone's and the delegation) made of every
// signer's names but those held.
type world struct {
	t       *testing.T
	now     time.Time
	signers []Signer
	leaving []string
	ds, ns  []string
	state   State
	// events are the changes made, "T+1h05m add-ds B", in order.
	events []string
	// nsSince and dsSince are when each signer's names entered the
	// delegation and its DS the parent, keysSince when its ZSKs were in
	// every other signer's DNSKEY RRset; for the order checks.
	nsSince, dsSince, keysSince map[string]time.Time
	start                       time.Time
	// born is when each key entered its signer's own set; down when each
	// signer last could not be read.
	born, down map[string]time.Time
	// made: whose each key was when made.
	made map[string]string
	// last is the last run's result.
	last Result
}

const (
	dnskeyTTL = time.Hour
	dsTTL     = 2 * time.Hour
	nsTTL     = 4 * time.Hour
	maxTTL    = 6 * time.Hour
	cycle     = 5 * time.Minute
)

func newWorld(t *testing.T) *world {
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	return &world{t: t, now: start, start: start, nsSince: map[string]time.Time{}, dsSince: map[string]time.Time{}, keysSince: map[string]time.Time{},
		born: map[string]time.Time{}, down: map[string]time.Time{}, made: map[string]string{}}
}

// add gives the world a signer with a KSK and a ZSK; joined: already a full
// member (its keys everywhere, its DS and NS in place). Signers move when
// more are added: take them with w.signer afterwards.
func (w *world) add(name string, joined bool) {
	s := Signer{Name: name, Own: []string{key(w.t, true), key(w.t, false)}, Nameservers: []string{"ns." + name + ".example.net."}, Read: true}
	for _, k := range s.Own {
		w.made[k] = name
	}
	s.Published = slices.Clone(s.Own)
	w.signers = append(w.signers, s)
	p := &w.signers[len(w.signers)-1]
	if joined {
		for i := range w.signers {
			o := &w.signers[i]
			if o.Name == name {
				continue
			}
			o.Published = append(o.Published, zsk(p)...)
			p.Published = append(p.Published, zsk(o)...)
		}
		d, _ := DS(zone, p.Own[0], dns.SHA256)
		w.ds = append(w.ds, d)
		w.ns = append(w.ns, p.Nameservers...)
	}
}

// zsk and ksk are s's own ZSKs and KSKs, by their flags.
func zsk(s *Signer) []string { return byFlag(s, 256) }
func ksk(s *Signer) []string { return byFlag(s, 257) }

func byFlag(s *Signer, flags uint16) []string {
	var out []string
	for _, k := range s.Own {
		if key, err := parseKey(zone, k); err == nil && key.Flags == flags {
			out = append(out, k)
		}
	}
	return out
}

// hasDS: a DS of one of s's KSKs is in ds.
func hasDS(s *Signer, ds []string) bool {
	for _, k := range ksk(s) {
		if d, _ := DS(zone, k, dns.SHA256); slices.Contains(ds, d) {
			return true
		}
	}
	return false
}

func (w *world) signer(name string) *Signer {
	for i := range w.signers {
		if w.signers[i].Name == name {
			return &w.signers[i]
		}
	}
	w.t.Fatalf("no signer %s", name)
	return nil
}

// run is one cycle: Next, then its steps applied, then the time moves on a
// cycle. It checks, after the steps, that the zone validates for every
// resolver that can reach a signer through the delegation.
func (w *world) run() Result {
	w.t.Helper()
	for _, s := range w.signers {
		if !s.Read {
			w.down[s.Name] = w.now
		}
	}
	in := Input{Zone: zone, Signers: slices.Clone(w.signers), Leaving: w.leaving, ParentDS: w.ds, NS: w.ns, ParentNS: w.ns,
		DNSKEYTTL: dnskeyTTL, DSTTL: dsTTL, NSTTL: nsTTL, MaxTTL: maxTTL}
	r, err := Next(in, w.state, w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	if os.Getenv("MULTISIGNER_TRACE") != "" {
		for _, s := range w.signers {
			w.t.Logf("T+%s %s read=%v phase=%s own=%d published=%d leaving=%v", w.now.Sub(w.start), s.Name, s.Read, r.State.Signers[s.Name].Phase, len(s.Own), len(s.Published), slices.Contains(w.leaving, s.Name))
		}
		for _, st := range r.Steps {
			w.t.Logf("T+%s   step %s", w.now.Sub(w.start), st)
		}
	}
	w.state = r.State
	w.last = r
	at := w.now.Sub(w.start)
	for _, st := range r.Steps {
		switch st.Kind {
		case Publish:
			s := w.signer(st.Provider)
			s.Published = append(s.Published, st.Keys...)
			w.events = append(w.events, fmt.Sprintf("T+%s publish %s at %s", at, owners(w, st.Keys), st.Provider))
		case Withdraw:
			s := w.signer(st.Provider)
			s.Published = slices.DeleteFunc(s.Published, func(k string) bool { return slices.Contains(st.Keys, k) })
			w.events = append(w.events, fmt.Sprintf("T+%s withdraw %s at %s", at, owners(w, st.Keys), st.Provider))
		case AddDS:
			w.ds = append(w.ds, st.DS...)
			w.events = append(w.events, fmt.Sprintf("T+%s add-ds %s", at, st.Signer))
		case RemoveDS:
			w.ds = slices.DeleteFunc(w.ds, func(d string) bool { return slices.Contains(st.DS, d) })
			w.events = append(w.events, fmt.Sprintf("T+%s remove-ds %s", at, st.Signer))
		}
	}
	// The NS sets: every signer's names but those held.
	var ns []string
	for _, s := range w.signers {
		for _, n := range s.Nameservers {
			if !slices.Contains(r.HoldNS, n) {
				ns = append(ns, n)
			}
		}
	}
	for _, s := range w.signers {
		in, was := slices.Contains(ns, s.Nameservers[0]), slices.Contains(w.ns, s.Nameservers[0])
		if in && !was {
			w.events = append(w.events, fmt.Sprintf("T+%s ns-in %s", at, s.Name))
			w.nsSince[s.Name] = w.now
		}
		if !in && was {
			w.events = append(w.events, fmt.Sprintf("T+%s ns-out %s", at, s.Name))
			delete(w.nsSince, s.Name)
		}
	}
	w.ns = ns
	w.check()
	w.now = w.now.Add(cycle)
	return r
}

// check: every signer reachable through the delegation has its DS at the
// parent, and its ZSKs in the DNSKEY RRset of every other reachable
// signer; a signer in the delegation got there only after its DS had been
// at the parent for the DS TTL, and its DS only after its ZSKs had been
// everywhere for the DNSKEY TTL.
func (w *world) check() {
	w.t.Helper()
	for i := range w.signers {
		s := &w.signers[i]
		if len(s.Own) == 0 {
			continue // keys not known (not read)
		}
		if hasDS(s, w.ds) {
			if _, ok := w.dsSince[s.Name]; !ok {
				w.dsSince[s.Name] = w.now
			}
		} else {
			delete(w.dsSince, s.Name)
		}
		everywhere := true
		for _, o := range w.signers {
			if o.Name != s.Name && slices.Contains(w.ns, o.Nameservers[0]) && !subset(zsk(s), o.Published) {
				everywhere = false
			}
		}
		if everywhere {
			if _, ok := w.keysSince[s.Name]; !ok {
				w.keysSince[s.Name] = w.now
			}
		} else {
			delete(w.keysSince, s.Name)
		}
	}
	for _, s := range w.signers {
		if !slices.Contains(w.ns, s.Nameservers[0]) || len(s.Own) == 0 {
			continue
		}
		if !hasDS(&s, w.ds) {
			w.t.Errorf("at T+%s %s is in the delegation without its DS at the parent\n%s", w.now.Sub(w.start), s.Name, strings.Join(w.events, "\n"))
		}
		// A ZSK a signer signs with must be in every DNSKEY RRset: a
		// signer pre-publishes a new ZSK for its DNSKEY TTL before signing
		// with it, and one that could not be read lately cannot have been
		// given it, nor its own new ones taken (that is what dropping a
		// signer is for).
		for _, o := range w.signers {
			if o.Name == s.Name || !slices.Contains(w.ns, o.Nameservers[0]) || w.recentlyDown(o.Name) || w.recentlyDown(s.Name) {
				continue
			}
			for _, k := range zsk(&s) {
				if w.now.Sub(w.born[k]) >= dnskeyTTL && !slices.Contains(o.Published, k) {
					w.t.Errorf("at T+%s %s's ZSK (in use) is not in %s's DNSKEY RRset while both are in the delegation", w.now.Sub(w.start), s.Name, o.Name)
				}
			}
		}
	}
}

// keyOwner names whose key k is or was, and whether it still holds it.
func (w *world) keyOwner(k string) string {
	for _, s := range w.signers {
		if slices.Contains(s.Own, k) {
			return s.Name + " (own)"
		}
	}
	if o, ok := w.made[k]; ok {
		return o + " (retired)"
	}
	return "nobody"
}

// recentlyDown: the signer could not be read within the DNSKEY and data
// TTLs: what it holds, or what it rolled meanwhile, is not known.
func (w *world) recentlyDown(name string) bool {
	d, ok := w.down[name]
	return ok && w.now.Sub(d) < dnskeyTTL+maxTTL
}

// owners names whose keys keys are.
func owners(w *world, keys []string) string {
	var out []string
	for _, k := range keys {
		for _, s := range w.signers {
			if slices.Contains(s.Own, k) && !slices.Contains(out, s.Name) {
				out = append(out, s.Name)
			}
		}
	}
	if len(out) == 0 {
		return "old keys"
	}
	return strings.Join(out, ",")
}

// until runs cycles until cond holds, at most limit of them.
func (w *world) until(limit int, cond func() bool) {
	w.t.Helper()
	for range limit {
		w.run()
		if cond() {
			return
		}
	}
	w.t.Fatalf("not done after %d cycles:\n%s", limit, strings.Join(w.events, "\n"))
}

func TestJoinInOrder(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("C", true)
	w.add("B", false)
	b := w.signer("B")
	// First cycle: ZSKs exchanged, B's nameservers held, no DS yet.
	r := w.run()
	if !slices.Contains(r.HoldNS, b.Nameservers[0]) {
		t.Errorf("B's nameservers not held back at first: %v", r.HoldNS)
	}
	if slices.ContainsFunc(r.Steps, func(s Step) bool { return s.Kind == AddDS }) {
		t.Errorf("a DS was asked for before the keys were exchanged: %v", r.Steps)
	}
	w.until(200, func() bool { return w.state.Signers["B"].Phase == Joined })
	// The order and the waits: DS only a DNSKEY TTL after the keys were
	// everywhere, NS only a DS TTL after the DS.
	want := []string{"publish A,C at B", "publish B at A", "publish B at C", "add-ds B", "ns-in B"}
	var got []string
	var dsAt, nsAt time.Duration
	for _, e := range w.events {
		f := strings.SplitN(e, " ", 2)
		got = append(got, f[1])
		at, _ := time.ParseDuration(strings.TrimPrefix(f[0], "T+"))
		switch f[1] {
		case "add-ds B":
			dsAt = at
		case "ns-in B":
			nsAt = at
		}
	}
	slices.Sort(got[:3]) // the exchange: one cycle, any order
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if dsAt < dnskeyTTL || nsAt-dsAt < dsTTL {
		t.Errorf("DS at T+%s (want ≥ %s after the keys), NS at T+%s (want ≥ %s after the DS)", dsAt, dnskeyTTL, nsAt, dsTTL)
	}
	// Joined: nothing more to do.
	if r := w.run(); len(r.Steps) != 0 || len(r.HoldNS) != 0 {
		t.Errorf("a joined group has steps %v, held %v", r.Steps, r.HoldNS)
	}
}

func TestLeaveInOrder(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	w.add("C", true)
	b := w.signer("B")
	w.run() // all joined: recorded
	w.events = nil
	w.leaving = []string{"B"}
	w.until(300, func() bool { return w.state.Signers["B"].Phase == Left })
	want := []string{"ns-out B", "remove-ds B", "withdraw B at A", "withdraw B at C"}
	var got []string
	var times []time.Duration
	for _, e := range w.events {
		f := strings.SplitN(e, " ", 2)
		got = append(got, f[1])
		at, _ := time.ParseDuration(strings.TrimPrefix(f[0], "T+"))
		times = append(times, at)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if times[1]-times[0] < max(nsTTL, maxTTL) || times[2]-times[1] < dsTTL {
		t.Errorf("DS out %s after the NS (want ≥ %s), keys out %s after the DS (want ≥ %s)", times[1]-times[0], max(nsTTL, maxTTL), times[2]-times[1], dsTTL)
	}
	for _, s := range w.signers {
		if s.Name != "B" && overlaps(b.Own, s.Published) {
			t.Errorf("%s still publishes B's keys", s.Name)
		}
	}
}

// A signer that left (dropped) and comes back (restored) joins again from
// the start: its keys everywhere first, then its DS, and its nameservers
// last, held out meanwhile; the world's checks hold at every run.
func TestRejoinAfterLeaving(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	w.run()
	w.leaving = []string{"B"}
	w.until(300, func() bool { return w.state.Signers["B"].Phase == Left })
	w.events = nil
	w.leaving = nil
	r := w.run()
	if ph := w.state.Signers["B"].Phase; ph != JoinKeysWait && ph != JoinKeys {
		t.Fatalf("restored: B is %s, want joining again", ph)
	}
	if !slices.Contains(r.HoldNS, "ns.B.example.net.") {
		t.Errorf("restored: HoldNS %v, want B's names held", r.HoldNS)
	}
	w.until(300, func() bool { return w.state.Signers["B"].Phase == Joined })
	var got []string
	for _, e := range w.events {
		got = append(got, strings.SplitN(e, " ", 2)[1])
	}
	want := []string{"publish B at A", "add-ds B", "ns-in B"}
	if !slices.Equal(got, want) {
		t.Errorf("rejoin events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A leaving signer's wait says until when, and the run does not sleep.
func TestWaitsHaveEndTimes(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	w.run()
	w.leaving = []string{"B"}
	w.run() // NS out
	r := w.run()
	i := slices.IndexFunc(r.Steps, func(s Step) bool { return s.Kind == Wait && s.Signer == "B" })
	if i < 0 {
		t.Fatalf("no wait step: %v", r.Steps)
	}
	// The NS were taken out in the second cycle and seen out in the
	// third: the wait runs from then.
	if want := w.start.Add(2*cycle + max(nsTTL, maxTTL)); !r.Steps[i].Until.Equal(want) {
		t.Errorf("wait until %s, want %s (the NS seen out, + the longest TTL)", r.Steps[i].Until, want)
	}
	if !strings.Contains(r.Steps[i].String(), "wait until 2026-12-03T18:10:00Z (B)") {
		t.Errorf("the wait reads %q", r.Steps[i])
	}
}

func TestZSKRollover(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	a := w.signer("A")
	w.run()
	w.events = nil
	// A pre-publishes a new ZSK: B gets it in the next cycle.
	newZSK := key(t, false)
	w.born[newZSK] = w.now
	a.Own = append(a.Own, newZSK)
	a.Published = append(a.Published, newZSK)
	w.run()
	if !slices.Contains(w.signer("B").Published, newZSK) {
		t.Fatalf("B was not given A's new ZSK: %v", w.events)
	}
	// A retires its old ZSK: B keeps it for the DNSKEY TTL and the
	// longest data TTL, then withdraws it.
	old := a.Own[1]
	a.Own = slices.DeleteFunc(a.Own, func(k string) bool { return k == old })
	a.Published = slices.DeleteFunc(a.Published, func(k string) bool { return k == old })
	gone := w.now
	w.until(200, func() bool { return !slices.Contains(w.signer("B").Published, old) })
	if held := w.now.Sub(gone); held < dnskeyTTL+maxTTL {
		t.Errorf("the old ZSK was withdrawn at B after %s, want ≥ %s", held, dnskeyTTL+maxTTL)
	}
}

func TestKSKRolloverDS(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	a := w.signer("A")
	w.run()
	newKSK := key(t, true)
	a.Own = append(a.Own, newKSK)
	a.Published = append(a.Published, newKSK)
	r := w.run()
	d, _ := DS(zone, newKSK, dns.SHA256)
	if !slices.Contains(w.ds, d) {
		t.Fatalf("A's new KSK got no DS: %v", r.Steps)
	}
	oldDS, _ := DS(zone, a.Own[0], dns.SHA256)
	a.Own, a.Published = a.Own[1:], slices.DeleteFunc(a.Published, func(k string) bool { return k == a.Own[0] })
	w.run()
	if slices.Contains(w.ds, oldDS) {
		t.Errorf("the DS of A's retired KSK is still at the parent")
	}
}

// A signer that cannot be read is asked nothing, its keys stay where they
// are, and its DS stays at the parent: it is down, not gone.
func TestUnreadSignerLeftAlone(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", true)
	b := w.signer("B")
	w.run()
	b.Read = false
	ds := slices.Clone(w.ds)
	r := w.run()
	for _, s := range r.Steps {
		if s.Provider == "B" || s.Kind == Withdraw || s.Kind == RemoveDS {
			t.Errorf("step %v while B cannot be read", s)
		}
	}
	if !slices.Equal(ds, w.ds) {
		t.Errorf("the DS set changed: %v → %v", ds, w.ds)
	}
	// Not read and its keys unknown: a DS nobody in the group knows
	// stays too.
	b.Own = nil
	stray, _ := DS(zone, key(t, true), dns.SHA256)
	w.ds = append(w.ds, stray)
	w.run()
	if !slices.Contains(w.ds, stray) {
		t.Error("an unknown DS was removed while a signer's keys are unknown")
	}
}

// A signer that leaves half way through joining goes back out in order.
func TestLeaveWhileJoining(t *testing.T) {
	w := newWorld(t)
	w.add("A", true)
	w.add("B", false)
	b := w.signer("B")
	w.until(100, func() bool { return w.state.Signers["B"].Phase == JoinDSWait })
	w.leaving = []string{"B"}
	w.until(300, func() bool { return w.state.Signers["B"].Phase == Left })
	d, _ := DS(zone, b.Own[0], dns.SHA256)
	if slices.Contains(w.ds, d) || overlaps(b.Own, w.signer("A").Published) || slices.Contains(w.ns, b.Nameservers[0]) {
		t.Errorf("B left traces: ds %v, A publishes %v, ns %v", w.ds, w.signer("A").Published, w.ns)
	}
}

func TestBadKeyRefused(t *testing.T) {
	_, err := Next(Input{Zone: zone, Signers: []Signer{{Name: "A", Own: []string{"257 3"}, Read: true}}}, State{}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "a DNSKEY of A") {
		t.Errorf("err %v, want the bad key named", err)
	}
}

// Seeded random histories: signers join, leave, roll their ZSKs and KSKs and
// go unreadable for a while; at every cycle the zone must validate for every
// resolver (world.check), and once the events stop the group settles: every
// signer joined or gone, every DNSKEY RRset holding exactly the group's
// ZSKs, the parent exactly their KSKs' DS.
func TestRandomHistories(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 15))
			w := newWorld(t)
			w.add("s0", true)
			w.add("s1", true)
			next := 2
			for range 60 {
				switch r.IntN(8) {
				case 0:
					w.add(fmt.Sprintf("s%d", next), false)
					next++
				case 1:
					var in []string
					for _, s := range w.signers {
						if !slices.Contains(w.leaving, s.Name) {
							in = append(in, s.Name)
						}
					}
					if len(in) > 1 {
						w.leaving = append(w.leaving, in[r.IntN(len(in))])
					}
				case 2, 3:
					s := &w.signers[r.IntN(len(w.signers))]
					k := key(t, r.IntN(2) == 0)
					s.Own = append(s.Own, k)
					s.Published = append(s.Published, k)
					w.born[k] = w.now
					w.made[k] = s.Name
				case 4:
					s := &w.signers[r.IntN(len(w.signers))]
					// Retire an own key, keeping one of each kind.
					for _, kind := range [][]string{zsk(s), ksk(s)} {
						if len(kind) > 1 {
							old := kind[0]
							s.Own = slices.DeleteFunc(s.Own, func(k string) bool { return k == old })
							s.Published = slices.DeleteFunc(s.Published, func(k string) bool { return k == old })
							break
						}
					}
				case 5:
					s := &w.signers[r.IntN(len(w.signers))]
					s.Read = !s.Read
				}
				w.run()
				w.now = w.now.Add(time.Duration(r.IntN(3)) * time.Hour)
			}
			for i := range w.signers {
				w.signers[i].Read = true
			}
			w.until(400, func() bool {
				for _, s := range w.signers {
					phase := w.state.Signers[s.Name].Phase
					left := slices.Contains(w.leaving, s.Name)
					if left && phase != Left || !left && phase != Joined {
						return false
					}
				}
				return len(w.last.Steps) == 0
			})
			// Settled: the group is exactly the joined signers.
			var zsks, ds []string
			for _, s := range w.signers {
				if !slices.Contains(w.leaving, s.Name) {
					zsks = append(zsks, zsk(&s)...)
					for _, k := range ksk(&s) {
						d, _ := DS(zone, k, dns.SHA256)
						ds = append(ds, d)
					}
				}
			}
			for _, s := range w.signers {
				if slices.Contains(w.leaving, s.Name) {
					continue
				}
				if !subset(zsks, s.Published) {
					t.Errorf("seed %d: %s lacks ZSKs of the group", seed, s.Name)
				}
				for _, k := range s.Published {
					if !slices.Contains(s.Own, k) && !slices.Contains(zsks, k) {
						t.Errorf("seed %d: %s still publishes a key of no signer of the group (%s's, gone since %v)", seed, s.Name, w.keyOwner(k), w.state.Gone[k])
					}
				}
			}
			slices.Sort(ds)
			got := slices.Sorted(slices.Values(w.ds))
			if !slices.Equal(got, ds) {
				t.Errorf("seed %d: the parent holds %d DS, want the group's %d", seed, len(got), len(ds))
			}
			if t.Failed() {
				t.Logf("seed %d events:\n%s", seed, strings.Join(w.events, "\n"))
			}
		})
	}
}
