import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { ScrollText } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDateTime } from '@/lib/format'
import { auditEventsQueryOptions, type AuditEvent } from '../api/get-audit-events'
import type { AuditSearch } from '../audit-search'

export function AuditLog({ tenantId, search }: { tenantId: string; search: AuditSearch }) {
  const query = useSuspenseInfiniteQuery(auditEventsQueryOptions(tenantId, search))
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
          <span className="truncate" title={e.actor_label || e.actor_id}>
            {e.actor_name || e.actor_label || (e.actor_type === 'system' ? 'Konstruct' : e.actor_id)}
          </span>
          {e.actor_type !== 'user' && <Badge tone={actorTone[e.actor_type]}>{e.actor_type}</Badge>}
        </div>
      </Td>
      <Td>
        <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs whitespace-nowrap text-zinc-800">{e.action}</code>
      </Td>
      <Td>
        {/* The target by name; its kind and id stay at hand for support. */}
        <span className="block font-medium text-zinc-900">{e.target_label || e.target_type}</span>
        {e.target_label && (
          <span className="block text-xs text-zinc-600" title={e.target_id}>
            {e.target_type.replaceAll('_', ' ')}
          </span>
        )}
      </Td>
      <Td>
        {metadata ? (
          <details>
            <summary className="cursor-pointer text-sm text-brand-700 hover:underline">Show</summary>
            <pre className="mt-2 max-w-md overflow-x-auto rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-700">{metadata}</pre>
          </details>
        ) : (
          <span className="text-zinc-500">—</span>
        )}
      </Td>
    </tr>
  )
}
