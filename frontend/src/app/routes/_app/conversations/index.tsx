import { createFileRoute, useNavigate } from '@tanstack/react-router'
import { PageHeader } from '@/components/ui/page-header'
import { conversationsQueryOptions } from '@/features/conversations/api/get-conversations'
import { ConversationFilters } from '@/features/conversations/components/conversation-filters'
import { ConversationsList } from '@/features/conversations/components/conversations-list'
import { conversationsSearchSchema } from '@/features/conversations/conversations-search'

export const Route = createFileRoute('/_app/conversations/')({
  validateSearch: conversationsSearchSchema,
  loaderDeps: ({ search: { status, channel, flagged } }) => ({ status, channel, flagged }),
  loader: ({ context: { queryClient, tenantId }, deps }) =>
    queryClient.ensureInfiniteQueryData(conversationsQueryOptions(tenantId, deps)).then(() => undefined),
  component: ConversationsPage,
})

function ConversationsPage() {
  const { tenantId } = Route.useRouteContext()
  const { status, channel, flagged } = Route.useSearch()
  const search = { status, channel, flagged }
  const navigate = useNavigate()
  return (
    <>
      <PageHeader title="Conversations" description="What your agents discussed, most recent first. Handed-over ones need a person." />
      <ConversationFilters search={search} onChange={(next) => void navigate({ to: '/conversations', search: (prev) => ({ ...prev, ...next }) })} />
      <ConversationsList tenantId={tenantId} search={search} filtered={Boolean(status || channel || flagged)} />
    </>
  )
}
