package faults_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

// Two serve and two worker processes share one database. A burst of events
// for several tenants, spread over both servers, is answered exactly once
// per message; each River job ran once, and both workers did part of the
// work.
func TestTwoWorkersEachJobOnce(t *testing.T) {
	t.Parallel()
	// Few turns at once per worker and a model that takes a moment: one
	// worker cannot take the whole burst, so both must work.
	c := newCluster(t, map[string]string{"LLM_WORKER_CONCURRENCY": "3"})
	c.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Text: llmfake.DefaultText(r), Delay: 100 * time.Millisecond}
	})
	serves := []*proc{c.start("serve"), c.start("serve")}
	c.start("worker")
	c.start("worker")
	tenants := []tenant{c.tenant(serves[0], nil), c.tenant(serves[1], nil), c.tenant(serves[0], nil)}

	var events []*event
	for i := 0; i < 36; i++ {
		events = append(events, c.event(tenants[i%len(tenants)]))
	}
	client := noKeepAlive()
	var wg sync.WaitGroup
	errs := make(chan error, len(events))
	for i, e := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, err := c.post(client, serves[i%2].URL, e, 0)
			if err == nil && status != http.StatusOK {
				err = &statusError{status}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	c.waitReplies(events, 40*time.Second)
	c.settle(15 * time.Second)
	c.assertOnce(events)
	require.Len(t, c.llm.Requests(), len(events), "one model call per message")

	// River: one job per message, completed on its first attempt, by one
	// client; and both workers took part.
	byState, attempts := c.turnJobs()
	require.Equal(t, map[string]int{"completed": len(events)}, byState)
	require.Equal(t, len(events), attempts, "every job ran once")
	rows, err := c.db.Owner.Query(context.Background(),
		`SELECT attempted_by[1], count(*), max(cardinality(attempted_by)) FROM river_job WHERE kind = 'agent.turn' GROUP BY 1`)
	require.NoError(t, err)
	defer rows.Close()
	perWorker := map[string]int{}
	for rows.Next() {
		var client string
		var n, maxBy int
		require.NoError(t, rows.Scan(&client, &n, &maxBy))
		require.Equal(t, 1, maxBy, "no job was taken by a second client")
		perWorker[client] = n
	}
	require.NoError(t, rows.Err())
	require.Len(t, perWorker, 2, "both workers did work: %v", perWorker)
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }
