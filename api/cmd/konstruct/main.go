// Command konstruct is the whole product in one binary:
//
//	konstruct serve          HTTP API, webhooks and the portal
//	konstruct worker         River workers (agent turns, deliveries, jobs)
//	konstruct dev            serve + worker in one process, with a local database
//	konstruct migrate        apply database migrations (Konstruct's and River's)
//	konstruct user create    create an operator account
//	konstruct rotate-keys    re-encrypt every stored secret with the newest SECRETS_KEYS key
//	konstruct memory backfill  embed every message that has no memory from the configured embedder
//	konstruct knowledge backfill  re-embed every knowledge chunk another embedder made (-queue: as River jobs)
//	konstruct keys           print freshly generated SESSION_KEYS and SECRETS_KEYS
//	konstruct env            describe every environment variable and its value
//
// Configuration comes from environment variables; `konstruct env` lists them.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/konstruct/konstruct/api/app"
	"github.com/konstruct/konstruct/api/auth"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/devenv"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/progress"
	"github.com/konstruct/konstruct/api/rotation"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

const usage = `konstruct: an AI employee for Slack and WhatsApp.

Usage:
  konstruct serve          run the HTTP API, webhooks and the portal
  konstruct worker         run background workers
  konstruct dev            run both, with a local database and dev keys (for development)
  konstruct migrate        apply database migrations
  konstruct user create    create an operator (see -h)
  konstruct rotate-keys    re-encrypt every stored secret with the newest key in SECRETS_KEYS
  konstruct memory backfill  embed the messages that have no memory from the configured EMBEDDER
  konstruct knowledge backfill  re-embed the knowledge chunks another EMBEDDER made (progress on stderr;
                           -queue enqueues one job per tenant instead)
  konstruct keys           print new SESSION_KEYS and SECRETS_KEYS values
  konstruct env            list every environment variable, its default and current value
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stdin)
	stop()
	if err != nil {
		var cfgErr *config.Error
		if errors.As(err, &cfgErr) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "konstruct:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, stdin io.Reader) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return runServer(ctx, app.RunOpts{Serve: true})
	case "worker":
		return runServer(ctx, app.RunOpts{Work: true})
	case "dev":
		return runDev(ctx, stdout)
	case "migrate":
		return runMigrate(ctx)
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: konstruct user create -email … -name …")
		}
		return runUserCreate(ctx, args[2:], stdout, stdin)
	case "rotate-keys":
		return runRotateKeys(ctx, stdout)
	case "memory":
		if len(args) < 2 || args[1] != "backfill" {
			return errors.New("usage: konstruct memory backfill")
		}
		return runMemoryBackfill(ctx, stdout)
	case "knowledge":
		if len(args) < 2 || args[1] != "backfill" {
			return errors.New("usage: konstruct knowledge backfill [-queue]")
		}
		return runKnowledgeBackfill(ctx, args[2:], stdout, os.Stderr)
	case "keys":
		fmt.Fprintf(stdout, "SESSION_KEYS=k1:%s\nSECRETS_KEYS=%s\n", strings.TrimPrefix(secrets.NewKey(1), "1:"), secrets.NewKey(1))
		return nil
	case "env":
		fmt.Fprint(stdout, config.Describe(os.LookupEnv))
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

var serverRequired = []string{"SESSION_KEYS", "SECRETS_KEYS"}

func logger(cfg *config.Config) *slog.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if cfg.Dev() {
			format = "text"
		}
	}
	log := obs.NewLogger(os.Stderr, format, cfg.LogLevel)
	slog.SetDefault(log)
	return log
}

func runServer(ctx context.Context, opts app.RunOpts) error {
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	log := logger(cfg)
	a, err := app.New(ctx, cfg, log, app.Opts{Work: opts.Work})
	if err != nil {
		return err
	}
	defer a.Close()
	opts.Ready = func(addr string) {
		if addr != "" {
			log.Info("serving", "addr", addr, "public_url", cfg.PublicURL.String())
		}
		if opts.Work {
			log.Info("working jobs")
		}
	}
	return a.Run(ctx, opts)
}

func runMigrate(ctx context.Context) error {
	cfg, err := config.FromEnv(config.LoadOpts{Require: []string{"DATABASE_URL"}})
	if err != nil {
		return err
	}
	log := logger(cfg)
	res, err := store.Migrate(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	log.Info("database is current", "schema_version", res.AppVersion, "river_version", res.RiverVersion, "applied", len(res.Applied))
	return nil
}

func runDev(ctx context.Context, stdout io.Writer) error {
	boot := slog.New(slog.NewTextHandler(os.Stderr, nil))
	env, err := devenv.Prepare(ctx, ".data", boot)
	if err != nil {
		return err
	}
	if env.Stop != nil {
		defer env.Stop()
	}
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	log := logger(cfg)
	if _, err := store.Migrate(ctx, cfg.DatabaseURL, log); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, app.Opts{Work: true})
	if err != nil {
		return err
	}
	defer a.Close()

	_, _, err = a.Auth.CreateUser(ctx, auth.SignUpInput{Email: devenv.OperatorEmail, Password: env.OperatorPassword,
		Name: "Konstruct Operator", TenantName: "My Company"}, true)
	if err != nil && errs.KindOf(err) != errs.Conflict {
		return fmt.Errorf("create the first operator: %w", err)
	}
	return a.Run(ctx, app.RunOpts{Serve: true, Work: true, Ready: func(addr string) {
		fmt.Fprintf(stdout, "\n  Konstruct is running at %s  (API on %s)\n  Sign in as %s with password %s\n  API docs: %s/api/docs   Stop with Ctrl-C.\n\n",
			cfg.PublicURL, addr, devenv.OperatorEmail, env.OperatorPassword, cfg.PublicURL)
	}})
}

func runUserCreate(ctx context.Context, args []string, stdout io.Writer, stdin io.Reader) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	tenant := fs.String("tenant", "", "name of the user's first tenant (default: the user's name)")
	admin := fs.Bool("platform-admin", false, "may list every tenant of the platform")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (otherwise one is generated and printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	password := ""
	if *pwStdin {
		data, err := io.ReadAll(io.LimitReader(stdin, 1024))
		if err != nil {
			return err
		}
		password = strings.TrimRight(string(data), "\r\n")
	} else {
		password = rand.Text()
	}
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, logger(cfg), app.Opts{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, t, err := a.Auth.CreateUser(ctx, auth.SignUpInput{Email: *email, Password: password, Name: *name, TenantName: *tenant}, *admin)
	if err != nil {
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			for _, f := range e.Fields {
				fmt.Fprintf(os.Stderr, "  -%s: %s\n", strings.TrimPrefix(f.Location, "body."), f.Message)
			}
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s) owning tenant %q (%s)\n", u.Email, u.ID, t.Name, t.ID)
	if !*pwStdin {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func runRotateKeys(ctx context.Context, stdout io.Writer) error {
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.AppDatabaseURL, store.OpenOpts{MaxConns: 4, AppName: "konstruct-rotate-keys"})
	if err != nil {
		return err
	}
	defer st.Close()
	bar := progress.New(stdout, "rotating secrets")
	res, err := rotation.Rotate(ctx, st, cfg.Secrets, func(done, total, n int) {
		bar.Update(done, total, fmt.Sprintf("%d secrets re-encrypted", n))
	})
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "every stored secret now uses key version %d (%d re-encrypted across %d tenants)\n", res.Version, res.Reencrypted, res.Tenants)
	return nil
}

func runKnowledgeBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("knowledge backfill", flag.ContinueOnError)
	queue := fs.Bool("queue", false, "enqueue a backfill job per tenant with stale chunks instead of running here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, logger(cfg), app.Opts{})
	if err != nil {
		return err
	}
	defer a.Close()
	if *queue {
		n, err := a.Knowledge.EnqueueBackfills(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "queued a backfill job for %d tenants\n", n)
		return nil
	}
	bar := progress.New(stderr, "re-embedding knowledge chunks ("+a.Knowledge.Embedder().ID()+")")
	n, err := a.Knowledge.Backfill(ctx, func(done, total int) { bar.Update(done, total, "") })
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-embedded %d knowledge chunks\n", n)
	return nil
}

func runMemoryBackfill(ctx context.Context, stdout io.Writer) error {
	cfg, err := config.FromEnv(config.LoadOpts{Require: serverRequired, NeedAppDB: true})
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, logger(cfg), app.Opts{})
	if err != nil {
		return err
	}
	defer a.Close()
	bar := progress.New(stdout, "embedding messages ("+a.Memory.Embedder().ID()+")")
	n, err := a.Memory.Backfill(ctx, func(done, total int) { bar.Update(done, total, "") })
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "embedded %d messages\n", n)
	return nil
}
