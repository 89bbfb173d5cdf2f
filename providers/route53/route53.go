// Package route53 is the Amazon Route 53 provider. It speaks to the
// Route 53 API through the AWS SDK for Go v2, the SDK libdns/route53 v1.6.2
// is built on, because that library loses or corrupts what zonecast must keep
// (provider-apis.md §2):
//   - it hides alias sets and merges routing-policy (weighted…) sets, so a
//     plan would overwrite them: the driver lists the raw record sets and
//     protects those;
//   - it returns the wildcard as `\052` and never matches it against `*`
//     (a Delete of `*` is a silent no-op): the driver decodes Route 53's
//     octal escapes;
//   - it sends one change per request and lists the whole zone before every
//     Append and Delete: the driver sends atomic change batches of up to
//     1,000 records and 32,000 characters;
//   - it ends the whole process on a bad AWS configuration: the driver loads the
//     configuration itself and returns the error;
//   - TXT: it joins strings and trims quotes: the driver keeps the strings
//     and converts Route 53's octal escapes to and from RFC 1035's decimal
//     ones;
//   - it looks the zone up by name at every call: the driver keeps zone ids
//     in the account (providers.Account: one per credentials and endpoint
//     in the process, which also holds the pacing budget), and PrepareZones
//     lists every hosted zone once for a run of many.
package route53

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Config is the provider's block in zonecast.yaml. Credentials come from
// the AWS default chain (environment, shared files, profile, instance
// role) unless access_key_id and secret_access_key are given.
type Config struct {
	// HostedZoneID skips the lookup by name for every zone of the provider;
	// HostedZoneIDs does it per zone (origin → id), for accounts that hold
	// several public hosted zones of one name.
	HostedZoneID    string            `yaml:"hosted_zone_id"`
	HostedZoneIDs   map[string]string `yaml:"hosted_zone_ids"`
	Region          string            `yaml:"region"`
	Profile         string            `yaml:"profile"`
	AccessKeyID     providers.Secret  `yaml:"access_key_id"`
	SecretAccessKey providers.Secret  `yaml:"secret_access_key"`
	// Endpoint replaces the Route 53 endpoint (an emulator).
	Endpoint string `yaml:"endpoint"`
	// RequestsPerSecond paces requests (default 5).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// MaxAttempts per request, for Throttling, PriorRequestNotComplete and
	// 5xx (default 8).
	MaxAttempts int      `yaml:"max_attempts"`
	Nameservers []string `yaml:"nameservers"`
	// WaitInsync bounds how long Apply waits, after each change batch,
	// for Route 53 to report the change INSYNC (default 2m; negative: do
	// not wait).
	WaitInsync time.Duration `yaml:"wait_insync"`
	// ManageApexNS makes the apex NS set zonecast's to write, so that
	// Route 53 can answer with every provider's name servers; the set must
	// keep the hosted zone's own four (its delegation set). Off by default:
	// AWS advises against editing that record "except in rare
	// circumstances", and a single-provider zone file's apex NS would
	// replace Route 53's names.
	ManageApexNS bool `yaml:"manage_apex_ns"`
}

// Driver is the route53 entry of providers/all.
var Driver = providers.Driver{
	Type:      "route53",
	Summary:   "Amazon Route 53 (AWS credentials chain), atomic change batches, alias sets protected",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		return New(context.Background(), name, *cfg.(*Config))
	},
}

// Provider is one AWS account.
type Provider struct {
	name        string
	client      *r53.Client
	requests    atomic.Int64
	zoneID      string
	nameservers []providers.Nameserver
	waitInsync  time.Duration
	apexNS      bool

	// configured are the hosted_zone_ids (origin → ID): never looked up,
	// never cached in the account.
	configured map[string]string
	endpoint   string
	rps        float64
	creds      aws.CredentialsProvider

	mu      sync.Mutex
	account *providers.Account                               // bound at the first request (see acct)
	zones   map[string]string                                // origin → hosted zone ID
	raw     map[string]map[zones.Key]types.ResourceRecordSet // zone ID → sets of the last listing
}

// New loads the AWS configuration (an error, never an exit, when it is bad)
// and returns the provider.
func New(ctx context.Context, name string, c Config) (*Provider, error) {
	rps := c.RequestsPerSecond
	if rps <= 0 {
		rps = 5
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	region := c.Region
	if region == "" {
		region = "us-east-1" // Route 53 is global; its API lives in us-east-1
	}
	// Retries are the SDK's (it knows Throttling and
	// PriorRequestNotComplete); a middleware after them paces each attempt
	// and counts it.
	p := &Provider{name: name, zoneID: strings.TrimPrefix(c.HostedZoneID, "/hostedzone/"), endpoint: c.Endpoint, rps: rps,
		zones: map[string]string{}, configured: map[string]string{}, raw: map[string]map[zones.Key]types.ResourceRecordSet{}}
	for origin, id := range c.HostedZoneIDs {
		p.configured[zones.CanonicalName(origin)] = strings.TrimPrefix(id, "/hostedzone/")
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	p.nameservers = ns
	p.waitInsync = c.WaitInsync
	p.apexNS = c.ManageApexNS
	if p.waitInsync == 0 {
		p.waitInsync = 2 * time.Minute
	}
	pace := middleware.FinalizeMiddlewareFunc("zonecastPace", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		a, err := p.acct(ctx)
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		release, err := a.Wait(ctx)
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, paceError{err}
		}
		defer release()
		p.requests.Add(1)
		return next.HandleFinalize(ctx, in)
	})
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(region),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.AddWithMaxBackoffDelay(retry.AddWithMaxAttempts(retry.NewStandard(), attempts), 20*time.Second)
		}),
	}
	if c.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.Profile))
	}
	if !c.AccessKeyID.IsZero() || !c.SecretAccessKey.IsZero() {
		if c.AccessKeyID.IsZero() || c.SecretAccessKey.IsZero() {
			return nil, errors.New("access_key_id and secret_access_key go together")
		}
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID.Value(), c.SecretAccessKey.Value(), "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	p.creds = cfg.Credentials
	p.client = r53.NewFromConfig(cfg, func(o *r53.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(pace, middleware.After)
		})
	})
	return p, nil
}

// paceError is the account's pace refusing a request (its turn would come
// after the deadline) or the context ending while it waits. It is never
// retried: the SDK would otherwise take it, a timeout, for a connection
// error and retry it with backoff until its attempts run out.
type paceError struct{ err error }

func (e paceError) Error() string        { return e.err.Error() }
func (e paceError) Unwrap() error        { return e.err }
func (e paceError) RetryableError() bool { return false }

// Requests returns how many HTTP requests the provider has sent, retries
// included.
func (p *Provider) Requests() int64 { return p.requests.Load() }

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

var supported = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeDS, dns.TypeHTTPS, dns.TypeMX,
	dns.TypeNAPTR, dns.TypeNS, dns.TypePTR, dns.TypeSOA, dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB,
	dns.TypeTLSA, dns.TypeTXT}

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	owner := "SOA and apex NS are Route 53's (manage_apex_ns: true makes apex NS zonecast's)"
	if p.apexNS {
		owner = "SOA is Route 53's; apex NS is zonecast's (manage_apex_ns) and must keep the hosted zone's four Route 53 name servers"
	}
	return providers.Capabilities{
		Types: supported, MaxTTL: 2147483647, OwnsSOA: true, OwnsApexNS: !p.apexNS, ChangesPerBatch: 1000,
		Nameservers: p.nameservers,
		DNSSEC:      signerCaps(),
		Notes: []string{
			owner,
			"no LOC, URI, CERT or DNAME",
			"writes in atomic change batches of at most 1,000 records and 32,000 characters; reads 300 sets a request",
			"alias and routing-policy (weighted, latency…) sets are never changed",
		},
	}
}

// Records implements providers.Provider: the zone lookup (first time), then
// ListResourceRecordSets, 300 sets a request.
//
// A hosted zone ID from the account's cache that Route 53 no longer knows
// (NoSuchHostedZone: the zone was deleted, or made again with a new ID) is
// dropped and the zone looked up again by name, once.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	for attempt := 0; ; attempt++ {
		zid, err := p.hostedZone(ctx, origin)
		if err != nil {
			return nil, err
		}
		out, err := p.records(ctx, origin, zid)
		var gone *types.NoSuchHostedZone
		if err != nil && attempt == 0 && errors.As(err, &gone) && p.forget(origin, zid) {
			continue
		}
		return out, err
	}
}

func (p *Provider) records(ctx context.Context, origin, zid string) ([]zones.RRset, error) {
	var sets []types.ResourceRecordSet
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zid), MaxItems: aws.Int32(300)}
	for {
		out, err := p.client.ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list records of %s at %s: %w", origin, p.name, err)
		}
		sets = append(sets, out.ResourceRecordSets...)
		if !out.IsTruncated {
			break
		}
		// The next page starts at NextRecordName/Type (and
		// NextRecordIdentifier inside routing-policy sets of one name and
		// type), in Route 53's order: reversed labels compared as escaped
		// ASCII with the dots, so "a-b" lists before "a" and "*" (`\052`)
		// after digits (API reference, ListResourceRecordSets). Nothing
		// here depends on that order; the sets are keyed by name and type.
		// A marker that does not advance would loop for ever: refuse it.
		if aws.ToString(out.NextRecordName) == aws.ToString(in.StartRecordName) && out.NextRecordType == in.StartRecordType &&
			aws.ToString(out.NextRecordIdentifier) == aws.ToString(in.StartRecordIdentifier) {
			return nil, fmt.Errorf("list records of %s at %s: the listing does not advance past %s %s", origin, p.name,
				aws.ToString(in.StartRecordName), in.StartRecordType)
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier
	}

	raw := map[zones.Key]types.ResourceRecordSet{}
	protected := map[zones.Key]*zones.RRset{}
	var rrs []dns.RR
	for _, s := range sets {
		name := zones.CanonicalName(decodeName(aws.ToString(s.Name)))
		t := dns.StringToType[string(s.Type)]
		key := zones.Key{Name: name, Type: t}
		if s.AliasTarget != nil || s.SetIdentifier != nil {
			what, data := "a Route 53 alias set", "alias"
			if s.AliasTarget != nil {
				data = "alias " + aws.ToString(s.AliasTarget.DNSName)
			}
			if s.SetIdentifier != nil {
				what = "a Route 53 routing-policy set"
				data = "set " + aws.ToString(s.SetIdentifier)
			}
			ps := protected[key]
			if ps == nil {
				ps = &zones.RRset{Name: name, Type: t, TTL: uint32(aws.ToInt64(s.TTL)), Protected: what}
				protected[key] = ps
			}
			ps.Data = append(ps.Data, data)
			continue
		}
		raw[key] = s
		for _, v := range s.ResourceRecords {
			value := aws.ToString(v.Value)
			if t == dns.TypeTXT || t == dns.TypeSPF {
				value = fromR53TXT(value)
			}
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, aws.ToInt64(s.TTL), s.Type, value))
			if err == nil && rr != nil {
				err = zones.Packable(rr)
			}
			if err != nil || rr == nil {
				// A value (or type) the driver cannot read is left alone,
				// never a failed listing: changing its set would drop
				// what zonecast cannot see.
				ps := protected[key]
				if ps == nil {
					ps = &zones.RRset{Name: name, Type: t, TTL: uint32(aws.ToInt64(s.TTL)), Protected: "unreadable by zonecast (" + string(s.Type) + " as Route 53 returns it)"}
					protected[key] = ps
				}
				ps.Data = append(ps.Data, value)
				continue
			}
			rrs = append(rrs, rr)
		}
	}
	rrs = slices.DeleteFunc(rrs, func(rr dns.RR) bool {
		h := rr.Header()
		return protected[zones.Key{Name: zones.CanonicalName(h.Name), Type: h.Rrtype}] != nil
	})
	p.mu.Lock()
	p.raw[zid] = raw
	p.mu.Unlock()
	out, err := zones.FromRRs(origin, rrs)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.SortedFunc(maps.Keys(protected), func(a, b zones.Key) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	}) {
		out = append(out, *protected[k])
	}
	if p.apexNS {
		// The plan checks that the apex NS set keeps the hosted zone's
		// own name servers (see checkApexNS) before any write.
		deleg, err := p.delegation(ctx, origin, zid)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].Type == dns.TypeNS && out[i].Name == origin && out[i].Protected == "" {
				for _, n := range deleg {
					out[i].Required = append(out[i].Required, zones.CanonicalName(n))
				}
			}
		}
	}
	return out, nil
}

// Apply implements providers.Provider: changes go out in order in atomic
// change batches within Route 53's limits (1,000 records, 32,000
// characters, UPSERT counted twice); one RRset is never split. A set
// becomes exactly its records with UPSERT; a delete sends the values and
// TTL as listed, which Route 53 requires to match. The trace is told the
// count applied after each batch; a context done between batches stops the
// apply there, returning the count so far and ctx.Err().
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	origin = zones.CanonicalName(origin)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	zid, err := p.hostedZone(ctx, origin)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	raw := p.raw[zid]
	p.mu.Unlock()
	// Checked before anything is sent, so a refused apex NS change leaves
	// the zone as it was.
	for _, c := range changes {
		// A DNSKEY set (another signer's keys, as the multi-signer
		// steps plan them) is no record set Route 53 takes: said here,
		// before anything is sent, not by the API halfway through.
		if c.Set.Type == dns.TypeDNSKEY {
			return 0, fmt.Errorf("%s: %s at %s: %w; take %s out of this zone's providers, or keep the zone unsigned", c, origin, p.name, ErrNoForeignKeys, p.name)
		}
		if c.Set.Type == dns.TypeNS && zones.CanonicalName(c.Set.Name) == origin {
			if err := p.checkApexNS(ctx, origin, zid, c); err != nil {
				return 0, err
			}
		}
	}

	applied := 0
	var batch []types.Change
	records, chars := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := p.client.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(zid),
			ChangeBatch:  &types.ChangeBatch{Changes: batch, Comment: aws.String("zonecast")},
		})
		if err != nil {
			return fmt.Errorf("change batch of %d changes to %s at %s: %w", len(batch), origin, p.name, err)
		}
		// The batch is committed (it cannot be taken back), so it counts
		// as applied even when the wait below fails.
		applied += len(batch)
		if err := p.waitForInsync(ctx, origin, out.ChangeInfo); err != nil {
			return err
		}
		providers.ReportApplied(ctx, applied)
		batch, records, chars = nil, 0, 0
		return nil
	}
	for _, c := range changes {
		ch, err := toChange(c, raw)
		if err != nil {
			return applied, err
		}
		n, size := 0, 0
		for _, r := range ch.ResourceRecordSet.ResourceRecords {
			n++
			size += len(aws.ToString(r.Value))
		}
		if ch.Action == types.ChangeActionUpsert {
			n, size = 2*n, 2*size
		}
		if n > 1000 || size > 32000 {
			return applied, fmt.Errorf("%s: %s %s is over Route 53's limits for one request", c, c.Set.Name, c.Set.TypeString())
		}
		if records+n > 1000 || chars+size > 32000 {
			if err := flush(); err != nil {
				return applied, err
			}
		}
		batch = append(batch, ch)
		records, chars = records+n, chars+size
	}
	if err := flush(); err != nil {
		return applied, err
	}
	return applied, nil
}

// checkApexNS allows a change of the apex NS set only with manage_apex_ns,
// never its deletion, and only if it keeps the hosted zone's delegation
// set.
//
// Route 53 creates the apex NS record with the zone's four name servers and
// advises against adding, changing or deleting them "except in rare
// circumstances" (developer guide, "NS and SOA records that Amazon Route 53
// creates for a public hosted zone",
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/SOA-NSrecords.html);
// the record itself can be replaced but not deleted (Deleting records: "You
// can't delete the records that have a value of NS or SOA"). AWS does not
// document that its four names must stay in the set; zonecast requires it
// because Route 53 answers only on them: an apex NS set without them tells
// resolvers to stop asking Route 53.
func (p *Provider) checkApexNS(ctx context.Context, origin, zid string, c providers.Change) error {
	if !p.apexNS {
		return fmt.Errorf("%s: the apex NS set at %s is Route 53's; set manage_apex_ns: true to manage it", c, p.name)
	}
	if c.Delete {
		return fmt.Errorf("%s: Route 53 keeps an apex NS set in every hosted zone; list the name servers in the zone file instead of deleting it", c)
	}
	deleg, err := p.delegation(ctx, origin, zid)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, d := range c.Set.Data {
		have[strings.ToLower(zones.CanonicalName(d))] = true
	}
	var missing []string
	for _, n := range deleg {
		if !have[strings.ToLower(zones.CanonicalName(n))] {
			missing = append(missing, zones.CanonicalName(n))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: the apex NS set at %s must keep the hosted zone's Route 53 name servers; add %s to the zone file's apex NS",
			c, p.name, strings.Join(missing, ", "))
	}
	return nil
}

// Polling of GetChange: the first poll at once, then backoff from
// insyncPollMin doubling to insyncPollMax.
const (
	insyncPollMin = time.Second
	insyncPollMax = 15 * time.Second
)

// waitForInsync polls GetChange until the change is INSYNC, for at most
// the configured wait_insync or until ctx is done. Route 53 answers every
// ChangeResourceRecordSets with PENDING; "the only way to verify that
// changes have propagated is to use the GetChange API action. Changes
// generally propagate to all Route 53 name servers within 60 seconds"
// (developer guide, Editing records,
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-editing.html).
// Without the wait, a verify right after apply asks Route 53's name
// servers before they have the change. The SDK's own waiter starts at 30 s
// between polls, too slow for a change that is usually done in seconds.
func (p *Provider) waitForInsync(ctx context.Context, origin string, info *types.ChangeInfo) error {
	if p.waitInsync < 0 || info == nil || info.Status == types.ChangeStatusInsync {
		return nil
	}
	id := aws.ToString(info.Id)
	wctx, cancel := context.WithTimeout(ctx, p.waitInsync)
	defer cancel()
	delay := insyncPollMin
	for {
		out, err := p.client.GetChange(wctx, &r53.GetChangeInput{Id: aws.String(id)})
		if err == nil && out.ChangeInfo != nil && out.ChangeInfo.Status == types.ChangeStatusInsync {
			return nil
		}
		// The account's pace refuses a request whose turn would come
		// after the wait's deadline (DeadlineExceeded before wctx is
		// done): that is the wait running out, not a failed request.
		if err != nil && wctx.Err() == nil && !(errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil) {
			return fmt.Errorf("wait for change %s to %s at %s: %w", id, origin, p.name, err)
		}
		if err != nil && wctx.Err() == nil {
			<-wctx.Done()
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-wctx.Done():
			t.Stop()
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("change %s to %s at %s is still PENDING after %v: Route 53 accepted it and will serve it once in sync; "+
				"run `zonecast verify` later, or raise wait_insync", id, origin, p.name, p.waitInsync)
		}
		delay = min(2*delay, insyncPollMax)
	}
}

func toChange(c providers.Change, raw map[zones.Key]types.ResourceRecordSet) (types.Change, error) {
	if c.Delete {
		listed, ok := raw[c.Set.Key()]
		if !ok {
			return types.Change{}, fmt.Errorf("%s: not in the last listing; plan again", c)
		}
		return types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &listed}, nil
	}
	s := c.Set
	set := &types.ResourceRecordSet{Name: aws.String(s.Name), Type: types.RRType(s.TypeString()), TTL: aws.Int64(int64(s.TTL))}
	for _, d := range s.Data {
		if s.Type == dns.TypeTXT || s.Type == dns.TypeSPF {
			v, err := toR53TXT(d)
			if err != nil {
				return types.Change{}, fmt.Errorf("%s: %w", c, err)
			}
			d = v
		}
		set.ResourceRecords = append(set.ResourceRecords, types.ResourceRecord{Value: aws.String(d)})
	}
	return types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: set}, nil
}

// decodeName turns Route 53's octal escapes (`\052` for `*`) into the
// characters they stand for.
func decodeName(n string) string {
	if !strings.Contains(n, `\`) {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if n[i] == '\\' && i+3 < len(n) {
			if v, err := strconv.ParseUint(n[i+1:i+4], 8, 8); err == nil {
				c := byte(v)
				if c == '.' || c == '\\' || c == ' ' {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(n[i])
	}
	return b.String()
}

// fromR53TXT turns a Route 53 TXT value (quoted strings, `\"`, `\\`, octal
// `\ooo`) into RFC 1035 presentation (decimal `\DDD`).
func fromR53TXT(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+3 < len(v) {
			if o, err := strconv.ParseUint(v[i+1:i+4], 8, 8); err == nil {
				fmt.Fprintf(&b, "\\%03d", o)
				i += 3
				continue
			}
		}
		if v[i] == '\\' && i+1 < len(v) {
			b.WriteString(v[i : i+2])
			i++
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// toR53TXT turns canonical TXT rdata into a Route 53 value: the same
// strings, non-printable octets as octal `\ooo`.
func toR53TXT(rdata string) (string, error) {
	rr, err := dns.NewRR(". 0 IN TXT " + rdata)
	if err != nil || rr == nil {
		return "", fmt.Errorf("bad TXT data %q: %v", rdata, err)
	}
	var parts []string
	for _, s := range rr.(*dns.TXT).Txt {
		raw, err := providers.TXTText(`"` + s + `"`)
		if err != nil {
			return "", err
		}
		parts = append(parts, providers.QuoteString(raw, "%03o"))
	}
	return strings.Join(parts, " "), nil
}

// Endpoints is the API's host (providers.Endpointer): endpoint: when set,
// else Route 53's own.
func (p *Provider) Endpoints() []providers.Endpoint {
	if p.endpoint == "" {
		return []providers.Endpoint{{Key: "endpoint", Host: "route53.amazonaws.com"}}
	}
	if e, ok := providers.HostEndpoint("endpoint", p.endpoint); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
