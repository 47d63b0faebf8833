package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/notify"
)

// notifyEvery is how often the notification consumer and worker run by default.
const notifyEvery = 5 * time.Second

// mailConfig is the SMTP configuration of serve: off without an address.
type mailConfig struct {
	addr, from     string
	user, password string
}

// check validates the configuration; empty addr means mail is off.
func (m mailConfig) check() (mail.Address, error) {
	if m.addr == "" {
		if m.from != "" {
			return mail.Address{}, usagef("--smtp-from needs --smtp-addr")
		}
		return mail.Address{}, nil
	}
	if _, _, err := net.SplitHostPort(m.addr); err != nil {
		return mail.Address{}, usagef("--smtp-addr %q: expected HOST:PORT", m.addr)
	}
	if m.from == "" {
		return mail.Address{}, usagef("--smtp-addr needs --smtp-from, the address notifications come from")
	}
	a, err := mail.ParseAddress(m.from)
	if err != nil {
		return mail.Address{}, usagef("--smtp-from %q: expected a mail address such as \"Service desk <desk@example.org>\"", m.from)
	}
	return *a, nil
}

// runNotifier turns new events into notifications and sends the due ones
// until ctx ends. Several instances may run it at once: firings are
// recorded once and deliveries claimed through the database.
func runNotifier(ctx context.Context, cs []*notify.Consumer, w *notify.Worker, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, c := range cs {
			if n, err := c.Run(ctx); err != nil && ctx.Err() == nil {
				log.Error("notification consumer", "err", err)
			} else if n > 0 {
				log.Debug("notifications recorded", "firings", n)
			}
		}
		for ctx.Err() == nil {
			n, err := w.Pass(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("notification delivery", "err", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newNotifier builds the consumers and the worker of serve: webhooks
// always, mail when it is configured.
func newNotifier(store desk.Store, mc mailConfig, from mail.Address, base string, observe func(channel, result string)) ([]*notify.Consumer, *notify.Worker) {
	cs := []*notify.Consumer{{Store: store, Base: base}}
	w := &notify.Worker{Store: store, Observe: observe}
	if mc.addr != "" {
		cs = append(cs, &notify.Consumer{Store: store, Base: base, Keys: &notify.Keys{Store: store}, Rules: notify.DefaultRules, From: from,
			Cursor: notify.MailCursorName, NoWebhooks: true})
		w.Mailer = &notify.SMTP{Addr: mc.addr, User: mc.user, Password: mc.password}
		w.From = from.Address
	}
	return cs, w
}

func describeMail(mc mailConfig) string {
	if mc.addr == "" {
		return "mail off"
	}
	return fmt.Sprintf("mail through %s", mc.addr)
}
