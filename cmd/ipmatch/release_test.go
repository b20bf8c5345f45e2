package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageUser is the image's numeric user (Dockerfile: USER 65532:65532,
// distroless's nonroot).
const imageUser = 65532

// TestReleaseBinaryReadOnly runs the release binary, built as the image
// builds it (deploy/build.sh), the way the image runs it: as the image's
// non-root user, from a directory it cannot write, with only its data and
// index directories (the volumes) and a temporary directory (the
// container's tmpfs) writable. It creates a token, serves, answers
// "ipmatch healthcheck", takes an import (spooled on the data volume),
// and stops cleanly on SIGTERM. Docker itself is absent on CI.
//
// It needs root to run the binary as another user: it skips otherwise,
// except under CI=true, where it fails. IPMATCH_TEST_BINARY names a binary
// already built by deploy/build.sh (.ci/run builds one); without it the
// test builds its own.
func TestReleaseBinaryReadOnly(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	if os.Geteuid() != 0 {
		if ci {
			t.Fatal("CI=true: this test must run as root, to run the release binary as the image's user")
		}
		t.Skip("needs root to run the release binary as the image's user (uid 65532); CI runs it")
	}
	if testing.Short() && !ci {
		t.Skip("-short: builds and runs the release binary")
	}
	root, err := os.MkdirTemp("", "ipmatch-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	dir := func(name string, owner int, mode os.FileMode) string {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, owner, owner); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bin := dir("bin", 0, 0o755)
	binary := filepath.Join(bin, "ipmatch")
	if prebuilt := os.Getenv("IPMATCH_TEST_BINARY"); prebuilt != "" {
		b, err := os.ReadFile(prebuilt)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(binary, b, 0o555); err != nil {
			t.Fatal(err)
		}
	} else {
		build := exec.Command("../../deploy/build.sh", binary)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("deploy/build.sh: %v\n%s", err, out)
		}
	}
	// Static, as the distroless image needs: no ELF interpreter.
	if f, err := elf.Open(binary); err != nil {
		t.Fatal(err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the release binary is dynamically linked; the image needs a static one")
			}
		}
		f.Close()
	}
	os.Chmod(bin, 0o555)
	work := dir("work", 0, 0o555) // the working directory and $HOME: read-only
	data := dir("data", imageUser, 0o700)
	index := dir("index", imageUser, 0o700)
	tmp := dir("tmp", imageUser, 0o700)
	os.Chmod(root, 0o555)
	t.Cleanup(func() { os.Chmod(root, 0o755) })

	command := func(args ...string) *exec.Cmd {
		cmd := exec.Command(binary, args...)
		cmd.Dir = work
		cmd.Env = []string{"HOME=" + work, "TMPDIR=" + tmp, "PATH=/usr/bin:/bin",
			"IPMATCH_DATA=" + data, "IPMATCH_INDEX=" + index, "IPMATCH_SPOOL_DIR=" + filepath.Join(data, "spool"),
			"IPMATCH_ADDR=127.0.0.1:0"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: imageUser, Gid: imageUser, Groups: []uint32{}}}
		return cmd
	}
	out, err := command("token", "create", "--role", "organizer", "--label", "release test").Output()
	if err != nil {
		t.Fatalf("token create as %d: %v\n%s", imageUser, err, stderrOf(err))
	}
	token := strings.TrimSpace(string(out))

	serve := command("serve")
	var logs bytes.Buffer
	serve.Stderr = &logs
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		if serve.ProcessState == nil {
			serve.Process.Kill()
		}
	})
	url := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				url <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
		exited <- serve.Wait()
	}()
	var base string
	select {
	case base = <-url:
	case err := <-exited:
		t.Fatalf("serve exited before listening: %v\n%s", err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not listen within 2 minutes\n%s", logs.String())
	}

	if out, err := command("healthcheck", "--addr", strings.TrimPrefix(base, "http://")).CombinedOutput(); err != nil {
		t.Errorf("healthcheck: %v\n%s", err, out)
	}
	csv, err := os.Open("../../data/testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer csv.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/import/patents?format=cnipa-csv", csv)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("import as the image's user: %s\n%s\n%s", resp.Status, body, logs.String())
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not stop within a minute of SIGTERM\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("serve's log does not say it stopped:\n%s", logs.String())
	}
	// Everything the user wrote is on the volumes or in the temporary
	// directory; the rest of the tree it could not write at all. The
	// store's files are its own (it did run as that user).
	written := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == imageUser {
			written++
			if !onVolume(p, []string{data, index, tmp}) {
				t.Errorf("%s was written outside the volumes", p)
			}
		}
		return nil
	})
	if written <= 4 {
		t.Errorf("only %d entries are the image user's: did the store and index write as it?", written)
	}
}

// stderrOf returns the standard error an exec.ExitError carries.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
