package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Each journey starts its own Chromium; two at a time keeps a 2-core
// machine responsive while still overlapping the server's idle time.
const maxBrowsers = 2

// journeyTimeout bounds one script so a hung browser fails the run instead of
// stalling it: a healthy journey takes well under a minute, the one that
// checks every page a few (axe runs at both widths) — several times that on a
// 2-core machine busy with other test packages.
const journeyTimeout = 15 * time.Minute

func TestPortalJourneys(t *testing.T) {
	t.Parallel()
	env := prerequisites(t)
	journeys, err := filepath.Glob(filepath.Join(env.frontend, "e2e", "*.mjs"))
	if err != nil || len(journeys) == 0 {
		t.Fatalf("no journeys found in %s (err: %v)", filepath.Join(env.frontend, "e2e"), err)
	}

	// One server for every journey, wired to the fake Slack, Graph API and
	// LLM providers, working jobs so chat messages get real replies. No
	// debounce and no retries: a journey waits on the agent, not on timers.
	llm := llmfake.New(t)
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"SPA_DIR":        env.dist,
		"OPENAI_API_URL": llm.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"ANTHROPIC_API_URL": llm.URL, "PLATFORM_ANTHROPIC_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0",
		// The HTTP tool journey calls an API the test serves on 127.0.0.1.
		"ALLOW_PRIVATE_URLS": "true",
	}})
	// The fake Slack's authorize page approves at once, as a user clicking "Allow".
	fakes.Slack.AutoApprove = slackfake.Install{TeamID: "TE2E0001", TeamName: "Analytical Engines", BotUserID: "UBOTE2E",
		AppID: "AKONSTRUCT", InstallerID: "UINSTE2E", Token: "xoxb-e2e-install"}
	for _, script := range journeys {
		name := strings.TrimSuffix(filepath.Base(script), ".mjs")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Every journey gets a ready account; those that test sign-up make their own.
			account := srv.SignUp(t)
			j := &journeyEnv{srv: srv, fakes: fakes, llm: llm, account: account}
			var extra map[string]string
			var verify func(t *testing.T)
			if setup := setups[name]; setup != nil {
				extra, verify = setup(t, j)
			}
			if extra == nil {
				extra = map[string]string{}
			}
			// Origins besides the server's a journey may visit (the fake Slack's OAuth page).
			extra["E2E_EXTRA_ORIGINS"] = fakes.Slack.URL
			runJourney(t, env, srv, account, script, extra)
			if verify != nil {
				verify(t)
			}
		})
	}
}

// browsers bounds the Chromiums running at once across all journey tests.
var browsers = make(chan struct{}, maxBrowsers)

// runJourney runs one journey script against srv, signed in as account,
// with extra environment variables for the script (E2E_*).
func runJourney(t *testing.T, env environment, srv *apitest.Server, account *apitest.Account, script string, extra map[string]string) {
	t.Helper()
	name := strings.TrimSuffix(filepath.Base(script), ".mjs")
	browsers <- struct{}{}
	defer func() { <-browsers }()

	ctx, cancel := context.WithTimeout(context.Background(), journeyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.node, script)
	cmd.Dir = env.frontend
	cmd.Env = append(os.Environ(),
		"BASE_URL="+srv.URL,
		"CHROMIUM_PATH="+env.chromium,
		"ARTIFACTS_DIR="+env.artifacts,
		"E2E_EMAIL="+account.Email,
		"E2E_PASSWORD="+account.Password,
	)
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("journey %s did not finish within %s; output:\n%s", name, journeyTimeout, out)
	}
	if err != nil {
		t.Fatalf("journey %s failed (%v) after %s; screenshots in %s; output:\n%s", name, err, time.Since(start).Round(time.Millisecond), env.artifacts, out)
	}
	t.Logf("journey %s passed in %s:\n%s", name, time.Since(start).Round(time.Millisecond), out)
}

type environment struct {
	frontend, dist, artifacts, chromium, node string
}

// prerequisites finds everything a journey needs and fails with the fix when
// something is missing: a browser test that skips silently tests nothing.
func prerequisites(t *testing.T) environment {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	e := environment{
		frontend:  filepath.Join(root, "frontend"),
		dist:      filepath.Join(root, "frontend", "dist"),
		artifacts: filepath.Join(root, "test-artifacts", "e2e"),
		chromium:  os.Getenv("CHROMIUM_PATH"),
	}
	if e.chromium == "" {
		e.chromium = "/usr/bin/chromium"
	}
	var missing []string
	need := func(path, fix string) {
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, path+" is missing: "+fix)
		}
	}
	need(filepath.Join(e.dist, "index.html"), "build the portal with `go tool task frontend:build` (or `npm --prefix frontend ci && npm --prefix frontend run build`)")
	need(filepath.Join(e.dist, "api-docs", "index.html"), "build the portal (the API docs page is part of the build)")
	need(filepath.Join(e.frontend, "node_modules", "playwright-core", "package.json"), "install the portal's dependencies with `npm --prefix frontend ci`")
	need(e.chromium, "install Debian's Chromium with `apt-get install chromium`, or set CHROMIUM_PATH")
	if e.node, err = exec.LookPath("node"); err != nil {
		missing = append(missing, "node is not on PATH: install Node.js 20 or newer")
	}
	if len(missing) > 0 {
		t.Fatalf("the browser tests cannot run:\n  %s", strings.Join(missing, "\n  "))
	}
	if err := os.MkdirAll(e.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}
