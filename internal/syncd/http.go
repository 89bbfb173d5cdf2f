package syncd

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics, the status page at /, and the probes:
//
//   - /livez: 200 while the loop runs (Status.Live), 503 when it hangs. A
//     provider that is down, or a cycle that fails, does not fail it: a
//     restart would not mend them, and a pod restarted during an outage
//     only loses its state in memory.
//   - /readyz: 200 when the last cycle left every zone in sync at every
//     provider in service (Status.Ready), 503 otherwise, the body saying
//     what is not.
//   - /healthz: the same as /livez, for configurations made before the
//     two were split.
//
// Each answers with one line (or, for /readyz, one per problem) of plain
// text. The scheduled audit (AuditLoop) is shown on the status page and in
// the metrics, and fails neither probe: a layout with a single point of
// failure is a finding for people, not a reason to restart or to stop
// routing to the pod.
func Handler(s *Status) http.Handler {
	mux := http.NewServeMux()
	if s.metrics != nil {
		mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	}
	live := func(w http.ResponseWriter, r *http.Request) {
		if ok, why := s.Live(time.Now()); !ok {
			http.Error(w, "not live: "+why, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("live: the sync loop runs\n"))
	}
	mux.HandleFunc("/livez", live)
	mux.HandleFunc("/healthz", live)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if ok, why := s.Ready(); !ok {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready: every zone in sync at every provider in service\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		d := pageData{Cycle: s.Last(), Events: s.Events(), Audits: s.Audits(), Now: time.Now().UTC()}
		if d.Cycle != nil {
			// With many zones the table is long: the summary counts it,
			// and /?only=problems lists only the pairs not in sync (and those
			// dropped).
			zones := map[string]bool{}
			for _, t := range d.Cycle.Targets {
				zones[t.Zone] = true
				switch {
				case t.Dropped:
					d.Dropped++
				case t.OK():
					d.InSync++
				default:
					d.Failing++
				}
			}
			d.Zones = len(zones)
			d.Targets = d.Cycle.Targets
			if r.URL.Query().Get("only") == "problems" {
				d.Only = true
				d.Targets = nil
				for _, t := range d.Cycle.Targets {
					if t.Dropped || !t.OK() {
						d.Targets = append(d.Targets, t)
					}
				}
			}
		}
		d.Live, d.NotLive = s.Live(time.Now())
		d.Ready, d.NotReady = s.Ready()
		// Rendered whole before anything is sent, so that a template error
		// is a 500, not a page cut short.
		var b bytes.Buffer
		if err := page.Execute(&b, d); err != nil {
			http.Error(w, "render the status page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.Bytes())
	})
	return mux
}

type pageData struct {
	Cycle *Cycle
	// Targets are the rows shown: every pair, or with Only those not in
	// sync; Zones, InSync, Failing and Dropped count the cycle's.
	Targets                         []Target
	Only                            bool
	Zones, InSync, Failing, Dropped int
	Events                          []Event
	Audits                          *Audits
	Live, Ready                     bool
	NotLive, NotReady               string
	Now                             time.Time
}

var page = template.Must(template.New("status").Funcs(template.FuncMap{
	"join": strings.Join,
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zonecast sync</title>
<meta http-equiv="refresh" content="30">
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.ok{background:#e6f4e6}.bad{background:#fbe3e3}.out{background:#eee;color:#666}
</style></head>
<body>
<h1>zonecast sync</h1>
<p id="health">{{if not .Live}}NOT LIVE: {{.NotLive}}{{else if .Ready}}healthy{{else}}live, NOT READY: {{.NotReady}}{{end}}</p>
{{with .Cycle}}
<p id="cycle">last cycle {{.End.UTC.Format "2006-01-02 15:04:05"}} UTC, {{.End.Sub .Start}}{{if .DryRun}} (dry run){{end}}{{if .Preempted}} (stopped for a failover drop or restore){{end}}{{if .Err}}: <b>{{.Err}}</b>{{end}}</p>
<p id="summary">{{$.Zones}} zones, {{len .Targets}} zone × provider pairs: {{$.InSync}} in sync, {{$.Failing}} not, {{$.Dropped}} dropped.
{{if $.Only}}Showing the pairs not in sync; <a href="/">show all</a>.{{else}}<a href="/?only=problems">Show only the pairs not in sync.</a>{{end}}</p>
<table id="matrix">
<tr><th>zone</th><th>provider</th><th>state</th><th>last sync</th><th>drift</th><th>applied</th><th>verify</th><th>last error</th><th>apex NS</th></tr>
{{range $.Targets}}
<tr class="{{if .Dropped}}out{{else if .OK}}ok{{else}}bad{{end}}" data-zone="{{.Zone}}" data-provider="{{.Provider}}">
<td>{{.Zone}}</td><td>{{.Provider}}{{if .Parent}} (delegation){{end}}</td>
<td class="state">{{if .Dropped}}dropped{{if .Reason}}: {{.Reason}}{{end}}{{else if not .Reachable}}unreachable{{else if .Refused}}refused: over the safety limit{{else if .OK}}in sync{{else}}failing{{end}}{{if .Restore}} (restored){{end}}</td>
<td class="last">{{ago .LastSuccess}}{{if gt .FailedCycles 0}} <span class="streak">({{.FailedCycles}} failed in a row)</span>{{end}}</td>
<td class="drift">{{.Drift}}</td><td class="applied">{{.Applied}}</td>
<td class="verify">{{if lt .Mismatches 0}}not verified{{else}}{{.Mismatches}} mismatches{{end}}</td>
<td class="error">{{.Err}}</td><td class="ns">{{join .ApexNS " "}}</td>
</tr>
{{end}}
</table>
{{if .Pending}}<h2>Pending work</h2>
<ul id="pending">{{range .Pending}}<li class="pending">{{.}}</li>{{end}}</ul>{{end}}
{{else}}<p id="cycle">no cycle yet</p>{{end}}
{{if .Events}}<h2>Automatic failover</h2>
<table id="events">
<tr><th>time</th><th>zone</th><th>provider</th><th>event</th><th>detail</th></tr>
{{range .Events}}<tr class="event" data-kind="{{.Kind}}"><td>{{.Time.Format "2006-01-02 15:04:05"}} UTC</td><td>{{.Zone}}</td><td>{{.Provider}}</td><td class="kind">{{.Kind}}</td><td class="detail">{{.Detail}}</td></tr>
{{end}}</table>{{end}}
{{with .Audits}}<h2>Audit</h2>
<p id="audit-run">delegations audited {{ago .End}}, in {{.End.Sub .Start}}{{if .Err}}: <b>{{.Err}}</b>{{end}}</p>
{{if .Zones}}<table id="audit">
<tr><th>zone</th><th>verdict</th><th>single points of failure</th><th>findings</th></tr>
{{range .Zones}}<tr class="{{if .OK}}ok{{else}}bad{{end}}" data-zone="{{.Zone}}"><td>{{.Zone}}</td>
<td class="verdict">{{if .Err}}not audited: {{.Err}}{{else}}{{.Verdict}}{{end}}</td>
<td class="spof">{{if .SinglePoints}}{{join .SinglePoints " "}}{{else if not .Err}}none{{end}}</td>
<td class="findings">{{range .Findings}}<div class="finding" data-code="{{.Code}}">{{.Severity}}: {{.Message}}{{if .Hint}}; {{.Hint}}{{end}} [{{.Code}}]</div>{{end}}</td></tr>
{{end}}</table>{{end}}{{end}}
</body></html>
`))
