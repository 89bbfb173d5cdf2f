package route53

import "encoding/xml"

// xmlns is the namespace of every Route 53 request and response document.
const xmlns = "https://route53.amazonaws.com/doc/2013-04-01/"

// Element order in the response types below follows the API's shapes; the
// SDK reads elements in any order, and sends request elements in
// alphabetical order, which encoding/xml accepts as well.

type wireChangeRequest struct {
	XMLName xml.Name     `xml:"ChangeResourceRecordSetsRequest"`
	Comment string       `xml:"ChangeBatch>Comment"`
	Changes []wireChange `xml:"ChangeBatch>Changes>Change"`
}

type wireChange struct {
	Action string    `xml:"Action"`
	Set    wireRRSet `xml:"ResourceRecordSet"`
}

type wireRRSet struct {
	Name                    string       `xml:"Name"`
	Type                    string       `xml:"Type"`
	SetIdentifier           string       `xml:"SetIdentifier,omitempty"`
	Weight                  *int64       `xml:"Weight,omitempty"`
	Region                  string       `xml:"Region,omitempty"`
	GeoLocation             *wireGeo     `xml:"GeoLocation,omitempty"`
	Failover                string       `xml:"Failover,omitempty"`
	MultiValueAnswer        *bool        `xml:"MultiValueAnswer,omitempty"`
	TTL                     *int64       `xml:"TTL,omitempty"`
	ResourceRecords         *wireRecords `xml:"ResourceRecords,omitempty"`
	AliasTarget             *wireAlias   `xml:"AliasTarget,omitempty"`
	HealthCheckID           string       `xml:"HealthCheckId,omitempty"`
	TrafficPolicyInstanceID string       `xml:"TrafficPolicyInstanceId,omitempty"`
}

type wireRecords struct {
	Records []wireRecord `xml:"ResourceRecord"`
}

type wireRecord struct {
	Value string `xml:"Value"`
}

type wireAlias struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type wireGeo struct {
	ContinentCode   string `xml:"ContinentCode,omitempty"`
	CountryCode     string `xml:"CountryCode,omitempty"`
	SubdivisionCode string `xml:"SubdivisionCode,omitempty"`
}

type wireChangeInfo struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type wireChangeResponse struct {
	XMLName    xml.Name       `xml:"ChangeResourceRecordSetsResponse"`
	Xmlns      string         `xml:"xmlns,attr"`
	ChangeInfo wireChangeInfo `xml:"ChangeInfo"`
}

type wireGetChangeResponse struct {
	XMLName    xml.Name       `xml:"GetChangeResponse"`
	Xmlns      string         `xml:"xmlns,attr"`
	ChangeInfo wireChangeInfo `xml:"ChangeInfo"`
}

type wireSets struct {
	Sets []wireRRSet `xml:"ResourceRecordSet"`
}

type wireListRRSetsResponse struct {
	XMLName              xml.Name `xml:"ListResourceRecordSetsResponse"`
	Xmlns                string   `xml:"xmlns,attr"`
	ResourceRecordSets   wireSets `xml:"ResourceRecordSets"`
	IsTruncated          bool     `xml:"IsTruncated"`
	NextRecordName       string   `xml:"NextRecordName,omitempty"`
	NextRecordType       string   `xml:"NextRecordType,omitempty"`
	NextRecordIdentifier string   `xml:"NextRecordIdentifier,omitempty"`
	MaxItems             string   `xml:"MaxItems"`
}

type wireZoneConfig struct {
	Comment     string `xml:"Comment,omitempty"`
	PrivateZone bool   `xml:"PrivateZone"`
}

type wireZone struct {
	ID                     string         `xml:"Id"`
	Name                   string         `xml:"Name"`
	CallerReference        string         `xml:"CallerReference"`
	Config                 wireZoneConfig `xml:"Config"`
	ResourceRecordSetCount int            `xml:"ResourceRecordSetCount"`
}

type wireZones struct {
	Zones []wireZone `xml:"HostedZone"`
}

type wireListZonesByNameResponse struct {
	XMLName          xml.Name  `xml:"ListHostedZonesByNameResponse"`
	Xmlns            string    `xml:"xmlns,attr"`
	HostedZones      wireZones `xml:"HostedZones"`
	DNSName          string    `xml:"DNSName,omitempty"`
	HostedZoneID     string    `xml:"HostedZoneId,omitempty"`
	IsTruncated      bool      `xml:"IsTruncated"`
	NextDNSName      string    `xml:"NextDNSName,omitempty"`
	NextHostedZoneID string    `xml:"NextHostedZoneId,omitempty"`
	MaxItems         string    `xml:"MaxItems"`
}

type wireListZonesResponse struct {
	XMLName     xml.Name  `xml:"ListHostedZonesResponse"`
	Xmlns       string    `xml:"xmlns,attr"`
	HostedZones wireZones `xml:"HostedZones"`
	Marker      string    `xml:"Marker,omitempty"`
	IsTruncated bool      `xml:"IsTruncated"`
	NextMarker  string    `xml:"NextMarker,omitempty"`
	MaxItems    string    `xml:"MaxItems"`
}

type wireDelegationSet struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

type wireGetZoneResponse struct {
	XMLName       xml.Name          `xml:"GetHostedZoneResponse"`
	Xmlns         string            `xml:"xmlns,attr"`
	HostedZone    wireZone          `xml:"HostedZone"`
	DelegationSet wireDelegationSet `xml:"DelegationSet"`
}

type wireError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type wireErrorResponse struct {
	XMLName   xml.Name  `xml:"ErrorResponse"`
	Xmlns     string    `xml:"xmlns,attr"`
	Error     wireError `xml:"Error"`
	RequestID string    `xml:"RequestId"`
}

// wireBatchError is the second error form, whose root is the error code;
// the SDK turns it into an InvalidChangeBatch with Messages.
type wireBatchError struct {
	XMLName   xml.Name `xml:"InvalidChangeBatch"`
	Xmlns     string   `xml:"xmlns,attr"`
	Messages  []string `xml:"Messages>Message"`
	RequestID string   `xml:"RequestId"`
}

func toWire(r RRSet) wireRRSet {
	w := wireRRSet{
		Name:             r.Name,
		Type:             r.Type,
		SetIdentifier:    r.SetIdentifier,
		Weight:           r.Weight,
		Region:           r.Region,
		Failover:         r.Failover,
		MultiValueAnswer: r.MultiValueAnswer,
		HealthCheckID:    r.HealthCheckID,
	}
	if r.GeoLocation != nil {
		w.GeoLocation = &wireGeo{r.GeoLocation.ContinentCode, r.GeoLocation.CountryCode, r.GeoLocation.SubdivisionCode}
	}
	if r.Alias != nil {
		w.AliasTarget = &wireAlias{r.Alias.HostedZoneID, r.Alias.DNSName, r.Alias.EvaluateTargetHealth}
		return w
	}
	ttl := r.TTL
	w.TTL = &ttl
	w.ResourceRecords = &wireRecords{}
	for _, v := range r.Values {
		w.ResourceRecords.Records = append(w.ResourceRecords.Records, wireRecord{v})
	}
	return w
}
