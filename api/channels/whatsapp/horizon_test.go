package whatsapp

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The replay horizon defaults to Meta's 7-day retry horizon and is a field
// of the options; the boundary is "older than", and entries without a
// readable time or from ahead of our clock are kept.
func TestReplayHorizon(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	wamids := func(ms []message, ss []status) (out []string) {
		for _, m := range ms {
			out = append(out, m.ID)
		}
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	v := &value{
		Messages: []message{{ID: "m8d", Timestamp: at(-8 * 24 * time.Hour)}, {ID: "m7d", Timestamp: at(-7 * 24 * time.Hour)},
			{ID: "m2h", Timestamp: at(-2 * time.Hour)}, {ID: "mNone"}, {ID: "mJunk", Timestamp: "-1"}, {ID: "mAhead", Timestamp: at(24 * time.Hour)}},
		Statuses: []status{{ID: "s8d", Timestamp: at(-8 * 24 * time.Hour)}, {ID: "s2h", Timestamp: at(-2 * time.Hour)}},
	}

	def := New(Opts{})
	require.Equal(t, 7*24*time.Hour, def.opts.ReplayHorizon)
	require.Equal(t, []string{"m7d", "m2h", "mNone", "mJunk", "mAhead", "s2h"}, wamids(def.fresh(context.Background(), log, v, now)))

	hour := New(Opts{ReplayHorizon: time.Hour})
	require.Equal(t, []string{"mNone", "mJunk", "mAhead"}, wamids(hour.fresh(context.Background(), log, v, now)))
}
