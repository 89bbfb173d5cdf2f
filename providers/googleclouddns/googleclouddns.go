// Package googleclouddns is the driver of Google Cloud DNS through its v1
// API (google.golang.org/api/dns/v1): a zone is read with
// resourceRecordSets.list, page by page, and changed with changes.create,
// each call one atomic change of deletions and additions of whole RRsets,
// polled with changes.get until Cloud DNS says it is "done".
//
// What a naive driver gets wrong, and this one does not:
//   - a deletion must be the RRset exactly as Cloud DNS holds it (name,
//     type, TTL and every rrdata), or the change fails with 412
//     conditionNotMet; an addition of an RRset that exists fails with 409
//     alreadyExists. So an update is the deletion of what was read (the
//     very rrdatas Cloud DNS returned) and the addition of the new set in
//     one change, and either refusal means the zone changed behind
//     zonecast's back: the error says so and to plan again (ErrDrift);
//   - one change holds at most 1,000 additions, 1,000 deletions and
//     100,000 bytes of rrdata (cloud.google.com/dns/quotas); more gets 403
//     quotaExceeded and nothing is applied. Apply cuts the changes into as
//     few Cloud DNS changes as fit, never splitting an update's deletion
//     from its addition;
//   - the SOA and apex NS exist in every zone and can be replaced but never
//     deleted: the SOA is Cloud DNS's (its names are Google's), so zonecast
//     never plans it; the apex NS set is editable, which multi-provider
//     zones need, so it is planned like any other set (a Set is a deletion
//     of the set held plus an addition) but never deleted;
//   - sets with a routing policy (geo, weighted round robin, failover)
//     carry no plain rrdatas, and ALIAS sets answer A and AAAA queries from
//     a target Cloud DNS resolves: zonecast cannot represent either, so they
//     are Protected (left alone, with a note); ALIAS shows as protected A
//     and AAAA sets at its name;
//   - two managed zones may serve one DNS name (a public and a private
//     one): finding the zone by name then is an error naming both, and
//     managed_zone picks one;
//   - a change is "pending" before it is "done": Apply waits for it (at
//     most change_timeout) before the next one, so a plan made right after
//     apply sees what was written.
package googleclouddns

import (
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/time/rate"
	dnsv1 "google.golang.org/api/dns/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Cloud DNS's per-change limits (cloud.google.com/dns/quotas).
const (
	AdditionsPerChange   = 1000
	DeletionsPerChange   = 1000
	RrdataBytesPerChange = 100000
	RecordsPerRRset      = 100
	// NameserversPerDelegation bounds an NS set below the apex.
	NameserversPerDelegation = 8
	RRsetsPerZone            = 10000
)

// ErrDrift is what an apply gets when Cloud DNS refuses a change because
// the zone is not what zonecast read: a deletion that does not match (412)
// or an addition that exists (409).
var ErrDrift = errors.New("the zone changed at Cloud DNS since zonecast read it; run `zonecast plan` again")

// Config is the provider's configuration block.
type Config struct {
	// Project is the Google Cloud project that holds the managed zones.
	Project string `yaml:"project"`
	// ManagedZone is the managed zone's name; when empty it is found by
	// DNS name through managedZones.list.
	ManagedZone string `yaml:"managed_zone"`
	// CredentialsFile is a service-account key file (JSON); a relative
	// path is taken from the configuration's folder. When empty,
	// Application Default Credentials are used
	// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata server).
	CredentialsFile string `yaml:"credentials_file"`
	// Endpoint replaces https://dns.googleapis.com/ (emulators, tests).
	Endpoint string `yaml:"endpoint"`
	// Nameservers are the zone's Cloud DNS servers, for verify and
	// failover ("ns-cloud-a1.googledomains.com.").
	Nameservers []string `yaml:"nameservers"`
	// RequestsPerSecond paces the API requests (default 10); Timeout
	// bounds one request (default 30s); MaxAttempts each request's tries
	// (default 6); ChangeTimeout how long Apply waits for one change to
	// be done (default 5m).
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Timeout           time.Duration `yaml:"timeout"`
	MaxAttempts       int           `yaml:"max_attempts"`
	ChangeTimeout     time.Duration `yaml:"change_timeout"`
}

// Driver is the googleclouddns entry of providers/all.
var Driver = providers.Driver{
	Type:      "googleclouddns",
	Summary:   "Google Cloud DNS (atomic changes of whole RRsets, deletions by exact value)",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, dir string) (providers.Provider, error) {
		return New(name, *cfg.(*Config), dir)
	},
}

// Provider is one Google Cloud project's Cloud DNS.
type Provider struct {
	name, project, managedZone string
	keyFile, endpoint          string
	nameservers                []providers.Nameserver
	timeout, changeTimeout     time.Duration
	// api paces and retries the API's requests; token those to the token
	// endpoint (another service, with its own budget).
	api, token *providers.Transport
	// poll is the first wait between changes.get polls; it doubles up to
	// 5 s.
	poll time.Duration

	mu     sync.Mutex
	svc    *dnsv1.Service
	zoneOf map[string]string                                 // origin → managed zone
	raw    map[string]map[zones.Key]*dnsv1.ResourceRecordSet // origin → what the last read returned
}

// New returns the provider called name; dir is the configuration's folder
// (for a relative credentials_file). The key file is read at the first
// API call, not here, so that a configuration naming it loads on a machine
// that does not use this provider.
func New(name string, c Config, dir string) (*Provider, error) {
	if c.Project == "" {
		return nil, errors.New("project: required, the Google Cloud project that holds the zone")
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	keyFile := c.CredentialsFile
	if keyFile != "" && !filepath.IsAbs(keyFile) && dir != "" {
		keyFile = filepath.Join(dir, keyFile)
	}
	endpoint := c.Endpoint
	if endpoint != "" && !strings.HasSuffix(endpoint, "/") {
		endpoint += "/"
	}
	rps := cmp.Or(c.RequestsPerSecond, 10)
	return &Provider{name: name, project: c.Project, managedZone: c.ManagedZone, keyFile: keyFile, endpoint: endpoint, nameservers: ns,
		timeout: cmp.Or(c.Timeout, 30*time.Second), changeTimeout: cmp.Or(c.ChangeTimeout, 5*time.Minute), poll: 250 * time.Millisecond,
		api:    &providers.Transport{Limiter: rate.NewLimiter(rate.Limit(rps), 1), MaxAttempts: c.MaxAttempts},
		token:  &providers.Transport{Limiter: rate.NewLimiter(rate.Limit(rps), 1), MaxAttempts: c.MaxAttempts},
		zoneOf: map[string]string{}, raw: map[string]map[zones.Key]*dnsv1.ResourceRecordSet{}}, nil
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Requests returns how many HTTP requests the provider sent to the API,
// retries included.
func (p *Provider) Requests() int64 { return p.api.Requests() }

// TokenRequests returns how many HTTP requests the provider sent to the
// token endpoint, retries included.
func (p *Provider) TokenRequests() int64 { return p.token.Requests() }

// SetPollInterval sets the first wait between polls of a pending change
// (default 250ms), for tests.
func (p *Provider) SetPollInterval(d time.Duration) { p.poll = d }

// Types are the record types Cloud DNS holds
// (cloud.google.com/dns/docs/records-overview), but DNSKEY, which it takes
// only in a zone whose DNSSEC is in transfer state, and its own ALIAS.
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeDS, dns.TypeHTTPS, dns.TypeIPSECKEY, dns.TypeMX,
	dns.TypeNAPTR, dns.TypeNS, dns.TypePTR, dns.TypeSOA, dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB, dns.TypeTLSA, dns.TypeTXT}

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Types: Types, MaxTTL: 2147483647, OwnsSOA: true, ChangesPerBatch: AdditionsPerChange, Nameservers: p.nameservers,
		Notes: []string{
			"SOA left to Cloud DNS; the apex NS set is planned (replaced, never deleted)",
			"each apply is one atomic Cloud DNS change per 1,000 additions, 1,000 deletions or 100,000 bytes of rrdata, each waited for until done",
			"at most 10,000 RRsets a zone and 100 records an RRset (Cloud DNS's limits)",
			"routing-policy (geo, weighted, failover) and ALIAS sets are left alone; no wildcard NS",
		}}
}

// service builds the API client once: the key file (or Application
// Default Credentials) gives a token source whose requests go through
// p.token; the API's requests go through p.api, under oauth2.Transport,
// which adds the bearer token (so a refused key is one error, not a
// retried one).
func (p *Provider) service() (*dnsv1.Service, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.svc != nil {
		return p.svc, nil
	}
	tctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: p.token, Timeout: p.timeout})
	var creds *google.Credentials
	if p.keyFile != "" {
		b, err := os.ReadFile(p.keyFile)
		if err != nil {
			return nil, fmt.Errorf("credentials_file %s: %v", p.keyFile, errors.Unwrap(err))
		}
		if err := checkKeyFile(b); err != nil {
			return nil, fmt.Errorf("credentials_file %s is not a usable service-account key file (download one with `gcloud iam service-accounts keys create`): %v", p.keyFile, err)
		}
		creds, err = google.CredentialsFromJSONWithType(tctx, b, google.ServiceAccount, dnsv1.NdevClouddnsReadwriteScope)
		if err != nil {
			return nil, fmt.Errorf("credentials_file %s is not a usable service-account key file (download one with `gcloud iam service-accounts keys create`): %s", p.keyFile, keyFileProblem(err))
		}
	} else {
		var err error
		creds, err = google.FindDefaultCredentials(tctx, dnsv1.NdevClouddnsReadwriteScope)
		if err != nil {
			return nil, fmt.Errorf("no credentials_file, and no Application Default Credentials (set GOOGLE_APPLICATION_CREDENTIALS or run `gcloud auth application-default login`): %v", err)
		}
	}
	client := &http.Client{Timeout: p.timeout, Transport: &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, creds.TokenSource), Base: p.api}}
	opts := []option.ClientOption{option.WithHTTPClient(client)}
	if p.endpoint != "" {
		opts = append(opts, option.WithEndpoint(p.endpoint))
	}
	svc, err := dnsv1.NewService(context.Background(), opts...)
	if err != nil {
		return nil, err
	}
	p.svc = svc
	return svc, nil
}

// checkKeyFile checks a service-account key file before any token is
// asked for, so that a broken one is an error naming the file, not a
// failed request; the errors never quote the file.
func checkKeyFile(b []byte) error {
	var f struct {
		Type        string `json:"type"`
		PrivateKey  string `json:"private_key"`
		ClientEmail string `json:"client_email"`
	}
	if json.Unmarshal(b, &f) != nil {
		return errors.New("it is not JSON")
	}
	switch {
	case f.Type != "service_account":
		return fmt.Errorf("its type is %q, want \"service_account\"", f.Type)
	case f.ClientEmail == "":
		return errors.New("it has no client_email")
	}
	block, _ := pem.Decode([]byte(f.PrivateKey))
	if block == nil {
		return errors.New("its private_key is not PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return errors.New("its private_key does not parse as PKCS #8 or PKCS #1")
		}
	}
	return nil
}

// keyFileProblem says what is wrong with a key file without quoting it:
// the errors of encoding/json and crypto/x509 name offsets and structures,
// never content, but a message is kept to its first line all the same.
func keyFileProblem(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if strings.Contains(msg, "-----") {
		return "its private_key does not parse"
	}
	return msg
}

// explain turns an API error into a message that says what to do.
func (p *Provider) explain(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// RFC 6749 §5.2's body, which x/oauth2/jwt does not parse.
		code, desc := re.ErrorCode, re.ErrorDescription
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if code == "" && json.Unmarshal(re.Body, &body) == nil {
			code, desc = body.Error, body.Description
		}
		if code == "" && re.Response != nil {
			code = re.Response.Status
		}
		return fmt.Errorf("%s at %s: the token endpoint refused the credentials (%s: %s): check credentials_file or the Application Default Credentials",
			op, p.name, code, desc)
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return fmt.Errorf("%s at %s: %w", op, p.name, err)
	}
	reason := ""
	if len(ge.Errors) > 0 {
		reason = ge.Errors[0].Reason
	}
	switch {
	case ge.Code == http.StatusPreconditionFailed:
		return fmt.Errorf("%s at %s: a deletion does not match what Cloud DNS holds (%s): %w", op, p.name, ge.Message, ErrDrift)
	case ge.Code == http.StatusConflict:
		return fmt.Errorf("%s at %s: an RRset to add already exists (%s): %w", op, p.name, ge.Message, ErrDrift)
	case ge.Code == http.StatusUnauthorized:
		return fmt.Errorf("%s at %s: Cloud DNS refused the access token (HTTP 401 %s): check the credentials", op, p.name, reason)
	case ge.Code == http.StatusForbidden && reason != "quotaExceeded":
		return fmt.Errorf("%s at %s: Cloud DNS refused access to project %s (HTTP 403 %s: %s): the account needs the DNS Administrator role (roles/dns.admin)",
			op, p.name, p.project, reason, ge.Message)
	}
	return fmt.Errorf("%s at %s: HTTP %d %s: %s", op, p.name, ge.Code, reason, ge.Message)
}

func isDrift(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && (ge.Code == http.StatusPreconditionFailed || ge.Code == http.StatusConflict)
}

// ownChange looks for b among the zone's latest changes.
func (p *Provider) ownChange(ctx context.Context, svc *dnsv1.Service, mz string, b *batch) (*dnsv1.Change, bool) {
	r, err := svc.Changes.List(p.project, mz).SortBy("changeSequence").SortOrder("descending").MaxResults(5).Context(ctx).Do()
	if err != nil {
		return nil, false
	}
	for _, c := range r.Changes {
		if sameSets(c.Additions, b.adds) && sameSets(c.Deletions, b.dels) {
			return c, true
		}
	}
	return nil, false
}

// sameSets reports whether two lists hold the same RRsets, in any order.
func sameSets(a, b []*dnsv1.ResourceRecordSet) bool {
	keys := func(l []*dnsv1.ResourceRecordSet) []string {
		var out []string
		for _, s := range l {
			data := slices.Sorted(slices.Values(s.Rrdatas))
			out = append(out, fmt.Sprintf("%s %s %d %q", strings.ToLower(s.Name), s.Type, s.Ttl, data))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(keys(a), keys(b))
}

func isNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusNotFound
}

// zoneFor returns the managed zone serving origin: managed_zone (checked
// once against origin), or the one managedZones.list finds by DNS name.
func (p *Provider) zoneFor(ctx context.Context, svc *dnsv1.Service, origin string) (string, error) {
	p.mu.Lock()
	mz, ok := p.zoneOf[origin]
	p.mu.Unlock()
	if ok {
		return mz, nil
	}
	if p.managedZone != "" {
		z, err := svc.ManagedZones.Get(p.project, p.managedZone).Context(ctx).Do()
		if isNotFound(err) {
			return "", fmt.Errorf("managed zone %s of project %s at %s: %w", p.managedZone, p.project, p.name, providers.ErrZoneNotFound)
		}
		if err != nil {
			return "", p.explain("find managed zone "+p.managedZone, err)
		}
		if !strings.EqualFold(z.DnsName, origin) {
			return "", fmt.Errorf("managed_zone %s at %s serves %s, not %s", p.managedZone, p.name, z.DnsName, origin)
		}
		mz = z.Name
	} else {
		var found []*dnsv1.ManagedZone
		err := svc.ManagedZones.List(p.project).DnsName(origin).Context(ctx).Pages(ctx, func(r *dnsv1.ManagedZonesListResponse) error {
			for _, z := range r.ManagedZones {
				if strings.EqualFold(z.DnsName, origin) {
					found = append(found, z)
				}
			}
			return nil
		})
		if err != nil {
			return "", p.explain("list managed zones of project "+p.project, err)
		}
		switch len(found) {
		case 0:
			return "", fmt.Errorf("no managed zone serves %s in project %s at %s: %w", origin, p.project, p.name, providers.ErrZoneNotFound)
		case 1:
			mz = found[0].Name
		default:
			var names []string
			for _, z := range found {
				names = append(names, fmt.Sprintf("%s (%s)", z.Name, cmp.Or(z.Visibility, "public")))
			}
			return "", fmt.Errorf("%d managed zones serve %s in project %s at %s: %s; set managed_zone to the one zonecast manages",
				len(found), origin, p.project, p.name, strings.Join(names, ", "))
		}
	}
	p.mu.Lock()
	p.zoneOf[origin] = mz
	p.mu.Unlock()
	return mz, nil
}

// Records implements providers.Provider: resourceRecordSets.list, page by
// page (the managed zone is looked up once per origin).
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	svc, err := p.service()
	if err != nil {
		return nil, err
	}
	mz, err := p.zoneFor(ctx, svc, origin)
	if err != nil {
		return nil, err
	}
	var sets []*dnsv1.ResourceRecordSet
	tokens := map[string]bool{}
	err = svc.ResourceRecordSets.List(p.project, mz).Context(ctx).Pages(ctx, func(r *dnsv1.ResourceRecordSetsListResponse) error {
		sets = append(sets, r.Rrsets...)
		// A token that comes again would loop for ever.
		if r.NextPageToken != "" && tokens[r.NextPageToken] {
			return fmt.Errorf("the listing does not advance (page token %q came twice)", r.NextPageToken)
		}
		tokens[r.NextPageToken] = true
		return nil
	})
	if isNotFound(err) {
		p.mu.Lock()
		delete(p.zoneOf, origin)
		p.mu.Unlock()
		return nil, fmt.Errorf("managed zone %s at %s: %w", mz, p.name, providers.ErrZoneNotFound)
	}
	if err != nil {
		return nil, p.explain("list records of "+origin, err)
	}
	return p.convert(origin, sets)
}

// convert makes canonical RRsets of what Cloud DNS listed, and keeps the
// listing for the deletions of the next Apply.
func (p *Provider) convert(origin string, sets []*dnsv1.ResourceRecordSet) ([]zones.RRset, error) {
	raw := make(map[zones.Key]*dnsv1.ResourceRecordSet, len(sets))
	protected := map[zones.Key]*zones.RRset{}
	protect := func(name string, t uint16, ttl int64, why string, data ...string) {
		k := zones.Key{Name: name, Type: t}
		ps := protected[k]
		if ps == nil {
			ps = &zones.RRset{Name: name, Type: t, TTL: uint32(ttl), Protected: why}
			protected[k] = ps
		}
		ps.Data = append(ps.Data, data...)
	}
	var rrs []dns.RR
	for _, s := range sets {
		name := zones.CanonicalName(s.Name)
		if s.Type == "ALIAS" {
			why := "a Cloud DNS ALIAS set (answers A and AAAA queries from its target)"
			data := "alias " + strings.Join(s.Rrdatas, " ")
			protect(name, dns.TypeA, s.Ttl, why, data)
			protect(name, dns.TypeAAAA, s.Ttl, why, data)
			continue
		}
		t, ok := dns.StringToType[s.Type]
		if !ok {
			return nil, fmt.Errorf("list records of %s at %s: %s holds an RRset of type %s, which zonecast does not know", origin, p.name, s.Name, s.Type)
		}
		if s.RoutingPolicy != nil {
			protect(name, t, s.Ttl, "a Cloud DNS routing-policy set (geo, weighted round robin or failover)", "routing policy")
			continue
		}
		k := zones.Key{Name: name, Type: t}
		var parsed []dns.RR
		for _, d := range s.Rrdatas {
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, s.Ttl, s.Type, d))
			if err == nil && rr != nil {
				err = zones.Packable(rr)
			}
			if err != nil || rr == nil {
				parsed = nil
				protect(name, t, s.Ttl, "unreadable by zonecast ("+s.Type+" as Cloud DNS returns it)", s.Rrdatas...)
				break
			}
			parsed = append(parsed, rr)
		}
		if parsed != nil {
			raw[k] = s
			rrs = append(rrs, parsed...)
		}
	}
	out, err := zones.FromRRs(origin, rrs)
	if err != nil {
		return nil, err
	}
	out = slices.DeleteFunc(out, func(s zones.RRset) bool { return protected[s.Key()] != nil })
	for _, k := range slices.SortedFunc(maps.Keys(protected), func(a, b zones.Key) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	}) {
		out = append(out, *protected[k])
	}
	p.mu.Lock()
	p.raw[origin] = raw
	p.mu.Unlock()
	return out, nil
}

// held returns the deletion of before: the RRset as the last read listed
// it when it is still what before says (Cloud DNS compares deletions with
// what it holds, so its own rrdatas are the safest), otherwise before.
func (p *Provider) held(origin string, before *zones.RRset) *dnsv1.ResourceRecordSet {
	p.mu.Lock()
	r := p.raw[origin][before.Key()]
	p.mu.Unlock()
	if r != nil && uint32(r.Ttl) == before.TTL {
		var data []string
		for _, d := range r.Rrdatas {
			if rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", before.Name, r.Ttl, r.Type, d)); err == nil && rr != nil {
				data = append(data, zones.Rdata(rr))
			}
		}
		slices.Sort(data)
		if slices.Equal(slices.Compact(data), before.Data) {
			return r
		}
	}
	return toAPI(*before)
}

func toAPI(s zones.RRset) *dnsv1.ResourceRecordSet {
	return &dnsv1.ResourceRecordSet{Name: s.Name, Type: s.TypeString(), Ttl: int64(s.TTL), Rrdatas: slices.Clone(s.Data)}
}

func rrdataBytes(sets ...*dnsv1.ResourceRecordSet) int {
	n := 0
	for _, s := range sets {
		if s == nil {
			continue
		}
		for _, d := range s.Rrdatas {
			n += len(d)
		}
	}
	return n
}

// batch is one Cloud DNS change in the making.
type batch struct {
	adds, dels []*dnsv1.ResourceRecordSet
	n, bytes   int
	keys       map[zones.Key]bool
}

// Apply implements providers.Provider: the changes go out in order, cut
// into atomic Cloud DNS changes within the per-change limits (an update's
// deletion and addition always in one), each waited for until done. It
// returns how many changes the changes done held.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	origin = zones.CanonicalName(origin)
	svc, err := p.service()
	if err != nil {
		return 0, err
	}
	mz, err := p.zoneFor(ctx, svc, origin)
	if err != nil {
		return 0, err
	}
	var batches []*batch
	cur := &batch{keys: map[zones.Key]bool{}}
	for _, c := range changes {
		s := c.Set
		switch {
		case s.Type == dns.TypeSOA:
			return 0, fmt.Errorf("%s: the SOA is Cloud DNS's to change", c)
		case c.Delete && s.Type == dns.TypeNS && s.Name == origin:
			return 0, fmt.Errorf("%s: a Cloud DNS zone's apex NS set can be replaced, never deleted", c)
		case !c.Delete && s.Type == dns.TypeNS && s.Name != origin && len(s.Data) > NameserversPerDelegation:
			return 0, fmt.Errorf("%s: %d name servers, more than the %d Cloud DNS takes in one delegation", c, len(s.Data), NameserversPerDelegation)
		case !c.Delete && len(s.Data) > RecordsPerRRset:
			return 0, fmt.Errorf("%s: %d records, more than the %d Cloud DNS holds in one RRset", c, len(s.Data), RecordsPerRRset)
		}
		var del, add *dnsv1.ResourceRecordSet
		if c.Before != nil {
			del = p.held(origin, c.Before)
		} else if c.Delete {
			p.mu.Lock()
			del = p.raw[origin][s.Key()]
			p.mu.Unlock()
		}
		if !c.Delete && len(s.Data) > 0 {
			add = toAPI(s)
		}
		if del == nil && add == nil {
			cur.n++ // nothing held, nothing to write: done with its batch
			continue
		}
		size := rrdataBytes(del, add)
		if size > RrdataBytesPerChange {
			return 0, fmt.Errorf("%s: %d bytes of rrdata, more than the %d one Cloud DNS change may hold", c, size, RrdataBytesPerChange)
		}
		k := s.Key()
		if cur.n > 0 && (cur.keys[k] || cur.bytes+size > RrdataBytesPerChange ||
			add != nil && len(cur.adds) >= AdditionsPerChange || del != nil && len(cur.dels) >= DeletionsPerChange) {
			batches = append(batches, cur)
			cur = &batch{keys: map[zones.Key]bool{}}
		}
		cur.keys[k] = true
		cur.n++
		cur.bytes += size
		if del != nil {
			cur.dels = append(cur.dels, del)
		}
		if add != nil {
			cur.adds = append(cur.adds, add)
		}
	}
	if cur.n > 0 {
		batches = append(batches, cur)
	}
	applied := 0
	for i, b := range batches {
		if len(b.adds)+len(b.dels) == 0 {
			applied += b.n
			continue
		}
		if err := p.change(ctx, svc, mz, b); err != nil {
			if len(batches) > 1 {
				err = fmt.Errorf("change %d of %d: %w", i+1, len(batches), err)
			}
			return applied, err
		}
		applied += b.n
		providers.ReportApplied(ctx, applied)
	}
	// What was read is no longer what Cloud DNS holds.
	p.mu.Lock()
	delete(p.raw, origin)
	p.mu.Unlock()
	return len(changes), nil
}

// change sends one Cloud DNS change and polls it until it is done, for at
// most change_timeout.
func (p *Provider) change(ctx context.Context, svc *dnsv1.Service, mz string, b *batch) error {
	op := fmt.Sprintf("apply %d changes (%d additions, %d deletions) to managed zone %s", b.n, len(b.adds), len(b.dels), mz)
	sent := p.api.Requests()
	ch, err := svc.Changes.Create(p.project, mz, &dnsv1.Change{Additions: b.adds, Deletions: b.dels}).Context(ctx).Do()
	if err != nil && p.api.Requests()-sent > 1 && isDrift(err) {
		// The create was retried (a 5xx, a reset, a timeout) and the
		// retry met a change already made: perhaps its own, made by the
		// attempt whose answer was lost. Cloud DNS's latest changes say.
		if own, ok := p.ownChange(ctx, svc, mz, b); ok {
			ch, err = own, nil
		}
	}
	if err != nil {
		return p.explain(op, err)
	}
	deadline := time.Now().Add(p.changeTimeout)
	wait := p.poll
	for ch.Status != "done" {
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%s at %s: change %s accepted but still %q after %s (change_timeout); Cloud DNS may still apply it: run `zonecast plan` again later",
				op, p.name, ch.Id, ch.Status, p.changeTimeout)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%s at %s: change %s accepted, still %q when interrupted: %w", op, p.name, ch.Id, ch.Status, ctx.Err())
		}
		wait = min(2*wait, 5*time.Second)
		if ch, err = svc.Changes.Get(p.project, mz, ch.Id).Context(ctx).Do(); err != nil {
			return p.explain(op+": poll its status", err)
		}
	}
	return nil
}

// Endpoints is the API's host (providers.Endpointer): endpoint: when set,
// else Google's own.
func (p *Provider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("endpoint", cmp.Or(p.endpoint, "https://dns.googleapis.com/")); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
