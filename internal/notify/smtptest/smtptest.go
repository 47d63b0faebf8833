// Package smtptest is a tiny SMTP server for tests: it listens on a
// loopback port, accepts every message and keeps it, or refuses the next
// ones when told to.
package smtptest

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one message the sink received.
type Message struct {
	From string
	To   []string
	Data []byte // as sent, dot-stuffing removed, CRLF line ends
}

// Sink is a running SMTP server.
type Sink struct {
	Addr string

	ln     net.Listener
	mu     sync.Mutex
	msgs   []Message
	refuse int
	wg     sync.WaitGroup
}

// Start starts a sink on 127.0.0.1 and stops it at the end of the test.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Addr: ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// Refuse makes the sink answer the next n messages with a temporary failure.
func (s *Sink) Refuse(n int) {
	s.mu.Lock()
	s.refuse = n
	s.mu.Unlock()
}

// Messages returns what the sink has received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.session(c) }()
	}
}

func (s *Sink) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(c)
	reply := func(line string) { tp.PrintfLine("%s", line) }
	reply("220 sink ESMTP ready")
	var m Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			tp.PrintfLine("250-sink greets %s", arg)
			tp.PrintfLine("250 8BITMIME")
		case "HELO":
			reply("250 sink")
		case "MAIL":
			m = Message{From: addr(arg)}
			reply("250 ok")
		case "RCPT":
			m.To = append(m.To, addr(arg))
			reply("250 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			data, err := readData(tp.Reader.R)
			if err != nil {
				return
			}
			m.Data = data
			s.mu.Lock()
			refuse := s.refuse > 0
			if refuse {
				s.refuse--
			} else {
				s.msgs = append(s.msgs, m)
			}
			s.mu.Unlock()
			if refuse {
				reply("451 try again later")
			} else {
				reply("250 queued")
			}
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// addr takes the address out of "FROM:<a@b>" or "TO:<a@b>".
func addr(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a, _, _ = strings.Cut(strings.TrimSpace(a), " ")
	return strings.Trim(a, "<>")
}

// readData reads a message up to the line with a single dot.
func readData(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			return out, nil
		}
		out = append(out, strings.TrimPrefix(line, ".")...)
	}
}
