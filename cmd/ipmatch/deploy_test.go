package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// instruction is one of the Dockerfile's: its keyword upper-cased, and
// its arguments with continuation lines joined.
type instruction struct{ cmd, args string }

// readDockerfile reads the Dockerfile's instructions, comments dropped.
func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "#") || trim == "" && cur == "" {
			continue
		}
		if strings.HasSuffix(trim, "\\") {
			cur += strings.TrimSuffix(trim, "\\") + " "
			continue
		}
		cur += trim
		if cmd, args, _ := strings.Cut(cur, " "); cmd != "" {
			out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		}
		cur = ""
	}
	return out
}

// knownVariables are the IPMATCH_* variables README's Configuration table
// names.
func knownVariables(t *testing.T) map[string]bool {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(readme)
	conf = conf[strings.Index(conf, "\n## Configuration\n"):]
	conf = conf[:strings.Index(conf[1:], "\n## ")+1]
	known := map[string]bool{}
	for _, v := range regexp.MustCompile(`IPMATCH_[A-Z_]+`).FindAllString(conf, -1) {
		known[v] = true
	}
	return known
}

// TestDockerfile checks the image's recipe: built by deploy/build.sh (the
// flags .ci/run builds with) on the Go of go.mod, run on a minimal base as
// a numeric non-root user, its state on volumes, its port exposed and its
// health asked by the binary itself.
func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	known := knownVariables(t)
	var froms, runs []string
	env := map[string]string{}
	var user, expose, health string
	var volumes []string
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "RUN":
			runs = append(runs, in.args)
		case "USER":
			user = in.args
		case "EXPOSE":
			expose = in.args
		case "HEALTHCHECK":
			health = in.args
		case "VOLUME":
			for _, v := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(in.args, -1) {
				volumes = append(volumes, v[1])
			}
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "golang:"+string(goVersion[1])+" ") {
		t.Errorf("stages %q: want a golang:%s build stage and a final one", froms, goVersion[1])
	}
	if len(froms) > 0 && !strings.Contains(froms[len(froms)-1], "distroless/static") && !strings.HasPrefix(froms[len(froms)-1], "scratch") {
		t.Errorf("final stage %q: want distroless/static or scratch", froms[len(froms)-1])
	}
	// The binary is built by deploy/build.sh, the one place of the flags.
	built := slices.IndexFunc(runs, func(r string) bool { return strings.Contains(r, "deploy/build.sh /out/ipmatch") })
	if built < 0 {
		t.Errorf("no RUN builds with deploy/build.sh: %q", runs)
	}
	script, err := os.ReadFile("../../deploy/build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags", "-X main.version=", "./cmd/ipmatch"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("deploy/build.sh does not build with %s", want)
		}
	}
	if !regexp.MustCompile(`^[1-9][0-9]*:[1-9][0-9]*$`).MatchString(user) {
		t.Errorf("USER %q: want a numeric non-root uid:gid", user)
	}
	_, port, _ := strings.Cut(env["IPMATCH_ADDR"], ":")
	if port == "" || expose != port {
		t.Errorf("EXPOSE %q, IPMATCH_ADDR %q: want the listen port exposed", expose, env["IPMATCH_ADDR"])
	}
	if !strings.Contains(health, `"healthcheck"]`) {
		t.Errorf("HEALTHCHECK %q: want the binary's healthcheck command", health)
	}
	for k, v := range env {
		if strings.HasPrefix(k, "IPMATCH_") && !known[k] {
			t.Errorf("ENV %s is not a variable README's Configuration table names", k)
		}
		if (k == "IPMATCH_DATA" || k == "IPMATCH_INDEX" || k == "IPMATCH_SPOOL_DIR") && !onVolume(v, volumes) {
			t.Errorf("ENV %s=%s is not on a volume (%q): the root file system may be read-only", k, v, volumes)
		}
	}
	for _, k := range []string{"IPMATCH_DATA", "IPMATCH_INDEX", "IPMATCH_SPOOL_DIR"} {
		if env[k] == "" {
			t.Errorf("ENV sets no %s", k)
		}
	}
}

// onVolume reports whether dir is one of volumes or under one.
func onVolume(dir string, volumes []string) bool {
	for _, v := range volumes {
		if dir == v || strings.HasPrefix(dir, v+"/") {
			return true
		}
	}
	return false
}

// TestComposeFile checks deploy/compose.yaml: valid YAML, a three-member
// replica set that an init step initiates, two nodes on it configured as
// README's "Several nodes on one MongoDB" says, and the proxy in front.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("deploy/compose.yaml is not valid YAML: %v", err)
	}
	services, _ := raw["services"].(map[string]any)
	get := func(m any, keys ...string) any {
		for _, k := range keys {
			mm, ok := m.(map[string]any)
			if !ok {
				return nil
			}
			m = mm[k]
		}
		return m
	}
	str := func(v any) string { return fmt.Sprint(v) }
	known := knownVariables(t)

	for _, name := range []string{"mongo1", "mongo2", "mongo3"} {
		if cmd := str(get(services, name, "command")); !strings.Contains(cmd, "--replSet rs0") {
			t.Errorf("%s runs %s: want mongod --replSet rs0", name, cmd)
		}
		if cond := str(get(services, "mongo-init", "depends_on", name, "condition")); cond != "service_healthy" {
			t.Errorf("mongo-init waits for %s: %q, want service_healthy", name, cond)
		}
	}
	initJS, err := os.ReadFile("../../deploy/mongo-init.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rs.initiate(", `_id: "rs0"`, `"mongo1:27017"`, `"mongo2:27017"`, `"mongo3:27017"`} {
		if !strings.Contains(string(initJS), want) {
			t.Errorf("deploy/mongo-init.js lacks %s", want)
		}
	}
	if cmd := str(get(services, "mongo-init", "command")); !strings.Contains(cmd, "/deploy/mongo-init.js") {
		t.Errorf("mongo-init runs %s: want mongo-init.js", cmd)
	}

	proxyIP := str(get(services, "proxy", "networks", "backend", "ipv4_address"))
	if proxyIP == "<nil>" {
		t.Fatal("the proxy has no fixed address for the nodes to trust")
	}
	caddy, err := os.ReadFile("../../deploy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]bool{}
	indexes := map[string]bool{}
	for _, name := range []string{"ipmatch1", "ipmatch2"} {
		env, _ := get(services, name, "environment").(map[string]any)
		if env == nil {
			t.Fatalf("%s has no environment", name)
		}
		for k := range env {
			if !known[k] {
				t.Errorf("%s sets %s, which README's Configuration table does not name", name, k)
			}
		}
		uri := str(env["IPMATCH_MONGO_URI"])
		for _, want := range []string{"replicaSet=rs0", "mongo1:27017", "mongo2:27017", "mongo3:27017"} {
			if !strings.Contains(uri, want) {
				t.Errorf("%s: IPMATCH_MONGO_URI %q lacks %s", name, uri, want)
			}
		}
		node := str(env["IPMATCH_NODE"])
		if node == "<nil>" || nodes[node] {
			t.Errorf("%s: IPMATCH_NODE %q: want one name per node", name, node)
		}
		nodes[node] = true
		if got := str(env["IPMATCH_TRUSTED_PROXIES"]); got != proxyIP {
			t.Errorf("%s trusts %q for X-Forwarded-For; want exactly the proxy, %s", name, got, proxyIP)
		}
		if get(services, name, "read_only") != true {
			t.Errorf("%s: want read_only: true", name)
		}
		if cond := str(get(services, name, "depends_on", "mongo-init", "condition")); cond != "service_completed_successfully" {
			t.Errorf("%s waits for mongo-init: %q, want service_completed_successfully", name, cond)
		}
		index := str(env["IPMATCH_INDEX"])
		vols, _ := get(services, name, "volumes").([]any)
		var volume string
		for _, v := range vols {
			if src, dst, _ := strings.Cut(str(v), ":"); dst == index {
				volume = src
			}
		}
		if volume == "" || indexes[volume] {
			t.Errorf("%s: index %s on volume %q: want a volume of its own", name, index, volume)
		}
		indexes[volume] = true
		_, port, _ := strings.Cut(str(env["IPMATCH_ADDR"]), ":")
		if !strings.Contains(string(caddy), name+":"+port) {
			t.Errorf("deploy/Caddyfile does not proxy to %s:%s", name, port)
		}
	}
}
