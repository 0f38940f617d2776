package contract_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

// docBlock is one ```sh block of docs/integrators.md and the section it is in.
type docBlock struct{ section, code string }

var (
	heading = regexp.MustCompile(`^## (.+)$`)
	fence   = regexp.MustCompile("^```(\\w*)\\s*$")
)

func integratorBlocks(t *testing.T) []docBlock {
	t.Helper()
	data, err := os.ReadFile("../../docs/integrators.md")
	require.NoError(t, err)
	var blocks []docBlock
	section, lang, in := "", "", false
	var code strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if m := fence.FindStringSubmatch(line); m != nil {
			if in {
				if lang == "sh" {
					blocks = append(blocks, docBlock{section: section, code: code.String()})
				}
				code.Reset()
				in = false
			} else {
				in, lang = true, m[1]
			}
			continue
		}
		if in {
			code.WriteString(line + "\n")
		} else if m := heading.FindStringSubmatch(line); m != nil {
			section = m[1]
		}
	}
	require.False(t, in, "docs/integrators.md has an unclosed code block")
	return blocks
}

// docs/integrators.md works as written: every sh block runs, in order, in one
// shell (so variables and functions carry over), with curl and jq against the
// real server. Between the channel and the conversations, a chat user writes
// to the connected number, as one would.
func TestIntegratorGuideRuns(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "docs/integrators.md needs %s (apt-get install %s)", tool, tool)
	}
	llm := llmfake.New(t)
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"OPENAI_API_URL": llm.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey, "TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0"}})
	acct := srv.SignUp(t)
	n := graphfake.Number{PhoneNumberID: "106540352242922", WABAID: "102290129340398", Display: "+1 555-0100",
		VerifiedName: "Acme Support", Token: "EAAG" + uuid.NewString()}
	fakes.Graph.AddNumber(n)

	blocks := integratorBlocks(t)
	require.GreaterOrEqual(t, len(blocks), 8, "the guide's steps")

	dir := t.TempDir()
	sh := exec.Command("bash", "--noprofile", "--norc", "-euo", "pipefail")
	sh.Dir = dir
	sh.Env = append(os.Environ(), "KONSTRUCT_URL="+srv.URL, "KONSTRUCT_EMAIL="+acct.Email, "KONSTRUCT_PASSWORD="+acct.Password,
		"PHONE_NUMBER_ID="+n.PhoneNumberID, "WABA_ID="+n.WABAID, "WHATSAPP_TOKEN="+n.Token, "TEST_RECIPIENT=16505551234")
	stdin, err := sh.StdinPipe()
	require.NoError(t, err)
	stdout, err := sh.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	sh.Stderr = &stderr
	require.NoError(t, sh.Start())
	t.Cleanup(func() { _ = stdin.Close(); _ = sh.Process.Kill(); _ = sh.Wait() })
	out := bufio.NewReader(stdout)

	var transcript strings.Builder
	for i, b := range blocks {
		marker := fmt.Sprintf("__block_%d_done__", i)
		_, err := io.WriteString(stdin, b.code+"echo "+marker+"\n")
		require.NoError(t, err)
		for {
			line, err := out.ReadString('\n')
			require.NoError(t, err, "block %d (%s) failed:\n%s\nstderr:\n%s\noutput so far:\n%s", i, b.section, b.code, stderr.String(), transcript.String())
			if strings.TrimSpace(line) == marker {
				break
			}
			transcript.WriteString(line)
		}
		if strings.HasPrefix(b.section, "3.") && !strings.Contains(transcript.String(), "__wrote__") {
			// A chat user writes to the number the guide just connected.
			r := srv.WhatsAppEvent(t, fakes, graphfake.Delivery(n, []graphfake.Message{graphfake.Text("16505550123", "wamid."+uuid.NewString(), "Where is order 42?")}, nil))
			require.Equal(t, 200, r.Status, "%s", r.Body)
			fakes.Graph.WaitSent(t, 2, 15*time.Second) // the test template, then the agent's answer
			srv.Settle(t)
			transcript.WriteString("__wrote__\n")
		}
	}
	got := transcript.String()
	t.Logf("docs/integrators.md transcript:\n%s", got)
	for _, want := range []string{
		`"role": "admin"`,                             // the token
		`"memory_retention_days": 90`,                 // the agent, updated
		`"location": "body.temperature"`,              // every problem at once
		`"success": true`,                             // the test message
		`"participant":"16505550123"`,                 // the conversation
		`{"role":"user","body":"Where is order 42?"}`, // its messages
		`"totals"`, `"action": "downgrade"`, // usage and the budget
	} {
		require.Contains(t, got, want)
	}
}
