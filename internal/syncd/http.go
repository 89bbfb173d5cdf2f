package syncd

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics, /healthz and the status page at /.
func Handler(s *Status) http.Handler {
	mux := http.NewServeMux()
	if s.metrics != nil {
		mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.Healthy(time.Now()) {
			w.Write([]byte("ok\n"))
			return
		}
		http.Error(w, "no sync cycle succeeded in three intervals", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, pageData{Cycle: s.Last(), Healthy: s.Healthy(time.Now()), Now: time.Now().UTC()})
	})
	return mux
}

type pageData struct {
	Cycle   *Cycle
	Healthy bool
	Now     time.Time
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
<p id="health">{{if .Healthy}}healthy{{else}}UNHEALTHY: no cycle succeeded in three intervals{{end}}</p>
{{with .Cycle}}
<p id="cycle">last cycle {{.End.UTC.Format "2006-01-02 15:04:05"}} UTC, {{.End.Sub .Start}}{{if .DryRun}} (dry run){{end}}{{if .Err}}: <b>{{.Err}}</b>{{end}}</p>
<table id="matrix">
<tr><th>zone</th><th>provider</th><th>state</th><th>last sync</th><th>drift</th><th>applied</th><th>verify</th><th>last error</th><th>apex NS</th></tr>
{{range .Targets}}
<tr class="{{if .Dropped}}out{{else if .OK}}ok{{else}}bad{{end}}" data-zone="{{.Zone}}" data-provider="{{.Provider}}">
<td>{{.Zone}}</td><td>{{.Provider}}</td>
<td class="state">{{if .Dropped}}dropped{{if .Reason}}: {{.Reason}}{{end}}{{else if not .Reachable}}unreachable{{else if .Refused}}refused: over the safety limit{{else if .OK}}in sync{{else}}failing{{end}}{{if .Restore}} (restored){{end}}</td>
<td class="last">{{ago .LastSuccess}}</td>
<td class="drift">{{.Drift}}</td><td class="applied">{{.Applied}}</td>
<td class="verify">{{if lt .Mismatches 0}}not verified{{else}}{{.Mismatches}} mismatches{{end}}</td>
<td class="error">{{.Err}}</td><td class="ns">{{join .ApexNS " "}}</td>
</tr>
{{end}}
</table>
{{if .Pending}}<h2>Pending work</h2>
<ul id="pending">{{range .Pending}}<li class="pending">{{.}}</li>{{end}}</ul>{{end}}
{{else}}<p id="cycle">no cycle yet</p>{{end}}
</body></html>
`))
