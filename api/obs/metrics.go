package obs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Metrics are the process's Prometheus metrics. Labels never carry tenant
// ids, user data or anything unbounded: routes are templates, not paths.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPRequests      *prometheus.CounterVec
	HTTPDuration      *prometheus.HistogramVec
	WebhookRejections *prometheus.CounterVec
	Jobs              *prometheus.CounterVec
	JobDuration       *prometheus.HistogramVec
	LLMCalls          *prometheus.CounterVec
	LLMTokens         *prometheus.CounterVec
	LLMCost           *prometheus.CounterVec
	LLMDuration       *prometheus.HistogramVec
	// DeliveryParts counts outbound parts whose outcome was in doubt and how
	// each was resolved (see turns: in_doubt, duplicate_suppressed,
	// resent_without_evidence, abandoned).
	DeliveryParts *prometheus.CounterVec
}

// NewMetrics registers the metrics on a fresh registry (with the Go and
// process collectors).
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	fast := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	slow := []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 180}
	m := &Metrics{
		Registry: r,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_http_requests_total",
			Help: "HTTP requests by route template, method and status."}, []string{"route", "method", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "konstruct_http_request_duration_seconds",
			Help: "HTTP request latency by route template, method and status.", Buckets: fast}, []string{"route", "method", "status"}),
		WebhookRejections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_webhook_rejections_total",
			Help: "Webhook requests refused, by provider and reason (signature, malformed, too_large, disabled)."}, []string{"provider", "reason"}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_jobs_total",
			Help: "Job runs by kind and outcome (completed, failed, snoozed, cancelled)."}, []string{"kind", "outcome"}),
		JobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "konstruct_job_duration_seconds",
			Help: "Job run duration by kind and outcome.", Buckets: slow}, []string{"kind", "outcome"}),
		LLMCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_llm_calls_total",
			Help: "Model calls by provider, model and outcome (ok, error)."}, []string{"provider", "model", "outcome"}),
		LLMTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_llm_tokens_total",
			Help: "Tokens by provider, model and direction (input, output)."}, []string{"provider", "model", "direction"}),
		LLMCost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_llm_cost_usd_total",
			Help: "Priced cost of model calls in USD, by provider and model."}, []string{"provider", "model"}),
		LLMDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "konstruct_llm_call_duration_seconds",
			Help: "Model call latency by provider and model.", Buckets: slow}, []string{"provider", "model"}),
		DeliveryParts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konstruct_delivery_parts_total",
			Help: "Outbound parts whose outcome was in doubt, and their resolutions (duplicate_suppressed, resent_without_evidence, abandoned), by channel."},
			[]string{"channel", "outcome"}),
	}
	r.MustRegister(m.HTTPRequests, m.HTTPDuration, m.WebhookRejections, m.Jobs, m.JobDuration, m.LLMCalls, m.LLMTokens, m.LLMCost, m.LLMDuration,
		m.DeliveryParts)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// ObserveHTTP records one request.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	s := strconv.Itoa(status)
	m.HTTPRequests.WithLabelValues(route, method, s).Inc()
	m.HTTPDuration.WithLabelValues(route, method, s).Observe(d.Seconds())
}

// Rejected records a refused webhook.
func (m *Metrics) Rejected(provider, reason string) {
	if m != nil {
		m.WebhookRejections.WithLabelValues(provider, reason).Inc()
	}
}

// LLMCall records one model call.
func (m *Metrics) LLMCall(provider, model string, ok bool, in, out int64, cost float64, d time.Duration) {
	if m == nil {
		return
	}
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	m.LLMCalls.WithLabelValues(provider, model, outcome).Inc()
	m.LLMDuration.WithLabelValues(provider, model).Observe(d.Seconds())
	if ok {
		m.LLMTokens.WithLabelValues(provider, model, "input").Add(float64(in))
		m.LLMTokens.WithLabelValues(provider, model, "output").Add(float64(out))
		m.LLMCost.WithLabelValues(provider, model).Add(cost)
	}
}

// JobMiddleware is River worker middleware: every job's context gets a log
// scope (job id, kind, tenant id from its arguments) and every run is counted
// by outcome with its duration.
type JobMiddleware struct {
	river.MiddlewareDefaults
	Metrics *Metrics
	Log     *slog.Logger
}

var _ rivertype.WorkerMiddleware = (*JobMiddleware)(nil)

// Work wraps one job run.
func (mw *JobMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	var args struct {
		TenantID string `json:"tenant_id"`
	}
	_ = json.Unmarshal(job.EncodedArgs, &args)
	ctx = WithJob(ctx, job.ID, job.Kind, args.TenantID)
	start := time.Now()
	err := doInner(ctx)
	outcome := "completed"
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	switch {
	case errors.As(err, &snooze):
		outcome = "snoozed"
	case errors.As(err, &cancel):
		outcome = "cancelled"
	case err != nil:
		outcome = "failed"
	}
	d := time.Since(start)
	// The job's span (when tracing is on) gets the same outcome as the
	// metrics; without tracing this is a no-op span.
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("outcome", outcome))
	if mw.Metrics != nil {
		mw.Metrics.Jobs.WithLabelValues(job.Kind, outcome).Inc()
		mw.Metrics.JobDuration.WithLabelValues(job.Kind, outcome).Observe(d.Seconds())
	}
	if mw.Log != nil {
		mw.Log.DebugContext(ctx, "job run", "outcome", outcome, "attempt", job.Attempt, "duration_ms", float64(d.Microseconds())/1000)
	}
	return err
}

// QueueCollector reports queue depth by queue and state when scraped.
type QueueCollector struct {
	Query func(ctx context.Context) (map[[2]string]int, error)
	desc  *prometheus.Desc
}

// NewQueueCollector returns a collector over query (queue, state → count).
func NewQueueCollector(query func(ctx context.Context) (map[[2]string]int, error)) *QueueCollector {
	return &QueueCollector{Query: query, desc: prometheus.NewDesc("konstruct_queue_jobs",
		"Jobs waiting or running, by queue and state (available, scheduled, retryable, running).", []string{"queue", "state"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.Query(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}
