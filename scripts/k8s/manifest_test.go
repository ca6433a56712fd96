// Package k8s holds the Kubernetes manifests of a distributed build; this
// test checks them offline, as no cluster is at hand to validate them: every
// key is one of the Kubernetes fields below (spelled exactly: a misspelt key
// is ignored by Go's JSON decoding but rejected by the API server), and the
// parts that must agree — the task count, the flags of the build and
// finalize commands, the volume — do.
package k8s

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type manifest struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   metadata `json:"metadata"`
	Spec       jobSpec  `json:"spec"`
}

type metadata struct {
	Name   string            `json:"name,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}

type jobSpec struct {
	CompletionMode       string `json:"completionMode,omitempty"`
	Completions          *int   `json:"completions,omitempty"`
	Parallelism          *int   `json:"parallelism,omitempty"`
	BackoffLimit         *int   `json:"backoffLimit,omitempty"`
	BackoffLimitPerIndex *int   `json:"backoffLimitPerIndex,omitempty"`
	MaxFailedIndexes     *int   `json:"maxFailedIndexes,omitempty"`
	Suspend              *bool  `json:"suspend,omitempty"`
	Template             struct {
		Metadata *metadata `json:"metadata,omitempty"`
		Spec     podSpec   `json:"spec"`
	} `json:"template"`
}

type podSpec struct {
	RestartPolicy string      `json:"restartPolicy,omitempty"`
	Containers    []container `json:"containers"`
	Volumes       []struct {
		Name                  string `json:"name"`
		PersistentVolumeClaim *struct {
			ClaimName string `json:"claimName"`
		} `json:"persistentVolumeClaim,omitempty"`
	} `json:"volumes,omitempty"`
}

type container struct {
	Name      string   `json:"name"`
	Image     string   `json:"image"`
	Command   []string `json:"command,omitempty"`
	Resources *struct {
		Requests map[string]string `json:"requests,omitempty"`
		Limits   map[string]string `json:"limits,omitempty"`
	} `json:"resources,omitempty"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts,omitempty"`
}

// loadYAML parses a multi-document YAML file into JSON documents with
// python3's yaml module (PyYAML): the module's go.mod has no YAML library,
// and this test adds no dependency.
func loadYAML(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: cannot parse the YAML")
	}
	if err := exec.Command("python3", "-c", "import yaml").Run(); err != nil {
		t.Skip("python3 has no yaml module (Debian: python3-yaml): cannot parse the YAML")
	}
	const conv = `import json, sys, yaml
json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)`
	var stderr bytes.Buffer
	cmd := exec.Command("python3", "-c", conv, path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s is not valid YAML: %v\n%s", path, err, stderr.String())
	}
	var docs []json.RawMessage
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

// decodeStrict decodes doc into a manifest and fails unless the manifest,
// encoded again, is the document: a key the structs lack, or spell in
// another case, is dropped on the way and shows up here.
func decodeStrict(t *testing.T, doc json.RawMessage) manifest {
	t.Helper()
	var m manifest
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("document %q has a key that is not a Kubernetes field known to this test (misspelt? if it is a real field, add it to the structs):\nyaml: %s\nkept: %s",
			m.Metadata.Name, doc, again)
	}
	return m
}

// str prints an optional integer field.
func str(p *int) string {
	if p == nil {
		return "(unset)"
	}
	return strconv.Itoa(*p)
}

// flagValue returns the value following flag in args, and whether it is there.
func flagValue(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

// bytesOf parses a Kubernetes quantity (3Gi) or a contam size (2GiB).
func bytesOf(t *testing.T, s string) int64 {
	t.Helper()
	for i, u := range []string{"Ki", "Mi", "Gi", "Ti"} {
		for _, suf := range []string{u + "B", u} {
			if n, ok := strings.CutSuffix(s, suf); ok {
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					t.Fatalf("size %q: %v", s, err)
				}
				return v << (10 * (i + 1))
			}
		}
	}
	t.Fatalf("size %q: want an integer with Ki, Mi, Gi or Ti (optionally followed by B)", s)
	return 0
}

func TestBuildJobManifest(t *testing.T) {
	docs := loadYAML(t, "build-job.yaml")
	var build, final *manifest
	for _, d := range docs {
		m := decodeStrict(t, d)
		if m.APIVersion != "batch/v1" || m.Kind != "Job" {
			t.Fatalf("%q: %s %s, want batch/v1 Job", m.Metadata.Name, m.APIVersion, m.Kind)
		}
		if len(m.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("%q: %d containers, want 1", m.Metadata.Name, len(m.Spec.Template.Spec.Containers))
		}
		switch cmd := m.Spec.Template.Spec.Containers[0].Command; {
		case slices.Contains(cmd, "--finalize"):
			final = &m
		case slices.Contains(cmd, "--tasks"):
			build = &m
		default:
			t.Fatalf("%q: command %q has neither --tasks nor --finalize", m.Metadata.Name, cmd)
		}
	}
	if build == nil || final == nil || len(docs) != 2 {
		t.Fatalf("want one build Job (--tasks) and one finalize Job (--finalize), got %d documents", len(docs))
	}

	// The Indexed Job: one pod per task, all at once, each knowing its index
	// from JOB_COMPLETION_INDEX only (a fixed --task would make every pod
	// build the same shards).
	bs := build.Spec
	bc := bs.Template.Spec.Containers[0]
	if bs.CompletionMode != "Indexed" {
		t.Errorf("build Job: completionMode %q, want Indexed", bs.CompletionMode)
	}
	if bs.Completions == nil || bs.Parallelism == nil || *bs.Completions != *bs.Parallelism {
		t.Errorf("build Job: completions %s and parallelism %s, want both set and equal", str(bs.Completions), str(bs.Parallelism))
	}
	tasks, _ := flagValue(bc.Command, "--tasks")
	if bs.Completions != nil && tasks != strconv.Itoa(*bs.Completions) {
		t.Errorf("build Job: --tasks %s but completions %d", tasks, *bs.Completions)
	}
	if slices.Contains(bc.Command, "--task") {
		t.Errorf("build Job: command %q fixes --task; each pod must take its index from JOB_COMPLETION_INDEX", bc.Command)
	}
	if bs.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("build Job: restartPolicy %q, want Never (required by backoffLimitPerIndex)", bs.Template.Spec.RestartPolicy)
	}
	if bc.Resources == nil {
		t.Fatalf("build Job: no resources: the scheduler would pack pods regardless of their CPU and memory use")
	}
	if w, _ := flagValue(bc.Command, "--workers"); w != bc.Resources.Requests["cpu"] {
		t.Errorf("build Job: --workers %q but a CPU request of %q", w, bc.Resources.Requests["cpu"])
	}

	// The finalize Job: created suspended (resumed once the build is
	// complete), finalizing the build's --out.
	fs := final.Spec
	fc := fs.Template.Spec.Containers[0]
	if fs.Suspend == nil || !*fs.Suspend {
		t.Errorf("finalize Job: not suspended; it would run (and fail) before the shards exist")
	}
	if fs.CompletionMode == "Indexed" || fs.Completions != nil && *fs.Completions != 1 {
		t.Errorf("finalize Job: must run once, not as an Indexed Job of %s completions", str(fs.Completions))
	}
	if slices.Contains(fc.Command, "--tasks") {
		t.Errorf("finalize Job: command %q has --tasks", fc.Command)
	}
	if len(bc.Command) < 3 || bc.Command[0] != "contam" || bc.Command[1] != "build" {
		t.Errorf("build command %q: want contam build ...", bc.Command)
	}
	if _, ok := flagValue(bc.Command, "--shards"); !ok {
		t.Errorf("build command %q: --shards must be explicit (its default is the core count, which may differ between pods)", bc.Command)
	}
	bOut, _ := flagValue(bc.Command, "--out")
	if want := []string{"contam", "build", "--finalize", "--out", bOut}; !slices.Equal(fc.Command, want) {
		t.Errorf("finalize command %q, want %q (the build's --out)", fc.Command, want)
	}

	// Memory: the limit above the budget, with contam's fixed overhead
	// (~50 MiB) and some heap slack on top.
	budget, ok := flagValue(bc.Command, "--memory")
	limit := bc.Resources.Limits["memory"]
	if !ok || limit == "" {
		t.Errorf("build Job: --memory %q and memory limit %q: want both set", budget, limit)
	} else if b, l := bytesOf(t, budget), bytesOf(t, limit); l < b+b/8+64<<20 {
		t.Errorf("build Job: memory limit %s leaves too little above --memory %s for contam's overhead", limit, budget)
	}

	for _, m := range []*manifest{build, final} {
		c := m.Spec.Template.Spec.Containers[0]
		// Storage: the claim every pod shares, holding --out and the inputs.
		spec := m.Spec.Template.Spec
		if len(spec.Volumes) != 1 || spec.Volumes[0].PersistentVolumeClaim == nil || len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != spec.Volumes[0].Name {
			t.Fatalf("%q: want one PersistentVolumeClaim volume mounted by the container", m.Metadata.Name)
		}
		mount := c.VolumeMounts[0].MountPath
		out, _ := flagValue(c.Command, "--out")
		paths := []string{out}
		if m == build {
			paths = append(paths, c.Command[len(c.Command)-1]) // the input
		}
		for _, p := range paths {
			if !strings.HasPrefix(p, mount+"/") {
				t.Errorf("%q: path %q is not on the shared volume mounted at %s", m.Metadata.Name, p, mount)
			}
		}
	}
	bv, fv := build.Spec.Template.Spec, final.Spec.Template.Spec
	if bv.Volumes[0].PersistentVolumeClaim.ClaimName != fv.Volumes[0].PersistentVolumeClaim.ClaimName ||
		bc.VolumeMounts[0].MountPath != fc.VolumeMounts[0].MountPath {
		t.Errorf("the build and finalize Jobs mount different claims or paths")
	}
}

// TestManifestFlagsExist checks that every flag of the manifest's commands is
// one 'contam build' has, so that renaming a flag breaks this test rather
// than the pods.
func TestManifestFlagsExist(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not found: cannot run contam build --help")
	}
	if testing.Short() {
		t.Skip("-short: builds cmd/contam")
	}
	help, err := exec.Command("go", "run", "../../cmd/contam", "build", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("contam build --help: %v\n%s", err, help)
	}
	for _, d := range loadYAML(t, "build-job.yaml") {
		m := decodeStrict(t, d)
		for _, arg := range m.Spec.Template.Spec.Containers[0].Command {
			if strings.HasPrefix(arg, "--") && !bytes.Contains(help, []byte(arg+" ")) {
				t.Errorf("%q: contam build has no flag %s", m.Metadata.Name, arg)
			}
		}
	}
	if t.Failed() {
		t.Logf("contam build --help:\n%s", help)
	}
}
