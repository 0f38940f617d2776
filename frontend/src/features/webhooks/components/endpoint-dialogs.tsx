import { Plus } from 'lucide-react'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { Button, buttonClass } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '@/components/ui/dialog'
import { Field } from '@/components/ui/field'
import { Select } from '@/components/ui/select'
import { notifyError, reportFormError } from '@/lib/notify'
import type { WebhookEndpoint } from '../api/get-endpoints'
import {
  useCreateEndpoint,
  useReplaySince,
  useRotateSecret,
  useUpdateEndpoint,
  type WebhookEndpointCreated,
  type WebhookSecretRotated,
} from '../api/mutate-endpoint'
import { EndpointForm, endpointFieldFor } from './endpoint-form'
import { replaySince, replayWindows } from './endpoint-schema'
import { SecretReveal } from './secret-reveal'

/** A new endpoint: the form, then its signing secret, shown this one time. */
export function CreateEndpointDialog({ tenantId }: { tenantId: string }) {
  const [open, setOpen] = useState(false)
  const [created, setCreated] = useState<WebhookEndpointCreated | null>(null)
  const create = useCreateEndpoint(tenantId, { onSuccess: setCreated })
  const onOpenChange = (next: boolean) => {
    setOpen(next)
    if (!next) setCreated(null) // the secret must not survive the dialog
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger className={buttonClass('primary')}>
        <Plus className="size-4" aria-hidden /> Add endpoint
      </DialogTrigger>
      {created ? (
        <DialogContent title="Copy the signing secret now" description="This is the only time it is shown. Your receiver needs it to check each event.">
          <SecretReveal secret={created.secret} />
          <DialogFooter>
            <DialogClose className={buttonClass('primary')}>I’ve stored it</DialogClose>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title="Add a webhook endpoint" description="Konstruct sends the events you pick to this URL, signed, and retries for three days.">
          <EndpointForm
            tenantId={tenantId}
            submitLabel="Add endpoint"
            pending={create.isPending}
            onSubmit={(body, setError) => create.mutate({ ...body, enabled: true }, { onError: (e) => reportFormError(e, setError, endpointFieldFor) })}
          />
        </DialogContent>
      )}
    </Dialog>
  )
}

/** Change an endpoint's URL, description or events. */
export function EditEndpointDialog({ tenantId, endpoint, open, onOpenChange }: DialogProps) {
  const update = useUpdateEndpoint(tenantId, endpoint.id, {
    onSuccess: () => {
      toast.success('Endpoint saved')
      onOpenChange(false)
    },
  })
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title="Edit endpoint">
        <EndpointForm
          tenantId={tenantId}
          endpoint={endpoint}
          submitLabel="Save"
          pending={update.isPending}
          onSubmit={(body, setError) => update.mutate(body, { onError: (e) => reportFormError(e, setError, endpointFieldFor) })}
        />
      </DialogContent>
    </Dialog>
  )
}

interface DialogProps {
  tenantId: string
  endpoint: WebhookEndpoint
  open: boolean
  onOpenChange: (open: boolean) => void
}

const overlaps = [
  { value: '86400', label: 'Keep the old secret for a day' },
  { value: '3600', label: 'Keep the old secret for an hour' },
  { value: '604800', label: 'Keep the old secret for a week' },
  { value: '0', label: 'Retire the old secret now (it leaked)' },
] as const

/** A new signing secret; the old one keeps signing for the overlap. */
export function RotateSecretDialog({ tenantId, endpoint, open, onOpenChange }: DialogProps) {
  const [overlap, setOverlap] = useState<(typeof overlaps)[number]['value']>('86400')
  const [rotated, setRotated] = useState<WebhookSecretRotated | null>(null)
  const rotate = useRotateSecret(tenantId, endpoint.id, { onSuccess: setRotated, onError: notifyError })
  const close = (next: boolean) => {
    onOpenChange(next)
    if (!next) setRotated(null)
  }
  return (
    <Dialog open={open} onOpenChange={close}>
      {rotated ? (
        <DialogContent title="Copy the new secret now" description="This is the only time it is shown.">
          <SecretReveal secret={rotated.secret}>
            {rotated.previous_secret_expires_at
              ? `Until ${new Date(rotated.previous_secret_expires_at).toLocaleString()} every event is signed with both secrets, so switch your receiver before then.`
              : 'The old secret no longer signs anything.'}
          </SecretReveal>
          <DialogFooter>
            <DialogClose className={buttonClass('primary')}>I’ve stored it</DialogClose>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title="Rotate the signing secret" description={`For ${endpoint.url}`}>
          <div className="space-y-4">
            <Field label="The old secret" hint="During the overlap each request carries two signatures; your receiver accepts either.">
              <Select value={overlap} onValueChange={setOverlap} options={overlaps} />
            </Field>
            <DialogFooter>
              <DialogClose className={buttonClass('secondary')} type="button">
                Cancel
              </DialogClose>
              <Button pending={rotate.isPending} onClick={() => rotate.mutate(Number(overlap))}>
                Rotate secret
              </Button>
            </DialogFooter>
          </div>
        </DialogContent>
      )}
    </Dialog>
  )
}

/** Send again every event since a time: the catch-up after an outage. */
export function ReplayDialog({ tenantId, endpoint, open, onOpenChange }: DialogProps) {
  const [hours, setHours] = useState<(typeof replayWindows)[number]['value']>('24')
  const [onlyUndelivered, setOnlyUndelivered] = useState(true)
  const replay = useReplaySince(tenantId, endpoint.id, {
    onSuccess: ({ queued }) => {
      toast.success(queued === 0 ? 'Nothing to replay in that window' : `${queued} event${queued === 1 ? '' : 's'} queued, in the order they happened`)
      onOpenChange(false)
    },
    onError: notifyError,
  })
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title="Replay events" description="After an outage, send this endpoint the events it subscribes to again, oldest first. Events keep their ids, so your receiver can skip duplicates.">
        <div className="space-y-4">
          <Field label="Events from">
            <Select value={hours} onValueChange={setHours} options={replayWindows} />
          </Field>
          <label className="flex items-center gap-2 text-sm text-zinc-800">
            <input
              type="checkbox"
              className="size-4 rounded border-zinc-300 accent-brand-600"
              checked={onlyUndelivered}
              onChange={(e) => setOnlyUndelivered(e.target.checked)}
            />
            Only events this endpoint hasn’t acknowledged
          </label>
          <DialogFooter>
            <DialogClose className={buttonClass('secondary')} type="button">
              Cancel
            </DialogClose>
            <Button pending={replay.isPending} onClick={() => replay.mutate({ since: replaySince(hours), onlyUndelivered })}>
              Replay
            </Button>
          </DialogFooter>
        </div>
      </DialogContent>
    </Dialog>
  )
}
