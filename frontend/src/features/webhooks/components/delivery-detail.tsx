import { useQuery } from '@tanstack/react-query'
import { toast } from '@/lib/toast'
import { Button, buttonClass } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent, DialogFooter } from '@/components/ui/dialog'
import { ErrorState } from '@/components/ui/error-state'
import { ListSkeleton } from '@/components/ui/skeleton'
import { formatDateTime } from '@/lib/format'
import { notifyError } from '@/lib/notify'
import { deliveryQueryOptions, useReplayDelivery } from '../api/get-deliveries'
import { DeliveryStateBadge } from './delivery-log'

const outcomeLabel = { succeeded: 'Delivered', failed: 'Failed', abandoned: 'Interrupted', in_progress: 'In progress' } as const

/** One delivery: every attempt, what was sent, and sending it again. */
export function DeliveryDetailDialog({ tenantId, deliveryId, onClose }: { tenantId: string; deliveryId: string; onClose: () => void }) {
  const query = useQuery(deliveryQueryOptions(tenantId, deliveryId))
  const replay = useReplayDelivery(tenantId, {
    onSuccess: () => {
      toast.success('Queued again; it shows at the top of the log')
      onClose()
    },
  })
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent title="Delivery" className="max-w-2xl">
        {query.isPending ? (
          <ListSkeleton label="Loading the delivery" />
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => query.refetch()} />
        ) : (
          <div className="space-y-4 text-sm">
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
              <dt className="text-zinc-500">Event</dt>
              <dd>
                <code className="font-mono text-xs">{query.data.event.type}</code>{' '}
                <span className="font-mono text-xs text-zinc-500">{query.data.event.id}</span>
              </dd>
              <dt className="text-zinc-500">State</dt>
              <dd>
                <DeliveryStateBadge state={query.data.delivery.state} attempts={query.data.delivery.attempts} />
                {query.data.delivery.next_attempt_at && query.data.delivery.state === 'pending' && (
                  <span className="ml-2 text-xs text-zinc-500">next attempt {formatDateTime(query.data.delivery.next_attempt_at)}</span>
                )}
              </dd>
              <dt className="text-zinc-500">Happened</dt>
              <dd>{formatDateTime(query.data.event.timestamp)}</dd>
            </dl>
            <section aria-label="Attempts" className="space-y-2">
              <h3 className="font-medium text-zinc-900">Attempts</h3>
              {query.data.attempts.length === 0 && <p className="text-zinc-500">Not attempted yet.</p>}
              <ol className="space-y-2">
                {query.data.attempts.map((a) => (
                  <li key={a.attempt} className="rounded-md border border-zinc-200 p-3">
                    <p className="flex flex-wrap gap-x-3 gap-y-1">
                      <span className="font-medium text-zinc-900">#{a.attempt}</span>
                      <span>{outcomeLabel[a.outcome]}</span>
                      {a.status_code !== null && <span>HTTP {a.status_code}</span>}
                      {a.duration_ms !== null && <span>{a.duration_ms} ms</span>}
                      <time className="text-zinc-500" dateTime={a.started_at}>
                        {formatDateTime(a.started_at)}
                      </time>
                    </p>
                    {a.error && <p className="mt-1 text-red-700">{a.error}</p>}
                    {a.response_excerpt && (
                      <pre tabIndex={0} aria-label="Response excerpt" className="mt-2 max-h-32 overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs whitespace-pre-wrap text-zinc-700">
                        {a.response_excerpt}
                      </pre>
                    )}
                  </li>
                ))}
              </ol>
            </section>
            <section aria-label="Payload" className="space-y-2">
              <h3 className="font-medium text-zinc-900">Payload</h3>
              <pre tabIndex={0} aria-label="Payload JSON" className="max-h-64 overflow-auto rounded bg-zinc-50 p-3 font-mono text-xs text-zinc-800">
                {JSON.stringify(query.data.event.data, null, 2)}
              </pre>
            </section>
          </div>
        )}
        <DialogFooter>
          <DialogClose className={buttonClass('secondary')}>Close</DialogClose>
          <Button pending={replay.isPending} disabled={!query.data} onClick={() => replay.mutate(deliveryId, { onError: notifyError })}>
            Send again
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  )
}
