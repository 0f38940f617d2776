import { useQuery } from '@tanstack/react-query'
import { Lock, TriangleAlert, Webhook } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { Section } from '@/components/ui/section'
import { ListSkeleton } from '@/components/ui/skeleton'
import { formatDateTime } from '@/lib/format'
import { hasRole, type Role } from '@/lib/roles'
import { endpointsQueryOptions } from '../api/get-endpoints'
import { DeliveryLog } from './delivery-log'
import { EndpointCard, disabledWhy } from './endpoint-card'
import { CreateEndpointDialog } from './endpoint-dialogs'

/** Settings → Webhooks: endpoints, what stopped and why, and the delivery log. */
export function WebhooksPage({ tenantId, role, tenantName }: { tenantId: string; role: Role; tenantName: string }) {
  const endpoints = useQuery({ ...endpointsQueryOptions(tenantId), enabled: hasRole(role, 'admin') })
  if (!hasRole(role, 'admin')) {
    return (
      <EmptyState icon={Lock} title="Owners and admins manage webhooks">
        Ask an admin of {tenantName} to send events to your system.
      </EmptyState>
    )
  }
  if (endpoints.isPending) return <ListSkeleton label="Loading webhook endpoints" />
  if (endpoints.isError) return <ErrorState error={endpoints.error} onRetry={() => endpoints.refetch()} />
  const stopped = endpoints.data.filter((e) => !e.enabled && e.disabled_reason !== 'manual')
  return (
    <div className="space-y-6">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">
          Konstruct POSTs events (a message received, a reply delivered, an agent changed…) to your endpoints, signed with the{' '}
          <a className="font-medium text-brand-700 hover:underline" href="https://www.standardwebhooks.com" target="_blank" rel="noopener noreferrer">
            Standard Webhooks
          </a>{' '}
          scheme. Payloads are documented in the{' '}
          <a href="/api/docs" target="_blank" rel="noopener" className="font-medium text-brand-700 hover:underline">
            API docs
          </a>
          .
        </p>
        <CreateEndpointDialog tenantId={tenantId} />
      </div>
      {stopped.map((e) => (
        <div key={e.id} role="alert" className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
          <p>
            Deliveries to <code className="font-mono break-all">{e.url}</code> stopped
            {e.disabled_at && <> on {formatDateTime(e.disabled_at)}</>}. {disabledWhy(e)} Fix the receiver, turn the endpoint on, then replay what it
            missed.
          </p>
        </div>
      ))}
      {endpoints.data.length === 0 ? (
        <EmptyState icon={Webhook} title="No webhook endpoints">
          Add an endpoint to hear about conversations, replies, hand-overs and changes as they happen, instead of polling the API.
        </EmptyState>
      ) : (
        <ul className="space-y-3" aria-label="Webhook endpoints">
          {endpoints.data.map((e) => (
            <EndpointCard key={e.id} tenantId={tenantId} endpoint={e} />
          ))}
        </ul>
      )}
      <Section title="Delivery log" description="Every attempt of every delivery, newest first. Open one to see the response and send it again.">
        <DeliveryLog tenantId={tenantId} endpoints={endpoints.data} />
      </Section>
    </div>
  )
}
