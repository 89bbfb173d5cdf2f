package dnssec

import (
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// job is one RRset to sign: its signatures come back in sigs, canonical.
type job struct {
	set     *zones.RRset
	keys    []*Key
	current []*dns.RRSIG
	// served says what the provider serves of the set: 0 nothing (or it
	// was not given), 1 other data, 2 the same RRset.
	served int
	sigs   []string
	signed int
	reused int
}

// signer signs jobs at one moment with one set of options.
type signer struct {
	origin string
	now    time.Time
	opt    Options
}

// currentSigs parses the RRSIG sets of what a provider serves, by key.
// Records that do not parse are left out: they are not ours to reuse, and
// the plan replaces the set.
func currentSigs(current []zones.RRset, origin string) map[zones.Key][]*dns.RRSIG {
	out := map[zones.Key][]*dns.RRSIG{}
	for i := range current {
		s := &current[i]
		if s.Type != dns.TypeRRSIG {
			continue
		}
		rrs, err := s.RRs()
		if err != nil {
			continue
		}
		for _, rr := range rrs {
			sig, ok := rr.(*dns.RRSIG)
			if !ok || zones.CanonicalName(sig.SignerName) != origin {
				continue
			}
			k := zones.Key{Name: s.Name, Type: dns.TypeRRSIG, Covers: sig.TypeCovered}
			out[k] = append(out[k], sig)
		}
	}
	return out
}

// run does every job on up to GOMAXPROCS goroutines; each job's result
// goes to its own slot, so the outcome does not depend on scheduling.
func (sg *signer) run(jobs []job) error {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = sg.do(&jobs[i])
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// do signs one RRset with each of its keys, reusing a current signature
// where one is good (see Sign).
func (sg *signer) do(j *job) error {
	rrs, err := j.set.RRs()
	if err != nil {
		return err
	}
	j.sigs = make([]string, 0, len(j.keys))
	for _, k := range j.keys {
		if sig := sg.reusable(j, k, rrs); sig != nil {
			j.sigs = append(j.sigs, zones.Rdata(sig))
			j.reused++
			continue
		}
		sig := &dns.RRSIG{
			Hdr:        dns.RR_Header{Ttl: j.set.TTL},
			Algorithm:  k.DNSKEY.Algorithm,
			KeyTag:     k.Tag(),
			SignerName: sg.origin,
			OrigTtl:    j.set.TTL,
			Inception:  uint32(sg.now.Add(-sg.opt.InceptionOffset).Unix()),
			Expiration: uint32(sg.now.Add(sg.opt.Validity - sg.jitter(j.set)).Unix()),
		}
		if err := sig.Sign(k.signer, rrs); err != nil {
			return fmt.Errorf("%s %s with %s: %w", j.set.Name, j.set.TypeString(), k, err)
		}
		j.sigs = append(j.sigs, zones.Rdata(sig))
		j.signed++
	}
	return nil
}

// reusable returns a current signature of j's RRset by k that may stay, or
// nil. Times are compared in serial number arithmetic (RFC 4034 §3.1.5).
func (sg *signer) reusable(j *job, k *Key, rrs []dns.RR) *dns.RRSIG {
	now := uint32(sg.now.Unix())
	for _, sig := range j.current {
		if sig.KeyTag != k.Tag() || sig.Algorithm != k.DNSKEY.Algorithm || sig.OrigTtl != j.set.TTL {
			continue
		}
		if int32(now-sig.Inception) < 0 {
			continue // not yet valid
		}
		if left := time.Duration(int32(sig.Expiration-now)) * time.Second; left <= sg.opt.Refresh {
			continue // expires too soon, or has expired
		}
		// Verifying is what proves the signature covers exactly this
		// data: the provider may serve an RRset that differs from what
		// the zone holds now, under the signature of what it was. When
		// it serves other data, the signature (of that data) cannot
		// verify over this.
		if j.served == 1 {
			return nil
		}
		if j.served == 2 && sg.opt.TrustCurrent {
			return sig
		}
		if sig.Verify(k.DNSKEY, rrs) != nil {
			continue
		}
		return sig
	}
	return nil
}

// jitter shortens a new signature's validity by up to half of the span
// between refresh and validity, by a hash of owner name and type, so that
// the signatures made in one run do not all come up for renewal in one
// later run.
func (sg *signer) jitter(s *zones.RRset) time.Duration {
	span := (sg.opt.Validity - sg.opt.Refresh) / 2 / time.Second
	if span <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(s.Name))
	h.Write([]byte{byte(s.Type >> 8), byte(s.Type)})
	return time.Duration(h.Sum64()%uint64(span)) * time.Second
}
