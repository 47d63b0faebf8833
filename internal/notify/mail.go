package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// RenderMail writes a plain-text RFC 5322 message whose Message-ID is the
// delivery id, so a receiver sees every retry as the same message.
func RenderMail(id string, from, to mail.Address, subject, text string, date time.Time) []byte {
	host := "svcflow.invalid"
	if _, h, ok := strings.Cut(from.Address, "@"); ok && h != "" {
		host = h
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("Message-ID", "<"+id+"@"+host+">")
	header("Date", date.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // no auto-replies to notifications
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// Mailer sends a whole message to one recipient and returns the server's
// reply code.
type Mailer interface {
	Send(ctx context.Context, from, to string, msg []byte) (code int, err error)
}

// SMTP sends mail through one SMTP server. It uses STARTTLS when the
// server offers it; it authenticates (PLAIN) only when a user is set, and
// net/smtp refuses to send the password unencrypted except to localhost.
type SMTP struct {
	Addr     string // host:port
	User     string
	Password string
	Timeout  time.Duration // for the whole conversation (default 30s)
	// TLSConfig for STARTTLS; nil verifies the server's name.
	TLSConfig *tls.Config
}

// Send delivers msg to one recipient.
func (s *SMTP) Send(ctx context.Context, from, to string, msg []byte) (int, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", s.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpCode(err), fmt.Errorf("greeting from %s: %w", s.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpCode(err), fmt.Errorf("starttls: %w", err)
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return smtpCode(err), fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return smtpCode(err), fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpCode(err), fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpCode(err), fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return 0, fmt.Errorf("send message: %w", err)
	}
	if err := w.Close(); err != nil {
		return smtpCode(err), fmt.Errorf("end of message: %w", err)
	}
	c.Quit()
	return 250, nil
}

// smtpCode is the reply code an error carries, 0 without one.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
