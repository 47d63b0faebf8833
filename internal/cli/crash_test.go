package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/sqlite"
)

// startChild runs `svcflow serve` as a child process on a free loopback
// port and returns its base URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"}, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("child did not start: %v", err)
	}
	go io.Copy(io.Discard, out)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("start-up line without URL: %q", line)
	}
	return cmd, strings.TrimSuffix(strings.Fields(line[i:])[0], "/")
}

// TestCrashKeepsAcknowledgedWrites kills a serving child with SIGKILL in
// the middle of a burst of writes; every write it acknowledged is there
// after a restart, and the database passes its integrity check.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	// A person and a token, made with the commands an admin would use.
	if code, out, errOut := run(t, "user", "add", "--data", dir, "--email", "agent@example.org", "--name", "Agent", "--role", "admin"); code != 0 {
		t.Fatalf("user add: %s %s", out, errOut)
	}
	code, tok, errOut := run(t, "token", "create", "--data", dir, "--person", "agent")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	token := strings.TrimSpace(tok)

	cmd, base := startChild(t, dir)
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(path, body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	type ack struct {
		id      string
		version int
	}
	var mu sync.Mutex
	var acks []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, v := post("/api/v1/work-items", fmt.Sprintf(`{"kind":"incident","title":"crash %d-%d"}`, g, i))
				if status != 201 {
					continue
				}
				id := v["id"].(string)
				mu.Lock()
				acks = append(acks, ack{id, int(v["version"].(float64))})
				mu.Unlock()
				if status, v := post("/api/v1/work-items/"+id+"/comment", `{"body":"still there?"}`); status == 200 {
					mu.Lock()
					acks = append(acks, ack{id, int(v["version"].(float64))})
					mu.Unlock()
				}
			}
		})
	}
	// Let the burst run, then kill the server mid-flight.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acks) < 50 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acks))
	}

	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity check after SIGKILL: %q %v", res, err)
	}
	for _, a := range acks {
		w, err := s.Item(ctx, a.id)
		if err != nil {
			t.Errorf("acknowledged %s is missing: %v", a.id, err)
			continue
		}
		if w.Version < a.version {
			t.Errorf("%s acknowledged at version %d, found at %d", a.id, a.version, w.Version)
		}
	}
	s.Close()

	// The server starts again on the same data and serves the items.
	cmd2, base2 := startChild(t, dir)
	defer func() { cmd2.Process.Signal(syscall.SIGTERM); cmd2.Wait() }()
	req, _ := http.NewRequest("GET", base2+"/api/v1/work-items/"+acks[0].id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("after restart: %d", res.StatusCode)
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acks))
}
