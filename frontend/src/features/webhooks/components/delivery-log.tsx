import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Inbox } from 'lucide-react'
import { useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { Field } from '@/components/ui/field'
import { LoadMore } from '@/components/ui/load-more'
import { Select } from '@/components/ui/select'
import { ListSkeleton } from '@/components/ui/skeleton'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDateTime, formatRelative } from '@/lib/format'
import { deliveriesQueryOptions, type DeliveryFilters, type DeliveryState } from '../api/get-deliveries'
import type { WebhookEndpoint } from '../api/get-endpoints'
import { eventTypesQueryOptions } from '../api/get-event-types'
import { DeliveryDetailDialog } from './delivery-detail'

const stateTone = { succeeded: 'success', failed: 'danger', cancelled: 'neutral', pending: 'warning', waiting: 'neutral' } as const
const stateLabel = { succeeded: 'Delivered', failed: 'Failed', cancelled: 'Cancelled', pending: 'Retrying', waiting: 'Waiting' } as const

export function DeliveryStateBadge({ state, attempts }: { state: DeliveryState; attempts: number }) {
  const label = state === 'pending' && attempts === 0 ? 'Queued' : stateLabel[state]
  return <Badge tone={stateTone[state]}>{label}</Badge>
}

const ALL = 'all'
const states: ReadonlyArray<{ value: DeliveryState | typeof ALL; label: string }> = [
  { value: ALL, label: 'Any state' },
  { value: 'succeeded', label: 'Delivered' },
  { value: 'pending', label: 'Queued or retrying' },
  { value: 'waiting', label: 'Waiting behind an earlier event' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
]

/** Every delivery, newest first, filtered by endpoint, state and event type. */
export function DeliveryLog({ tenantId, endpoints }: { tenantId: string; endpoints: WebhookEndpoint[] }) {
  const [filters, setFilters] = useState<DeliveryFilters>({})
  const [open, setOpen] = useState<string | null>(null)
  const types = useQuery(eventTypesQueryOptions(tenantId))
  const query = useInfiniteQuery(deliveriesQueryOptions(tenantId, filters))
  const urlOf = new Map(endpoints.map((e) => [e.id, e.url]))
  const set = (patch: DeliveryFilters) => setFilters((f) => ({ ...f, ...patch }))

  return (
    <div className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Endpoint">
          <Select
            value={filters.endpoint_id ?? ALL}
            onValueChange={(v) => set({ endpoint_id: v === ALL ? undefined : v })}
            options={[{ value: ALL, label: 'Every endpoint' }, ...endpoints.map((e) => ({ value: e.id, label: e.url }))]}
          />
        </Field>
        <Field label="State">
          <Select value={filters.state ?? ALL} onValueChange={(v) => set({ state: v === ALL ? undefined : v })} options={states} />
        </Field>
        <Field label="Event type">
          <Select
            value={filters.event_type ?? ALL}
            onValueChange={(v) => set({ event_type: v === ALL ? undefined : v })}
            options={[{ value: ALL, label: 'Any type' }, ...(types.data ?? []).map((t) => ({ value: t.type, label: t.type }))]}
          />
        </Field>
      </div>
      {query.isPending ? (
        <ListSkeleton label="Loading deliveries" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => query.refetch()} />
      ) : query.data.deliveries.length === 0 ? (
        <EmptyState icon={Inbox} title="No deliveries">
          Events your endpoints subscribe to show up here, with every attempt. Send a test event to try one.
        </EmptyState>
      ) : (
        <>
          <Table aria-label="Deliveries">
            <thead>
              <tr>
                <Th>When</Th>
                <Th>Event</Th>
                <Th>Endpoint</Th>
                <Th>State</Th>
                <Th>Attempts</Th>
                <Th>
                  <span className="sr-only">Details</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {query.data.deliveries.map((d) => (
                <tr key={d.id}>
                  <Td className="whitespace-nowrap">
                    <time dateTime={d.created_at} title={formatDateTime(d.created_at)}>
                      {formatRelative(d.created_at)}
                    </time>
                  </Td>
                  <Td>
                    <code className="font-mono text-xs">{d.event_type}</code>
                    {d.reason !== 'event' && <span className="ml-2 text-xs text-zinc-500">({d.reason})</span>}
                  </Td>
                  <Td className="max-w-56 truncate" title={urlOf.get(d.endpoint_id)}>
                    {urlOf.get(d.endpoint_id) ?? 'Deleted endpoint'}
                  </Td>
                  <Td className="whitespace-nowrap">
                    <DeliveryStateBadge state={d.state} attempts={d.attempts} />
                    {d.last_status !== null && <span className="ml-2 text-xs text-zinc-500">HTTP {d.last_status}</span>}
                  </Td>
                  <Td>{d.attempts}</Td>
                  <Td className="text-right">
                    <Button variant="secondary" size="sm" onClick={() => setOpen(d.id)}>
                      Details<span className="sr-only"> of {d.event_type}</span>
                    </Button>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
        </>
      )}
      {open && <DeliveryDetailDialog tenantId={tenantId} deliveryId={open} onClose={() => setOpen(null)} />}
    </div>
  )
}
