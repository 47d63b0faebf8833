package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/svcflow/svcflow/internal/desk"
)

// metrics are svcflow's own Prometheus metrics. Each server has its own
// registry: nothing global, so tests and several servers in one process do
// not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(stats func(ctx context.Context) (desk.Stats, error)) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcflow_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "svcflow_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats != nil {
		reg.MustRegister(newStoreCollector(stats))
	}
	return m
}

// instrument counts and times one route; the label is the route pattern,
// never the raw path, so ids do not explode the series.
func (m *metrics) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.requests.WithLabelValues(pattern, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// storeCollector exports figures of the whole database at each scrape.
// They are the same on every instance, so dashboards should take the max
// (not the sum) over instances; per-instance figures are the HTTP series.
type storeCollector struct {
	stats func(ctx context.Context) (desk.Stats, error)
	items *prometheus.Desc
	seq   *prometheus.Desc
	up    *prometheus.Desc
}

func newStoreCollector(stats func(ctx context.Context) (desk.Stats, error)) *storeCollector {
	return &storeCollector{
		stats: stats,
		items: prometheus.NewDesc("svcflow_work_items", "Work items in the database by status.", []string{"status"}, nil),
		seq:   prometheus.NewDesc("svcflow_events_last_seq", "The highest event sequence number in the database.", nil, nil),
		up:    prometheus.NewDesc("svcflow_store_up", "1 when the store answered the metrics query.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.items
	ch <- c.seq
	ch <- c.up
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for status, n := range st.ItemsByStatus {
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.GaugeValue, float64(n), string(status))
	}
	ch <- prometheus.MustNewConstMetric(c.seq, prometheus.CounterValue, float64(st.LastSeq))
}
