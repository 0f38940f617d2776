package config_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/secrets"
)

func lookup(env map[string]string) config.LookupFunc {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadReportsEveryProblemByName(t *testing.T) {
	t.Parallel()
	_, err := config.Load(lookup(map[string]string{
		"APP_ENV": "staging", "HTTP_ADDR": "8080", "PUBLIC_URL": "example.com", "DB_MAX_CONNS": "many",
		"SESSION_KEYS": "k1:c2hvcnQ=", "SECRETS_KEYS": "1:not-base64!",
	}), config.LoadOpts{Require: []string{"DATABASE_URL"}})
	require.Error(t, err)
	var cerr *config.Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, want := range []string{
		`APP_ENV="staging" is invalid: must be one of development, production`,
		`HTTP_ADDR="8080" is invalid: must be host:port`,
		`PUBLIC_URL="example.com" is invalid`,
		`DB_MAX_CONNS="many" is invalid: must be a whole number`,
		`SESSION_KEYS="********" is invalid: key "k1" must decode to at least 32 bytes`,
		`SECRETS_KEYS="********" is invalid`,
		`DATABASE_URL is required`,
	} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, "c2hvcnQ=", "secret values are never printed")
}

func TestLoadDerivesTheAppURL(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(lookup(map[string]string{
		"DATABASE_URL": "postgres://owner:pw@db.internal:5432/konstruct?sslmode=require",
		"SESSION_KEYS": "k1:" + secrets.NewKey(1)[2:], "SECRETS_KEYS": secrets.NewKey(3) + "," + secrets.NewKey(1),
	}), config.LoadOpts{NeedAppDB: true})
	require.NoError(t, err)
	require.Equal(t, "postgres://konstruct_app@db.internal:5432/konstruct?sslmode=require", cfg.AppDatabaseURL)
	require.Equal(t, 3, cfg.Secrets.Current())
	require.Equal(t, "production", cfg.Env)
	require.False(t, cfg.Dev())

	_, err = config.Load(lookup(map[string]string{}), config.LoadOpts{NeedAppDB: true})
	require.ErrorContains(t, err, "APP_DATABASE_URL is required")
}

// README.md documents every variable; this keeps it honest.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, name := range config.Names() {
		require.Contains(t, string(readme), "`"+name+"`", "README.md does not document %s", name)
	}
}

func TestTracingEndpoint(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (*config.Config, error) {
		return config.Load(lookup(env), config.LoadOpts{})
	}
	cfg, err := load(map[string]string{})
	require.NoError(t, err)
	require.Empty(t, cfg.OTelEndpoint, "tracing is off by default")
	require.Equal(t, "konstruct", cfg.OTelServiceName)

	cfg, err = load(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.internal:4318/otlp", "OTEL_SERVICE_NAME": "konstruct-eu"})
	require.NoError(t, err)
	require.Equal(t, "https://otel.internal:4318/otlp", cfg.OTelEndpoint)
	require.Equal(t, "konstruct-eu", cfg.OTelServiceName)

	for raw, want := range map[string]string{
		"otel-collector:4318":                   "must be an absolute http(s) URL such as http://otel-collector:4318",
		"grpc://otel-collector:4317":            "must be an absolute http(s) URL",
		"/v1/traces":                            "must be an absolute http(s) URL",
		"https://user:hunter2@otel.example.com": "must not carry credentials",
		"https://otel.example.com?api_key=k":    "must not carry credentials, a query or a fragment",
	} {
		_, err := load(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": raw})
		require.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_ENDPOINT=", raw)
		require.ErrorContains(t, err, want, raw)
	}
}
