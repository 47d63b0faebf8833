package server

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// DeliveryObserver returns a function that counts delivery attempts of this
// instance by channel and result (delivered, retry, dead) in the server's
// metrics, for the notification worker's Observe.
func (s *Server) DeliveryObserver() func(channel, result string) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "svcflow_notification_attempts_total", Help: "Outbound notification delivery attempts by channel and result.",
	}, []string{"channel", "result"})
	if err := s.metrics.registry.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			c = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return func(channel, result string) { c.WithLabelValues(channel, result).Inc() }
}
