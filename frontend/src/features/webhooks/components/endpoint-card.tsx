import { TriangleAlert, CircleCheck, CirclePause } from 'lucide-react'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { formatDateTime, formatRelative } from '@/lib/format'
import { notifyError } from '@/lib/notify'
import type { WebhookEndpoint } from '../api/get-endpoints'
import { useDeleteEndpoint, useSendTest, useUpdateEndpoint } from '../api/mutate-endpoint'
import { EditEndpointDialog, ReplayDialog, RotateSecretDialog } from './endpoint-dialogs'

/** Why an endpoint is off, in the operator's words. */
export function disabledWhy(e: WebhookEndpoint): string {
  switch (e.disabled_reason) {
    case 'gone':
      return 'It answered 410 Gone, which means “stop sending”.'
    case 'failing':
      return 'Every delivery failed for three days, so Konstruct stopped trying.'
    default:
      return 'It was turned off.'
  }
}

function Status({ e }: { e: WebhookEndpoint }) {
  if (!e.enabled) {
    return (
      <Badge tone={e.disabled_reason === 'manual' ? 'neutral' : 'danger'}>
        {e.disabled_reason === 'manual' ? 'Off' : 'Disabled'}
      </Badge>
    )
  }
  if (e.failing_since) return <Badge tone="warning">Failing</Badge>
  return <Badge tone="success">Active</Badge>
}

type Open = 'edit' | 'rotate' | 'replay' | 'delete' | null

/** One endpoint: where, what, how it is doing, and what can be done to it. */
export function EndpointCard({ tenantId, endpoint: e }: { tenantId: string; endpoint: WebhookEndpoint }) {
  const [open, setOpen] = useState<Open>(null)
  const close = (next: boolean) => !next && setOpen(null)
  const toggle = useUpdateEndpoint(tenantId, e.id, {
    onSuccess: () => toast.success(e.enabled ? 'Endpoint turned off' : 'Endpoint turned on; replay what it missed if needed'),
    onError: notifyError,
  })
  const test = useSendTest(tenantId, { onSuccess: () => toast.success('Test event sent; it shows in the delivery log'), onError: notifyError })
  const remove = useDeleteEndpoint(tenantId, {
    onSuccess: () => {
      toast.success('Endpoint deleted')
      setOpen(null)
    },
    onError: notifyError,
  })
  return (
    <li className="rounded-lg border border-zinc-200 bg-white p-4" aria-label={e.url}>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <code className="font-mono text-sm break-all text-zinc-900">{e.url}</code>
            <Status e={e} />
          </div>
          {e.description && <p className="text-sm text-zinc-600">{e.description}</p>}
          <p className="text-xs text-zinc-500">
            {e.event_types.length === 0 ? 'Every event' : e.event_types.join(', ')} · secret whsec_…{e.secret_hint}
            {e.previous_secret_expires_at && <> · old secret signs until {formatDateTime(e.previous_secret_expires_at)}</>}
          </p>
          <Health e={e} />
        </div>
        <div className="flex flex-wrap gap-2 sm:justify-end">
          <Button variant="secondary" size="sm" pending={test.isPending} disabled={!e.enabled} onClick={() => test.mutate(e.id)}>
            Send test
          </Button>
          <Button variant="secondary" size="sm" disabled={!e.enabled} onClick={() => setOpen('replay')}>
            Replay…
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setOpen('edit')}>
            Edit
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setOpen('rotate')}>
            Rotate secret
          </Button>
          <Button variant="secondary" size="sm" pending={toggle.isPending} onClick={() => toggle.mutate({ enabled: !e.enabled })}>
            {e.enabled ? 'Turn off' : 'Turn on'}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setOpen('delete')}>
            Delete<span className="sr-only"> {e.url}</span>
          </Button>
        </div>
      </div>
      {open === 'edit' && <EditEndpointDialog tenantId={tenantId} endpoint={e} open onOpenChange={close} />}
      {open === 'rotate' && <RotateSecretDialog tenantId={tenantId} endpoint={e} open onOpenChange={close} />}
      {open === 'replay' && <ReplayDialog tenantId={tenantId} endpoint={e} open onOpenChange={close} />}
      <ConfirmDialog
        open={open === 'delete'}
        onOpenChange={close}
        title="Delete this endpoint?"
        description="It stops receiving events at once, and its delivery log is deleted with it."
        confirmLabel="Delete endpoint"
        pending={remove.isPending}
        onConfirm={() => remove.mutate(e.id)}
      />
    </li>
  )
}

function Health({ e }: { e: WebhookEndpoint }) {
  if (!e.enabled && e.disabled_at) {
    return (
      <p className="flex items-start gap-1.5 text-xs text-zinc-600">
        <CirclePause className="mt-px size-3.5 shrink-0" aria-hidden />
        <span>
          Off since {formatDateTime(e.disabled_at)}. {disabledWhy(e)}
          {e.last_error && <> Last error: {e.last_error}.</>}
        </span>
      </p>
    )
  }
  if (e.failing_since) {
    return (
      <p className="flex items-start gap-1.5 text-xs text-amber-800">
        <TriangleAlert className="mt-px size-3.5 shrink-0" aria-hidden />
        <span>
          Failing since {formatRelative(e.failing_since)}: {e.last_error || 'no answer'}. Deliveries are retried; after three days of failures the endpoint is
          turned off.
        </span>
      </p>
    )
  }
  if (e.last_success_at) {
    return (
      <p className="flex items-center gap-1.5 text-xs text-emerald-700">
        <CircleCheck className="size-3.5 shrink-0" aria-hidden /> Last delivered {formatRelative(e.last_success_at)}
      </p>
    )
  }
  return null
}
