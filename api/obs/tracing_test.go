package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/konstruct/konstruct/api/fakes/otlpfake"
	"github.com/konstruct/konstruct/api/obs"
)

// These tests do not run in parallel: tracing, when enabled, replaces the
// process-global provider, and the disabled case checks that it does not.

func TestTracingOffBuildsNothing(t *testing.T) {
	before := otel.GetTracerProvider()
	tr, err := obs.NewTracing(context.Background(), obs.TracingOpts{Service: "konstruct"})
	require.NoError(t, err)
	require.False(t, tr.Enabled())
	require.Nil(t, tr.Provider(), "callers skip their instrumentation")
	require.Empty(t, tr.JobMiddleware(), "no River middleware is installed")
	require.Equal(t, before, otel.GetTracerProvider(), "the global provider is left alone")
	require.NoError(t, tr.Flush(context.Background()))
	require.NoError(t, tr.Close())

	var nilTracing *obs.Tracing // an App built without tracing
	require.False(t, nilTracing.Enabled())
	require.NoError(t, nilTracing.Close())
}

func TestTracingExportsToTheCollector(t *testing.T) {
	for _, compression := range []string{"none", "gzip"} {
		t.Run(compression, func(t *testing.T) {
			// The exporter honours the standard variables it reads itself.
			t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
			col := otlpfake.New(t)
			tr, err := obs.NewTracing(context.Background(), obs.TracingOpts{Endpoint: col.URL + "/", Service: "konstruct-test"})
			require.NoError(t, err)
			require.True(t, tr.Enabled())
			require.Equal(t, tr.Provider(), otel.GetTracerProvider(), "enabled tracing is the process's")

			ctx, parent := tr.Provider().Tracer("test").Start(context.Background(), "parent")
			_, child := tr.Provider().Tracer("test").Start(ctx, "child")
			child.End()
			parent.End()
			require.NoError(t, tr.Close(), "Close flushes what is batched")

			p := col.WaitSpan(t, "parent", time.Second)
			c := col.WaitSpan(t, "child", time.Second)
			require.Equal(t, p.TraceID, c.TraceID)
			require.Equal(t, p.SpanID, c.ParentID)
			require.Equal(t, "konstruct-test", p.Resource["service.name"])
			require.NotEmpty(t, p.Resource["service.version"])
		})
	}
}

func TestLogLinesCarryTheTraceID(t *testing.T) {
	col := otlpfake.New(t)
	tr, err := obs.NewTracing(context.Background(), obs.TracingOpts{Endpoint: col.URL, Service: "konstruct"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })

	var buf bytes.Buffer
	log := obs.NewLogger(&buf, "json", "info")
	ctx := obs.WithRequest(context.Background(), obs.Request{ID: "req-1"})
	log.InfoContext(ctx, "untraced")
	ctx, span := tr.Provider().Tracer("test").Start(ctx, "traced")
	log.InfoContext(ctx, "traced")
	span.End()

	dec := json.NewDecoder(&buf)
	var untraced, traced map[string]any
	require.NoError(t, dec.Decode(&untraced))
	require.NoError(t, dec.Decode(&traced))
	require.Equal(t, "req-1", untraced["request_id"])
	require.NotContains(t, untraced, "trace_id")
	require.Equal(t, "req-1", traced["request_id"])
	require.Equal(t, trace.SpanFromContext(ctx).SpanContext().TraceID().String(), traced["trace_id"])
}
