import { zodResolver } from '@hookform/resolvers/zod'
import { useQuery } from '@tanstack/react-query'
import { Controller, useForm, type FieldPath, type UseFormSetError } from 'react-hook-form'
import { Button, buttonClass } from '@/components/ui/button'
import { DialogClose, DialogFooter } from '@/components/ui/dialog'
import { Field, FieldError } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { eventTypesQueryOptions } from '../api/get-event-types'
import type { WebhookEndpoint } from '../api/get-endpoints'
import { endpointBody, endpointSchema, groupTypes, type EndpointValues } from './endpoint-schema'

/** The form field of a problem's body location. */
export const endpointFieldFor = (path: string): FieldPath<EndpointValues> | undefined => {
  if (path === 'url' || path === 'description') return path
  if (path.startsWith('event_types')) return 'eventTypes'
  return undefined
}

interface EndpointFormProps {
  tenantId: string
  endpoint?: WebhookEndpoint
  submitLabel: string
  pending: boolean
  onSubmit: (body: ReturnType<typeof endpointBody>, setError: UseFormSetError<EndpointValues>) => void
}

/** URL, description and the event picker, for a new endpoint or an existing one. */
export function EndpointForm({ tenantId, endpoint, submitLabel, pending, onSubmit }: EndpointFormProps) {
  const types = useQuery(eventTypesQueryOptions(tenantId))
  const form = useForm<EndpointValues>({
    resolver: zodResolver(endpointSchema),
    defaultValues: {
      url: endpoint?.url ?? '',
      description: endpoint?.description ?? '',
      allEvents: (endpoint?.event_types.length ?? 0) === 0,
      eventTypes: endpoint?.event_types ?? [],
    },
  })
  const { errors } = form.formState
  const allEvents = form.watch('allEvents')
  const submit = form.handleSubmit((values) => onSubmit(endpointBody(values), form.setError))
  return (
    <form noValidate onSubmit={submit} className="space-y-4">
      <Field label="Endpoint URL" hint="Where Konstruct POSTs events. https, reachable from the internet." error={errors.url?.message}>
        <Input autoFocus type="url" inputMode="url" autoComplete="off" placeholder="https://hooks.example.com/konstruct" {...form.register('url')} />
      </Field>
      <Field label="Description" hint="Optional: what receives them, e.g. CRM sync." error={errors.description?.message}>
        <Input autoComplete="off" {...form.register('description')} />
      </Field>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-zinc-800">Events</legend>
        <label className="flex items-center gap-2 text-sm text-zinc-800">
          <input type="checkbox" className="size-4 rounded border-zinc-300 accent-brand-600" {...form.register('allEvents')} />
          Every event, including types added later
        </label>
        {!allEvents && (
          <Controller
            control={form.control}
            name="eventTypes"
            render={({ field }) => (
              <div className="max-h-64 space-y-3 overflow-y-auto rounded-md border border-zinc-200 p-3" aria-label="Event types">
                {types.isPending && <p className="text-sm text-zinc-500">Loading event types…</p>}
                {groupTypes(types.data ?? []).map(([group, items]) => (
                  <div key={group} role="group" aria-label={group}>
                    <p className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">{group}</p>
                    {items
                      .filter((t) => t.type !== 'webhook.test')
                      .map((t) => (
                        <label key={t.type} className="flex items-start gap-2 py-1 text-sm">
                          <input
                            type="checkbox"
                            className="mt-0.5 size-4 shrink-0 rounded border-zinc-300 accent-brand-600"
                            checked={field.value.includes(t.type)}
                            onChange={(e) =>
                              field.onChange(e.target.checked ? [...field.value, t.type] : field.value.filter((v) => v !== t.type))
                            }
                          />
                          <span>
                            <code className="font-mono text-xs text-zinc-900">{t.type}</code>
                            <span className="block text-xs text-zinc-500">{t.description}</span>
                          </span>
                        </label>
                      ))}
                  </div>
                ))}
              </div>
            )}
          />
        )}
        <FieldError message={errors.eventTypes?.message} />
      </fieldset>
      <DialogFooter>
        <DialogClose className={buttonClass('secondary')} type="button">
          Cancel
        </DialogClose>
        <Button type="submit" pending={pending}>
          {submitLabel}
        </Button>
      </DialogFooter>
    </form>
  )
}
