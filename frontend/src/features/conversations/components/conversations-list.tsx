import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { MessagesSquare } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { formatDateTime, formatRelative } from '@/lib/format'
import { conversationsQueryOptions } from '../api/get-conversations'
import type { ConversationsSearch } from '../conversations-search'
import { channelName, participantName, StatusBadge } from './conversation-labels'

const author = { user: '', assistant: 'Agent: ', human: 'Your team: ' } as const

export function ConversationsList({ tenantId, search, filtered }: { tenantId: string; search: ConversationsSearch; filtered: boolean }) {
  const query = useSuspenseInfiniteQuery(conversationsQueryOptions(tenantId, search))
  const { conversations } = query.data
  if (conversations.length === 0) {
    return (
      <EmptyState icon={MessagesSquare} title={filtered ? 'No conversations match these filters' : 'No conversations yet'}>
        {filtered
          ? 'Try another status or channel, or clear the filters.'
          : 'When someone messages your agent on Slack or WhatsApp, the conversation shows up here.'}
      </EmptyState>
    )
  }
  return (
    <>
      <ul aria-label="Conversations" className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white">
        {conversations.map((c) => (
          <li key={c.id}>
            <Link
              to="/conversations/$conversationId"
              params={{ conversationId: c.id }}
              className="flex flex-col gap-1 px-4 py-3 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600 sm:flex-row sm:items-center sm:gap-4 sm:px-5"
            >
              <span className="min-w-0 flex-1">
                <span className="flex flex-wrap items-center gap-2">
                  <span className="truncate text-sm font-medium text-zinc-900">{participantName(c)}</span>
                  <StatusBadge conversation={c} />
                  <span className="text-xs text-zinc-600">{channelName[c.channel_type]}</span>
                </span>
                {c.last_message && (
                  <span className="mt-0.5 block truncate text-sm text-zinc-700">
                    {author[c.last_message.role]}
                    {c.last_message.preview}
                  </span>
                )}
                {(c.status === 'escalated' && c.escalation_reason) || c.flagged_at ? (
                  <span className="block truncate text-xs text-zinc-600">
                    {c.status === 'escalated' && c.escalation_reason ? c.escalation_reason : c.flag_reason}
                  </span>
                ) : null}
              </span>
              <time dateTime={c.last_message_at} title={formatDateTime(c.last_message_at)} className="text-xs whitespace-nowrap text-zinc-600">
                {formatRelative(c.last_message_at)}
              </time>
            </Link>
          </li>
        ))}
      </ul>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
    </>
  )
}
