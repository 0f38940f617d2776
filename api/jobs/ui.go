package jobs

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// UIPath is where River UI is served (httpapi puts it behind the portal
// session and the platform-administrator check).
const UIPath = "/admin/river"

// UI is River UI (riverqueue.com/riverui) over the process's River client:
// jobs by state, their errors and attempts, retry, cancel and delete, queues
// paused and resumed, so stuck turns can be seen and retried without SQL.
// Its pages, scripts and styles are embedded in the binary; nothing is loaded
// from elsewhere. It knows nothing of who may see it: the caller guards it.
type UI struct {
	ctx     context.Context
	handler *riverui.Handler
	log     *slog.Logger
	start   sync.Once
}

// NewUI builds the UI. Its background services (cached job counts) start on
// the first request, so a serve process nobody administers runs no extra
// queries, and stop when ctx ends.
func NewUI(ctx context.Context, client *river.Client[pgx.Tx], log *slog.Logger) (*UI, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    log,
		Prefix:    UIPath,
		// Arguments carry tenant, conversation and message ids: shown on
		// request, not in every list.
		JobListHideArgsByDefault: true,
	})
	if err != nil {
		return nil, err
	}
	return &UI{ctx: ctx, handler: h, log: log}, nil
}

// ServeHTTP serves the UI's pages and JSON API under UIPath.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.start.Do(func() {
		if err := u.handler.Start(u.ctx); err != nil {
			u.log.Error("river ui: start", "err", err)
		}
	})
	u.handler.ServeHTTP(w, r)
}
