// Package examples_test checks the deployment examples under examples/: the
// GitHub Actions workflow, the systemd units and the Kubernetes manifests
// parse and say what their READMEs say, and the workflow's zonecast commands
// work when run as the workflow runs them.
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// The test runs in examples/; the repository root is its parent.
const repoRoot = ".."

var (
	workflowFile = filepath.Join("github-actions", "zonecast.yml")
	serviceFile  = filepath.Join("systemd", "zonecast-sync.service")
	timerFile    = filepath.Join("systemd", "zonecast-sync.timer")
	k8sDir       = "kubernetes"
	quickstart   = filepath.Join("quickstart", "example.com.zone")
)

// ---------------------------------------------------------------------------
// The zonecast binary, built once for the tests that run it.

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// zonecastBin builds ./cmd/zonecast once and returns the binary's path.
func zonecastBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "zonecast-examples-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "bin", "zonecast")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", buildBin, "./cmd/zonecast")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/zonecast: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// ---------------------------------------------------------------------------
// YAML: every file parses; navigation helpers.

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t *testing.T, path string) []any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no YAML document", path)
	}
	return docs
}

// get walks v along keys (strings for maps, ints for lists); nil when absent.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	switch x := get(v, path...).(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

func list(v any, path ...any) []any { l, _ := get(v, path...).([]any); return l }

func mapOf(v any, path ...any) map[string]any {
	m, _ := get(v, path...).(map[string]any)
	return m
}

func strs(v any, path ...any) []string {
	var out []string
	for _, x := range list(v, path...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func TestEveryYAMLFileParses(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "out" { // the quickstart's generated output
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
			n++
			yamlDocs(t, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Errorf("found %d YAML files under examples/; want the workflow and the Kubernetes manifests", n)
	}
	for _, dir := range []string{"github-actions", "systemd", "kubernetes"} {
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
			t.Errorf("%s has no README.md: %v", dir, err)
		}
	}
}

// ---------------------------------------------------------------------------
// GitHub Actions.

type job struct {
	name string
	body any
}

// workflowJobs returns the workflow and its jobs in the order they run:
// file order, each job after the jobs it needs.
func workflowJobs(t *testing.T) (any, []job) {
	t.Helper()
	wf := yamlDocs(t, workflowFile)[0]
	data, _ := os.ReadFile(workflowFile)
	var ordered struct {
		Jobs yaml.MapSlice `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &ordered); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range ordered.Jobs {
		names = append(names, fmt.Sprint(it.Key))
	}
	needs := func(name string) []string {
		n := get(wf, "jobs", name, "needs")
		if s, ok := n.(string); ok {
			return []string{s}
		}
		return strs(n)
	}
	var out []job
	done := map[string]bool{}
	var visit func(string, int)
	visit = func(name string, depth int) {
		if done[name] || depth > len(names) {
			return
		}
		for _, n := range needs(name) {
			if !slices.Contains(names, n) {
				t.Errorf("%s: job %s needs %q, which is not a job", workflowFile, name, n)
				continue
			}
			visit(n, depth+1)
		}
		done[name] = true
		out = append(out, job{name, get(wf, "jobs", name)})
	}
	for _, n := range names {
		visit(n, 0)
	}
	return wf, out
}

// runSteps returns the run: scripts of a job's steps.
func runSteps(j job) []string {
	var out []string
	for _, s := range list(j.body, "steps") {
		if r := str(s, "run"); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// zonecastLines returns the lines of the scripts that start with "zonecast ".
func zonecastLines(jobs []job) []string {
	var out []string
	for _, j := range jobs {
		for _, script := range runSteps(j) {
			for _, line := range strings.Split(script, "\n") {
				if line = strings.TrimSpace(line); strings.HasPrefix(line, "zonecast ") {
					out = append(out, line)
				}
			}
		}
	}
	return out
}

// jobWith returns the job one of whose run: scripts contains s.
func jobWith(t *testing.T, jobs []job, s string) job {
	t.Helper()
	for _, j := range jobs {
		for _, r := range runSteps(j) {
			if strings.Contains(r, s) {
				return j
			}
		}
	}
	t.Fatalf("%s: no job runs %q", workflowFile, s)
	return job{}
}

func usesStep(j job, action string) any {
	for _, s := range list(j.body, "steps") {
		if strings.HasPrefix(str(s, "uses"), action+"@") {
			return s
		}
	}
	return nil
}

func TestWorkflowStructure(t *testing.T) {
	wf, jobs := workflowJobs(t)
	on := mapOf(wf, "on")
	if on == nil {
		t.Fatalf("%s: no on: map (got %#v)", workflowFile, get(wf, "on"))
	}
	if _, ok := on["pull_request"]; !ok {
		t.Errorf("%s: no on.pull_request", workflowFile)
	}
	if _, ok := on["push"]; !ok {
		t.Errorf("%s: no on.push", workflowFile)
	} else if b := strs(on, "push", "branches"); !slices.Contains(b, "main") {
		t.Errorf("%s: on.push.branches = %v; want main", workflowFile, b)
	}

	lines := zonecastLines(jobs)
	for _, want := range []string{"zonecast validate", "zonecast plan --format markdown --out plan.json", "zonecast apply plan.json"} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("%s: no run: step runs %q; zonecast lines: %q", workflowFile, want, lines)
		}
	}

	// The pull request job: keeps plan.json, comments plan.md, never applies.
	plan := jobWith(t, jobs, "zonecast plan --format markdown --out plan.json")
	if !strings.Contains(str(plan.body, "if"), "push") {
		t.Errorf("job %s: if: %q; want it to leave out pushes (those apply)", plan.name, str(plan.body, "if"))
	}
	up := usesStep(plan, "actions/upload-artifact")
	if up == nil || str(up, "with", "path") != "plan.json" {
		t.Errorf("job %s: no actions/upload-artifact step with path plan.json", plan.name)
	}
	artifact := str(up, "with", "name")
	// The comment is cut to fit (plan --max-bytes); the whole plan is kept.
	if !slices.ContainsFunc(zonecastLines(jobs), func(l string) bool {
		return strings.Contains(l, "--max-bytes") && strings.Contains(l, "--full plan-full.md")
	}) {
		t.Errorf("job %s: the plan is not cut with --max-bytes, the whole of it not written with --full plan-full.md", plan.name)
	}
	if !slices.ContainsFunc(list(plan.body, "steps"), func(s any) bool {
		return strings.HasPrefix(str(s, "uses"), "actions/upload-artifact@") && str(s, "with", "path") == "plan-full.md"
	}) {
		t.Errorf("job %s: no actions/upload-artifact step with path plan-full.md (the whole plan)", plan.name)
	}
	if s := usesStep(plan, "actions/github-script"); s == nil || !strings.Contains(str(s, "with", "script"), "plan.md") {
		t.Errorf("job %s: no actions/github-script step posting plan.md", plan.name)
	}
	if str(plan.body, "permissions", "pull-requests") != "write" {
		t.Errorf("job %s: permissions.pull-requests = %q; want write, to comment", plan.name, str(plan.body, "permissions", "pull-requests"))
	}

	// The merge job: downloads the reviewed plan, applies it, explains exit 5.
	apply := jobWith(t, jobs, "zonecast apply plan.json")
	if apply.name == plan.name {
		t.Errorf("job %s both plans for review and applies", plan.name)
	}
	if cond := str(apply.body, "if"); !strings.Contains(cond, "pull_request") {
		t.Errorf("job %s: if: %q; want it never to run on pull requests", apply.name, cond)
	}
	all := strings.Join(runSteps(apply), "\n")
	for _, want := range []string{"gh run download", "--name " + artifact, "--event pull_request", ".head.sha"} {
		if artifact == "" || !strings.Contains(all, want) {
			t.Errorf("job %s: its steps do not contain %q (downloading the pull request's artifact %q)", apply.name, want, artifact)
		}
	}
	if str(apply.body, "permissions", "actions") != "read" {
		t.Errorf("job %s: permissions.actions = %q; want read, to download another run's artifact", apply.name, str(apply.body, "permissions", "actions"))
	}
	script := applyScript(t, jobs)
	if !strings.Contains(script, "5)") || !strings.Contains(strings.ToLower(script), "re-run the plan") {
		t.Errorf("the apply step does not tell to re-run the plan on exit 5:\n%s", script)
	}

	// Secrets come from GitHub secrets, into the variables the config names.
	for _, j := range []job{plan, apply} {
		for _, name := range []string{"CLOUDFLARE_API_TOKEN", "TSIG_SECRET"} {
			if v := str(j.body, "env", name); !strings.Contains(v, "secrets."+name) {
				t.Errorf("job %s: env.%s = %q; want it from secrets.%s", j.name, name, v, name)
			}
		}
	}
}

// applyScript returns the run: script that contains `zonecast apply plan.json`.
func applyScript(t *testing.T, jobs []job) string {
	t.Helper()
	for _, r := range runSteps(jobWith(t, jobs, "zonecast apply plan.json")) {
		if strings.Contains(r, "zonecast apply plan.json") {
			return r
		}
	}
	return ""
}

// TestWorkflowCommandsRun runs the workflow's zonecast command lines, in the
// order the workflow runs them, in a repository laid out as the workflow
// expects (zonecast.yaml at the root, zones/*.zone) with two zone-file
// providers: validate, plan (markdown, saved), apply of the saved plan, and
// plan --exit-code, which must find nothing left. Then the whole apply step
// script against a drifted provider: exit 5 with the re-run message.
func TestWorkflowCommandsRun(t *testing.T) {
	bin := zonecastBin(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the workflow's steps, as GitHub's runners do")
	}
	_, jobs := workflowJobs(t)
	lines := zonecastLines(jobs)

	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "zonecast.yaml"), `providers:
  a: {type: zonefile, directory: out/a}
  b: {type: zonefile, directory: out/b}
zones:
  - origin: example.com.
    file: zones/example.com.zone
    providers: [a, b]
`)
	zone, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repo, "zones", "example.com.zone"), string(zone))

	run := func(script string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// GitHub runs run: scripts as `bash --noprofile --norc -e`.
		cmd := exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-e", "-c", script)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(),
			"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
			"NO_COLOR=1",
			"GITHUB_STEP_SUMMARY="+filepath.Join(t.TempDir(), "summary.md"))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		}
		t.Fatalf("%s: %v\n%s", script, err, out)
		return "", -1
	}

	want := []struct {
		prefix string
		check  func(t *testing.T)
	}{
		{"zonecast validate", nil},
		{"zonecast plan --format markdown --out plan.json", func(t *testing.T) {
			md := readFile(t, filepath.Join(repo, "plan.md"))
			if !strings.Contains(md, "### zonecast plan") || !strings.Contains(md, "| zone | provider |") || !strings.Contains(md, "|---|") {
				t.Errorf("plan.md is not the markdown plan with its table:\n%s", md)
			}
			if _, err := os.Stat(filepath.Join(repo, "plan.json")); err != nil {
				t.Errorf("no plan.json: %v", err)
			}
			if full := readFile(t, filepath.Join(repo, "plan-full.md")); !strings.Contains(full, "| zone | provider |") {
				t.Errorf("plan-full.md is not the whole markdown plan:\n%s", full)
			}
		}},
		{"zonecast apply plan.json", func(t *testing.T) {
			for _, p := range []string{"a", "b"} {
				if _, err := os.Stat(filepath.Join(repo, "out", p, "example.com.zone")); err != nil {
					t.Errorf("provider %s was not written: %v", p, err)
				}
			}
		}},
		{"zonecast plan --exit-code", nil},
	}
	if len(lines) != len(want) {
		t.Fatalf("%s: zonecast command lines %q; want %d, starting with %q, %q, %q, %q in this order", workflowFile, lines, len(want),
			want[0].prefix, want[1].prefix, want[2].prefix, want[3].prefix)
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, want[i].prefix) {
			t.Fatalf("%s: zonecast command %d is %q; want %q", workflowFile, i+1, line, want[i].prefix)
		}
		out, code := run(line)
		if code != 0 {
			t.Fatalf("%s: exit %d, want 0\n%s", line, code, out)
		}
		if want[i].check != nil {
			want[i].check(t)
		}
	}

	// A saved plan, then drift at provider a: the apply step fails with exit
	// 5, changes nothing, and says to re-run the plan.
	if out, code := run("zonecast plan --out plan.json"); code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", code, out)
	}
	drifted := filepath.Join(repo, "out", "a", "example.com.zone")
	f, err := os.OpenFile(drifted, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `drift.example.com. 300 IN TXT "changed by hand"`)
	f.Close()
	out, code := run(applyScript(t, jobs))
	if code != 5 {
		t.Fatalf("the apply step on a stale plan: exit %d, want 5\n%s", code, out)
	}
	if !strings.Contains(out, "::error") || !strings.Contains(strings.ToLower(out), "re-run the plan") {
		t.Errorf("the apply step on a stale plan printed no ::error telling to re-run the plan:\n%s", out)
	}
	if !strings.Contains(readFile(t, drifted), "changed by hand") {
		t.Errorf("the stale plan changed provider a")
	}
}

// ---------------------------------------------------------------------------
// systemd.

// unit is a parsed unit file: section → key → values, in order.
type unit map[string]map[string][]string

func (u unit) get(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseUnit reads a systemd unit file: [Section] headers, Key=Value lines,
// # and ; comments, blank lines, and lines continued by a trailing
// backslash. A key may repeat.
func parseUnit(path string) (unit, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		for strings.HasSuffix(line, `\`) && sc.Scan() {
			n++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(sc.Text())
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("%s:%d: bad section header %q", path, n, line)
			}
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				return nil, fmt.Errorf("%s:%d: want Key=Value, got %q", path, n, line)
			}
			if section == "" {
				return nil, fmt.Errorf("%s:%d: %s outside any section", path, n, k)
			}
			u[section][k] = append(u[section][k], strings.TrimSpace(v))
		}
	}
	return u, sc.Err()
}

func TestSystemdUnits(t *testing.T) {
	svc, err := parseUnit(serviceFile)
	if err != nil {
		t.Fatal(err)
	}
	tmr, err := parseUnit(timerFile)
	if err != nil {
		t.Fatal(err)
	}

	// The service: one sync cycle, hardened.
	argv := strings.Fields(strings.TrimLeft(svc.get("Service", "ExecStart"), "-@:+!"))
	if len(argv) < 3 || filepath.Base(argv[0]) != "zonecast" || argv[1] != "sync" || !slices.Contains(argv, "--once") {
		t.Errorf("%s: ExecStart=%q; want zonecast sync --once", serviceFile, svc.get("Service", "ExecStart"))
	}
	if i := slices.Index(argv, "--config"); i < 0 || i+1 >= len(argv) || argv[i+1] != "/etc/zonecast/zonecast.yaml" {
		t.Errorf("%s: ExecStart=%q; want --config /etc/zonecast/zonecast.yaml", serviceFile, svc.get("Service", "ExecStart"))
	}
	for key, want := range map[string]string{
		"Type":             "oneshot",
		"EnvironmentFile":  "/etc/zonecast/env",
		"ProtectSystem":    "strict",
		"StateDirectory":   "zonecast",
		"WorkingDirectory": "/var/lib/zonecast",
	} {
		if got := strings.TrimPrefix(svc.get("Service", key), "-"); got != want {
			t.Errorf("%s: %s=%q; want %q", serviceFile, key, got, want)
		}
	}
	if svc.get("Service", "DynamicUser") != "yes" && svc.get("Service", "User") == "" {
		t.Errorf("%s: neither DynamicUser=yes nor User=", serviceFile)
	}

	// The timer: every five minutes, spread, catching up, starting the service.
	if got := tmr.get("Timer", "OnCalendar"); !slices.Contains([]string{"*:0/5", "*:00/5", "*-*-* *:00/5:00", "*:0/5:0"}, got) {
		t.Errorf("%s: OnCalendar=%q; want every five minutes (*:0/5)", timerFile, got)
	}
	if tmr.get("Timer", "RandomizedDelaySec") == "" {
		t.Errorf("%s: no RandomizedDelaySec=", timerFile)
	}
	if tmr.get("Timer", "Persistent") != "true" {
		t.Errorf("%s: Persistent=%q; want true", timerFile, tmr.get("Timer", "Persistent"))
	}
	target := tmr.get("Timer", "Unit")
	if target != filepath.Base(serviceFile) {
		t.Errorf("%s: Unit=%q; want %s", timerFile, target, filepath.Base(serviceFile))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(timerFile), target)); target == "" || err != nil {
		t.Errorf("%s: Unit=%q names no file beside it", timerFile, target)
	}
	if got := tmr.get("Install", "WantedBy"); got != "timers.target" {
		t.Errorf("%s: WantedBy=%q; want timers.target", timerFile, got)
	}

	// systemd's own check, where systemd is installed (optional).
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		systemdVerify(t, sa, svc, tmr)
	}
}

// systemdVerify runs `systemd-analyze verify` on copies of the units whose
// ExecStart names the zonecast just built (verify wants the program to exist),
// and `systemd-analyze calendar` on the timer's OnCalendar.
func systemdVerify(t *testing.T, sa string, svc, tmr unit) {
	bin := zonecastBin(t)
	dir := t.TempDir()
	argv := strings.Fields(svc.get("Service", "ExecStart"))
	if len(argv) == 0 {
		return
	}
	data := strings.Replace(readFile(t, serviceFile), "ExecStart="+argv[0], "ExecStart="+bin, 1)
	writeFile(t, filepath.Join(dir, filepath.Base(serviceFile)), data)
	writeFile(t, filepath.Join(dir, filepath.Base(timerFile)), readFile(t, timerFile))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sa, "verify", "--man=no",
		filepath.Join(dir, filepath.Base(serviceFile)), filepath.Join(dir, filepath.Base(timerFile)))
	out, err := cmd.CombinedOutput()
	var complaints []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, dir) || strings.Contains(l, "zonecast-sync") {
			complaints = append(complaints, l)
		}
	}
	if err != nil || len(complaints) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	// Every five minutes: the next two elapses are five minutes apart.
	cmd = exec.CommandContext(ctx, sa, "calendar", "--iterations=2", tmr.get("Timer", "OnCalendar"))
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze calendar: %v\n%s", err, out)
		return
	}
	var elapses []time.Time
	for _, l := range strings.Split(string(out), "\n") {
		_, v, ok := strings.Cut(l, ": ")
		if k := strings.TrimSpace(l); !ok || !(strings.HasPrefix(k, "Next elapse") || strings.HasPrefix(k, "Iter.")) {
			continue
		}
		if ts, err := time.Parse("Mon 2006-01-02 15:04:05 MST", strings.TrimSpace(v)); err == nil {
			elapses = append(elapses, ts)
		}
	}
	if len(elapses) == 2 && elapses[1].Sub(elapses[0]) != 5*time.Minute {
		t.Errorf("OnCalendar=%s: next elapses %v; want five minutes apart", tmr.get("Timer", "OnCalendar"), elapses)
	}
}

// ---------------------------------------------------------------------------
// Kubernetes.

// k8sObjects loads every manifest under kubernetes/, keyed "Kind/name".
func k8sObjects(t *testing.T) map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", k8sDir, err)
	}
	objs := map[string]any{}
	for _, f := range files {
		for _, d := range yamlDocs(t, f) {
			kind, name := str(d, "kind"), str(d, "metadata", "name")
			if str(d, "apiVersion") == "" || kind == "" || name == "" {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
				continue
			}
			key := kind + "/" + name
			if _, dup := objs[key]; dup {
				t.Errorf("%s: %s defined twice", f, key)
			}
			objs[key] = d
		}
	}
	return objs
}

// podChecks checks what the CronJob's and the Deployment's pods share: the
// configuration from the ConfigMap at the --config path, the secrets from the
// Secret, and a volume for the state file that outlives the pod.
func podChecks(t *testing.T, objs map[string]any, what string, pod any) (container any) {
	t.Helper()
	cs := list(pod, "containers")
	if len(cs) != 1 {
		t.Fatalf("%s: %d containers; want 1", what, len(cs))
	}
	c := cs[0]
	args := strs(c, "args")
	i := slices.Index(args, "--config")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("%s: args %q have no --config", what, args)
	}
	config := args[i+1]
	mounted := false
	for _, m := range list(c, "volumeMounts") {
		if filepath.Dir(config) != str(m, "mountPath") {
			continue
		}
		for _, v := range list(pod, "volumes") {
			if str(v, "name") != str(m, "name") {
				continue
			}
			cm := str(v, "configMap", "name")
			if _, ok := mapOf(objs["ConfigMap/"+cm], "data")[filepath.Base(config)]; ok {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("%s: --config %s is not a key of a ConfigMap of examples/kubernetes mounted at %s", what, config, filepath.Dir(config))
	}
	secret := false
	for _, e := range list(c, "envFrom") {
		if n := str(e, "secretRef", "name"); n != "" {
			if objs["Secret/"+n] == nil {
				t.Errorf("%s: envFrom names Secret %s, not in examples/kubernetes", what, n)
			}
			secret = true
		}
	}
	for _, e := range list(c, "env") {
		if n := str(e, "valueFrom", "secretKeyRef", "name"); n != "" {
			secret = true
		}
	}
	if !secret {
		t.Errorf("%s: no secrets from a Secret in its environment", what)
	}
	for _, v := range list(pod, "volumes") {
		if n := str(v, "persistentVolumeClaim", "claimName"); n != "" && objs["PersistentVolumeClaim/"+n] == nil {
			t.Errorf("%s: volume %s claims %s, not in examples/kubernetes", what, str(v, "name"), n)
		}
	}
	return c
}

// stateMounted reports whether the configuration's state file lies on a
// persistent volume of the pod.
func stateMounted(pod, c any, state string) bool {
	for _, m := range list(c, "volumeMounts") {
		if !strings.HasPrefix(state, strings.TrimSuffix(str(m, "mountPath"), "/")+"/") {
			continue
		}
		for _, v := range list(pod, "volumes") {
			if str(v, "name") == str(m, "name") && str(v, "persistentVolumeClaim", "claimName") != "" {
				return true
			}
		}
	}
	return false
}

// port resolves a probe's or a Service's port (a number or a port name).
func port(c any, p any) int {
	if n, err := strconv.Atoi(fmt.Sprint(p)); err == nil {
		return n
	}
	for _, cp := range list(c, "ports") {
		if str(cp, "name") == fmt.Sprint(p) {
			n, _ := strconv.Atoi(str(cp, "containerPort"))
			return n
		}
	}
	return 0
}

func TestKubernetesManifests(t *testing.T) {
	objs := k8sObjects(t)
	var cronPod, deployPod, cronC, deployC any

	t.Run("CronJob", func(t *testing.T) {
		var cj any
		for k, o := range objs {
			if strings.HasPrefix(k, "CronJob/") {
				cj = o
			}
		}
		if cj == nil {
			t.Fatal("no CronJob")
		}
		if got := str(cj, "spec", "concurrencyPolicy"); got != "Forbid" {
			t.Errorf("spec.concurrencyPolicy = %q; want Forbid", got)
		}
		if str(cj, "spec", "schedule") == "" {
			t.Error("no spec.schedule")
		}
		cronPod = get(cj, "spec", "jobTemplate", "spec", "template", "spec")
		if rp := str(cronPod, "restartPolicy"); rp != "Never" && rp != "OnFailure" {
			t.Errorf("restartPolicy %q", rp)
		}
		cronC = podChecks(t, objs, "CronJob", cronPod)
		args := strs(cronC, "args")
		if !slices.Contains(args, "sync") || !slices.Contains(args, "--once") {
			t.Errorf("container args %q; want sync --once", args)
		}
	})

	t.Run("Deployment", func(t *testing.T) {
		var d any
		for k, o := range objs {
			if strings.HasPrefix(k, "Deployment/") {
				d = o
			}
		}
		if d == nil {
			t.Fatal("no Deployment")
		}
		if r := str(d, "spec", "replicas"); r != "1" {
			t.Errorf("spec.replicas = %q; want 1", r)
		}
		deployPod = get(d, "spec", "template", "spec")
		deployC = podChecks(t, objs, "Deployment", deployPod)
		args := strs(deployC, "args")
		if !slices.Contains(args, "sync") || !slices.Contains(args, "--interval") || slices.Contains(args, "--once") {
			t.Errorf("container args %q; want sync --interval …", args)
		}
		if i := slices.Index(args, "--listen"); i < 0 || i+1 >= len(args) || !strings.HasSuffix(args[i+1], ":9153") {
			t.Errorf("container args %q; want --listen …:9153", args)
		}
		if port(deployC, "9153") != 9153 || !slices.ContainsFunc(list(deployC, "ports"), func(p any) bool { return str(p, "containerPort") == "9153" }) {
			t.Errorf("no containerPort 9153")
		}
		for _, probe := range []string{"livenessProbe", "readinessProbe"} {
			p := get(deployC, probe, "httpGet")
			if p == nil {
				t.Errorf("no %s.httpGet", probe)
				continue
			}
			// Liveness on /livez, which only a hung loop fails; not on
			// /readyz, which an outage fails (a restart would not mend it).
			if want := map[string]string{"livenessProbe": "/livez", "readinessProbe": "/readyz"}[probe]; str(p, "path") != want {
				t.Errorf("%s.httpGet.path = %q; want %s", probe, str(p, "path"), want)
			}
			if port(deployC, get(p, "port")) != 9153 {
				t.Errorf("%s.httpGet.port = %v; want 9153", probe, get(p, "port"))
			}
		}

		labels := mapOf(d, "spec", "template", "metadata", "labels")
		for k, v := range mapOf(d, "spec", "selector", "matchLabels") {
			if labels[k] != v {
				t.Errorf("spec.selector.matchLabels %s=%v is not a label of the pod template", k, v)
			}
		}
		var svc any
		for k, o := range objs {
			if strings.HasPrefix(k, "Service/") {
				svc = o
			}
		}
		if svc == nil {
			t.Fatal("no Service")
		}
		sel := mapOf(svc, "spec", "selector")
		if len(sel) == 0 {
			t.Error("the Service has no selector")
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("the Service selects %s=%v, not a label of the Deployment's pods %v", k, v, labels)
			}
		}
		// A pod that is not ready (a provider out of sync) keeps its
		// metrics and status page reachable through the Service.
		if str(svc, "spec", "publishNotReadyAddresses") != "true" {
			t.Errorf("the Service's spec.publishNotReadyAddresses = %q; want true", str(svc, "spec", "publishNotReadyAddresses"))
		}
		ok := false
		for _, p := range list(svc, "spec", "ports") {
			if str(p, "port") == "9153" && port(deployC, get(p, "targetPort")) == 9153 {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the Service has no port 9153 to the container's 9153: %v", get(svc, "spec", "ports"))
		}
		ann := mapOf(svc, "metadata", "annotations")
		if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != "9153" {
			t.Errorf("the Service's annotations %v; want prometheus.io/scrape \"true\" and prometheus.io/port \"9153\"", ann)
		}
	})

	// The ConfigMap's configuration loads with the Secret's keys as its
	// environment, its zone files validate, and its state file lies on the
	// pods' persistent volume.
	t.Run("ConfigMap", func(t *testing.T) {
		bin := zonecastBin(t)
		var cm, secret any
		for k, o := range objs {
			switch {
			case strings.HasPrefix(k, "ConfigMap/"):
				cm = o
			case strings.HasPrefix(k, "Secret/"):
				secret = o
			}
		}
		if cm == nil || secret == nil {
			t.Fatal("no ConfigMap or no Secret")
		}
		dir := t.TempDir()
		var zoneFiles []string
		for k, v := range mapOf(cm, "data") {
			writeFile(t, filepath.Join(dir, k), fmt.Sprint(v))
			if strings.HasSuffix(k, ".zone") {
				zoneFiles = append(zoneFiles, k)
			}
		}
		if len(zoneFiles) == 0 {
			t.Error("the ConfigMap holds no zone file (*.zone)")
		}
		env := []string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "HOME=" + dir}
		for k, v := range mapOf(secret, "stringData") {
			env = append(env, k+"="+fmt.Sprint(v))
		}
		for k := range mapOf(secret, "data") {
			env = append(env, k+"=placeholder")
		}
		for _, args := range [][]string{
			append([]string{"validate"}, zoneFiles...),
			{"providers", "--config", "zonecast.yaml"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				t.Errorf("zonecast %s (the ConfigMap's files, the Secret's keys as environment): %v\n%s", strings.Join(args, " "), err, out)
			}
		}

		var cfg struct {
			State string `yaml:"state"`
		}
		if err := yaml.Unmarshal([]byte(str(cm, "data", "zonecast.yaml")), &cfg); err != nil {
			t.Fatal(err)
		}
		for what, pc := range map[string][2]any{"CronJob": {cronPod, cronC}, "Deployment": {deployPod, deployC}} {
			if pc[1] != nil && !stateMounted(pc[0], pc[1], cfg.State) {
				t.Errorf("%s: the configuration's state file %q is not on a persistent volume of the pod", what, cfg.State)
			}
		}
	})
}

// ---------------------------------------------------------------------------

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
