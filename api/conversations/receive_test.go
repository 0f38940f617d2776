package conversations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/store"
)

// A message is stored once whichever ingest statement receives it. A second
// delivery is Duplicate for QueueReceive, and the transaction goes on
// (WhatsApp: the other messages of one webhook are kept); for
// QueueReceiveNew it fails the statement with an error ReceivedBefore
// recognises (Slack: the job and the COMMIT sent behind it never run), and
// the transaction keeps nothing of it.
func TestReceiveStoresAMessageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	in := func(externalID string) conversations.Inbound {
		return conversations.Inbound{ConnectionID: ws.ConnectionID, ChannelType: "slack", ThreadKey: "CREC:1", ChannelRef: "CREC",
			ThreadRef: "1", ParticipantID: "UREC", ExternalID: externalID, EventID: "Ev" + externalID, Body: "hello", SentAt: time.Now()}
	}
	receive := func(queue func(*store.Batch, conversations.Inbound) (*conversations.Received, error), msg conversations.Inbound) (*conversations.Received, error) {
		var got *conversations.Received
		err := s.DB.Store.WithTenant(ctx, acct.TenantID, func(ctx context.Context, tx store.Tx) error {
			var b store.Batch
			r, err := queue(&b, msg)
			if err != nil {
				return err
			}
			if err := tx.Send(ctx, &b); err != nil {
				return err
			}
			got = r
			return nil
		})
		return got, err
	}
	plain := func(b *store.Batch, msg conversations.Inbound) (*conversations.Received, error) {
		return conversations.QueueReceive(b, acct.TenantID, msg)
	}
	onlyNew := func(b *store.Batch, msg conversations.Inbound) (*conversations.Received, error) {
		return conversations.QueueReceiveNew(b, acct.TenantID, msg)
	}
	stored := func() (messages int, lastMessageAt time.Time) {
		t.Helper()
		require.NoError(t, s.DB.Owner.QueryRow(ctx, `SELECT count(*), max(c.last_message_at) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.tenant_id = $1 AND c.thread_key = 'CREC:1'`, acct.TenantID).Scan(&messages, &lastMessageAt))
		return messages, lastMessageAt
	}

	first, err := receive(onlyNew, in("CREC:1.1"))
	require.NoError(t, err)
	require.False(t, first.Duplicate)
	n, at := stored()
	require.Equal(t, 1, n)

	again := in("CREC:1.1")
	again.SentAt = time.Now().Add(time.Minute) // a later delivery would bring the conversation's time forward
	_, err = receive(onlyNew, again)
	require.True(t, conversations.ReceivedBefore(err), "QueueReceiveNew refuses a message received before: %v", err)
	n2, at2 := stored()
	require.Equal(t, 1, n2)
	require.True(t, at.Equal(at2), "the refused delivery changed nothing")

	dup, err := receive(plain, again)
	require.NoError(t, err)
	require.True(t, dup.Duplicate, "QueueReceive says so instead")
	require.Equal(t, first.Message.ConversationID, dup.Message.ConversationID)
	n3, _ := stored()
	require.Equal(t, 1, n3)

	next, err := receive(onlyNew, in("CREC:1.2"))
	require.NoError(t, err)
	require.False(t, next.Duplicate)
	require.Equal(t, first.Message.ConversationID, next.Message.ConversationID, "the same thread's conversation")
	n4, _ := stored()
	require.Equal(t, 2, n4)
	require.False(t, conversations.ReceivedBefore(nil))
}
