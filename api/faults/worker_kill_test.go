package faults_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

// A worker process SIGKILLed while its turns wait on the model leaves their
// River jobs "running". A restarted worker becomes leader, rescues them
// after JOB_RESCUE_AFTER and resumes each turn from its record: the
// placeholder already posted is reused, so every message gets exactly one
// placeholder and one reply. A message that arrives while no worker runs is
// acknowledged by serve and answered after the restart.
func TestWorkerKilledMidTurn(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"JOB_RESCUE_AFTER": "5s"})

	// The model hangs until the worker is gone, then answers normally.
	var hanging atomic.Bool
	hanging.Store(true)
	hold := make(chan struct{})
	arrived := make(chan struct{}, 16)
	t.Cleanup(func() { close(hold) }) // runs before the fake closes
	c.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		if hanging.Load() {
			arrived <- struct{}{}
			<-hold
			return llmfake.Reply{Status: 500}
		}
		return llmfake.Reply{Text: llmfake.DefaultText(r)}
	})

	serve := c.start("serve")
	worker := c.start("worker")
	tn := c.tenant(serve, nil)
	client := noKeepAlive()

	events := []*event{c.event(tn), c.event(tn), c.event(tn)}
	for _, e := range events {
		status, err := c.post(client, serve.URL, e, 0)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	for range events {
		select {
		case <-arrived:
		case <-time.After(20 * time.Second):
			t.Fatal("the turns never reached the model")
		}
	}
	// Every turn has posted its placeholder and waits on the model.
	require.Len(t, c.fakes.Slack.Calls("chat.postMessage"), len(events))
	worker.Kill(t)
	hanging.Store(false)

	// Acknowledged while no worker runs.
	late := c.event(tn)
	status, err := c.post(client, serve.URL, late, 0)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	events = append(events, late)

	byState, _ := c.turnJobs()
	require.Equal(t, len(events)-1, byState["running"], "the killed worker's turns are left running")

	c.start("worker")
	c.waitReplies(events, 45*time.Second)
	c.settle(15 * time.Second)
	c.assertOnce(events)

	byState, attempts := c.turnJobs()
	require.Equal(t, map[string]int{"completed": len(events)}, byState, "one job per message, all done")
	require.Equal(t, 2*(len(events)-1)+1, attempts, "each interrupted turn ran once more, the late one once")
	require.Len(t, c.llm.Requests(), 2*(len(events)-1)+1, "only the interrupted calls were repeated")
}
