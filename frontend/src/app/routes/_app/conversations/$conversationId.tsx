import { useInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, Link } from '@tanstack/react-router'
import { ArrowLeft, Flag, Undo2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { InlineError } from '@/components/ui/inline-error'
import { PageHeader } from '@/components/ui/page-header'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { conversationQueryOptions, messagesQueryOptions } from '@/features/conversations/api/get-conversation'
import { useReleaseConversation } from '@/features/conversations/api/release-conversation'
import { channelName, participantName, StatusBadge } from '@/features/conversations/components/conversation-labels'
import { HumanReplyForm } from '@/features/conversations/components/human-reply-form'
import { Thread } from '@/features/conversations/components/thread'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { formatDateTime } from '@/lib/format'
import { hasRole } from '@/lib/roles'
import { toast } from '@/lib/toast'

export const Route = createFileRoute('/_app/conversations/$conversationId')({
  loader: async ({ context: { queryClient, tenantId }, params }) => {
    await Promise.all([
      queryClient.ensureQueryData(conversationQueryOptions(tenantId, params.conversationId)),
      queryClient.ensureInfiniteQueryData(messagesQueryOptions(tenantId, params.conversationId)),
    ])
  },
  component: ConversationPage,
})

function ConversationPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { conversationId } = Route.useParams()
  const c = useSuspenseQuery(conversationQueryOptions(tenantId, conversationId)).data
  const agents = useInfiniteQuery(agentsQueryOptions(tenantId))
  const members = useInfiniteQuery(membersQueryOptions(tenantId))
  const memberName = (id: string) => {
    const m = members.data?.members.find((x) => x.id === id)
    return m ? m.name || m.email : undefined
  }
  const release = useReleaseConversation(tenantId, conversationId, { onSuccess: () => toast.success('Handed back to the agent') })
  const agent = agents.data?.agents.find((a) => a.id === c.agent_id)
  const escalated = c.status === 'escalated'
  return (
    <>
      <Link to="/conversations" className="mb-3 inline-flex items-center gap-1 text-sm text-zinc-600 hover:text-zinc-900">
        <ArrowLeft className="size-4" aria-hidden /> All conversations
      </Link>
      <PageHeader
        title={participantName(c)}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge conversation={c} />
            {channelName[c.channel_type]}
            {c.participant.phone && c.participant.phone !== participantName(c) ? ` · ${c.participant.phone}` : ''}
            {agent ? ` · ${agent.name}` : ''}
          </span>
        }
        actions={
          escalated &&
          hasRole(membership.role, 'admin') && (
            <Button variant="secondary" pending={release.isPending} onClick={() => release.mutate()}>
              {!release.isPending && <Undo2 className="size-4" aria-hidden />} Release to agent
            </Button>
          )
        }
      />
      <InlineError error={release.error} className="mb-4" />
      {escalated && (
        <div role="status" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <span className="font-medium">Handed over to a person</span>
          {c.escalated_at && ` on ${formatDateTime(c.escalated_at)}`}
          {c.escalation_reason && `: ${c.escalation_reason}`}. The agent stays quiet until the conversation is released.
        </div>
      )}
      {c.flagged_at && (
        <div className="mb-4 flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          <Flag className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span>
            <span className="font-medium">Flagged:</span> {c.flag_reason || 'the agent could not answer.'}
          </span>
        </div>
      )}
      <Thread tenantId={tenantId} conversationId={conversationId} authorName={memberName} />
      {escalated && (
        <div className="mt-4 rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
          <HumanReplyForm tenantId={tenantId} conversationId={conversationId} />
        </div>
      )}
    </>
  )
}
