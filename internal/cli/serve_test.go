package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDemoServesAndStops starts the demo on a free loopback port, checks it
// answers, and stops it the way SIGTERM does: by ending the context.
func TestDemoServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", dir, "--days", "3"}, strings.NewReader(""), pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start-up line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("start-up line has no URL: %q", line)
	}
	url := strings.Fields(line[i:])[0]
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url + "readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("readyz: %d", res.StatusCode)
	}
	cancel()
	select {
	case code := <-exit:
		if code != ExitOK {
			t.Errorf("exit %d after shutdown, want 0", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop after the context ended")
	}
}

func TestServeBadAddr(t *testing.T) {
	code, _, errOut := run(t, "serve", "--addr", "not-an-address", "--data", t.TempDir())
	if code != ExitFailure || !strings.Contains(errOut, "listen on not-an-address") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
