package obs

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// TracingOpts configures Tracing. An empty Endpoint turns tracing off.
type TracingOpts struct {
	// Endpoint is the OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT);
	// spans go to Endpoint + "/v1/traces", as the OTLP spec has it for
	// the signal-agnostic variable.
	Endpoint string
	Service  string
	Log      *slog.Logger
}

// Tracing is the process's OpenTelemetry tracing: when enabled, an SDK
// tracer provider batching spans to an OTLP/HTTP collector. The zero of
// "enabled" is the point: without an endpoint nothing is built, no goroutine
// runs and the HTTP and job middleware are not installed at all, so the
// default deployment pays nothing for tracing it does not use.
type Tracing struct {
	provider *sdktrace.TracerProvider // nil when disabled
	prop     propagation.TextMapPropagator
}

// NewTracing builds tracing from opts. When enabled it also becomes the
// process-global provider and propagator, so that any library
// instrumentation that reads the globals exports to the same place; the
// middleware here is handed the provider explicitly and does not depend on
// the globals.
func NewTracing(ctx context.Context, opts TracingOpts) (*Tracing, error) {
	if opts.Endpoint == "" {
		return &Tracing{}, nil
	}
	// The exporter honours the standard OTEL_EXPORTER_OTLP_HEADERS,
	// _TIMEOUT, _COMPRESSION and _CERTIFICATE variables (credentials for a
	// hosted collector belong in _HEADERS, never in the URL); the endpoint
	// given here takes precedence over OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(opts.Endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, err
	}
	// OTEL_RESOURCE_ATTRIBUTES (e.g. deployment.environment) is merged in;
	// the configured service name wins over the environment's.
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(opts.Service), semconv.ServiceVersion(buildVersion())))
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exp.Shutdown(ctx)
		return nil, err
	}
	// The sampler is the SDK default, ParentBased(AlwaysSample), unless
	// OTEL_TRACES_SAMPLER says otherwise.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t := &Tracing{provider: tp, prop: propagation.TraceContext{}}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(t.prop)
	if opts.Log != nil {
		// Export failures (collector down) are reported here rather than
		// through the SDK's default stderr logger, so they reach the
		// process log in its format.
		log := opts.Log
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "err", err) }))
	}
	return t, nil
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t != nil && t.provider != nil }

// Provider is the tracer provider, or nil when tracing is off (callers skip
// their instrumentation then).
func (t *Tracing) Provider() trace.TracerProvider {
	if !t.Enabled() {
		return nil
	}
	return t.provider
}

// Propagator reads and writes W3C trace context (traceparent).
func (t *Tracing) Propagator() propagation.TextMapPropagator {
	if t == nil || t.prop == nil {
		return propagation.TraceContext{}
	}
	return t.prop
}

// JobMiddleware is River middleware giving every job run a span (named
// river.work/<kind>, with kind, queue, attempt and status) and every insert a
// span; the enqueuing span's context travels in the job's metadata so the
// run links back to the request that caused it. It returns nothing when
// tracing is off. It belongs before JobMiddleware so the job's log lines
// carry the span's trace id.
func (t *Tracing) JobMiddleware() []rivertype.Middleware {
	if !t.Enabled() {
		return nil
	}
	return []rivertype.Middleware{otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
		TracerProvider: t.provider, EnableTracePropagation: true, EnableWorkSpanJobKindSuffix: true,
		// Job metrics are Prometheus's (konstruct_jobs_total); the
		// middleware's own OTel metrics would only duplicate them.
		MeterProvider: metricnoop.NewMeterProvider(),
	})}
}

// Flush exports every span ended so far.
func (t *Tracing) Flush(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.provider.ForceFlush(ctx)
}

// Close flushes the spans still batched and stops the exporter, waiting at
// most a few seconds for an unreachable collector.
func (t *Tracing) Close() error {
	if !t.Enabled() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.provider.Shutdown(ctx)
}

// buildVersion is the service.version resource attribute: the module version
// when built from a tagged module, else the VCS revision the binary was
// built from, else "dev".
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}
