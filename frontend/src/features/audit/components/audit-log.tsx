import { useInfiniteQuery } from '@tanstack/react-query'
import { ScrollText } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { LoadMore } from '@/components/ui/load-more'
import { ListSkeleton } from '@/components/ui/skeleton'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDateTime } from '@/lib/format'
import { auditEventsQueryOptions, type AuditEvent } from '../api/get-audit-events'
import type { AuditSearch } from '../audit-search'

export function AuditLog({ tenantId, search }: { tenantId: string; search: AuditSearch }) {
  const query = useInfiniteQuery(auditEventsQueryOptions(tenantId, search))
  if (query.isPending) return <ListSkeleton rows={5} label="Loading audit events" />
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} />
  const { events } = query.data
  if (events.length === 0) {
    const filtered = Object.values(search).some(Boolean)
    return (
      <EmptyState icon={ScrollText} title={filtered ? 'No events match these filters' : 'No events yet'}>
        {filtered
          ? 'Try a wider time range or another action.'
          : 'Sign-ins, token, member and agent changes are recorded here as they happen.'}
      </EmptyState>
    )
  }
  return (
    <>
      <Table aria-label="Audit events">
        <thead>
          <tr>
            <Th>When</Th>
            <Th>Actor</Th>
            <Th>Action</Th>
            <Th>Target</Th>
            <Th>Details</Th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <AuditRow key={e.id} event={e} />
          ))}
        </tbody>
      </Table>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
    </>
  )
}

const actorTone = { user: 'neutral', token: 'accent', system: 'warning' } as const

function AuditRow({ event: e }: { event: AuditEvent }) {
  const metadata = Object.keys(e.metadata).length > 0 ? JSON.stringify(e.metadata, null, 2) : null
  return (
    <tr className="align-top">
      <Td className="whitespace-nowrap">
        <time dateTime={e.created_at}>{formatDateTime(e.created_at)}</time>
      </Td>
      <Td>
        <div className="flex min-w-36 items-center gap-2">
          <span className="truncate">{e.actor_label || e.actor_id}</span>
          {e.actor_type !== 'user' && <Badge tone={actorTone[e.actor_type]}>{e.actor_type}</Badge>}
        </div>
      </Td>
      <Td>
        <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs whitespace-nowrap text-zinc-800">{e.action}</code>
      </Td>
      <Td className="whitespace-nowrap">
        {e.target_type}
        {e.target_id && <span className="ml-1 font-mono text-xs text-zinc-500" title={e.target_id}>{e.target_id.slice(0, 8)}</span>}
      </Td>
      <Td>
        {metadata ? (
          <details>
            <summary className="cursor-pointer text-sm text-brand-700 hover:underline">Show</summary>
            <pre className="mt-2 max-w-md overflow-x-auto rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-700">{metadata}</pre>
          </details>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </Td>
    </tr>
  )
}
