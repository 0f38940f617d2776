import { zodResolver } from '@hookform/resolvers/zod'
import { CheckCircle2, Send, XCircle } from 'lucide-react'
import { useForm } from 'react-hook-form'
import { problemMessage } from '@/api/problem'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { applyProblemToForm } from '@/lib/form-problem'
import type { z } from '@/lib/zod'
import type { Connection } from '../api/get-connections'
import { useSendTestMessage, type TestMessageResult } from '../api/send-test-message'
import { connectionTitle } from './channel-labels'
import { testRecipientSchema } from './whatsapp-connect-schema'

type RecipientInput = z.input<typeof testRecipientSchema>
type RecipientOutput = z.output<typeof testRecipientSchema>

/**
 * "Send Test Message" for one connection: Slack DMs the installer, WhatsApp
 * asks for the recipient's number. Shows the outcome in place.
 */
export function TestMessage({ tenantId, connection, onSent }: { tenantId: string; connection: Connection; onSent?: (r: TestMessageResult) => void }) {
  const send = useSendTestMessage(tenantId)
  const form = useForm<RecipientInput, unknown, RecipientOutput>({ resolver: zodResolver(testRecipientSchema), defaultValues: { to: '' } })
  const whatsapp = connection.type === 'whatsapp'
  const run = (to?: string) =>
    send.mutate(
      { channel_type: connection.type, connection_id: connection.id, ...(to ? { to } : {}) },
      {
        onSuccess: (r) => r.success && onSent?.(r),
        onError: (e) => applyProblemToForm(e, form.setError, (p) => (p === 'to' ? 'to' : undefined)),
      },
    )
  return (
    <section aria-label={`Test ${connectionTitle(connection)}`} className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
      <h3 className="text-sm font-semibold text-zinc-900">{connectionTitle(connection)}</h3>
      <p className="mt-0.5 text-sm text-zinc-600">
        {whatsapp ? 'Sends Meta’s approved hello_world template to a number you choose.' : 'Sends a direct message to the person who added Konstruct to Slack.'}
      </p>
      <form noValidate className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end" onSubmit={form.handleSubmit((v) => run(v.to))}>
        {whatsapp && (
          <Field label="Recipient number" hint="International format, e.g. +16505551234." error={form.formState.errors.to?.message} className="sm:w-72">
            <Input type="tel" autoComplete="off" inputMode="tel" {...form.register('to')} />
          </Field>
        )}
        <Button
          type={whatsapp ? 'submit' : 'button'}
          variant="secondary"
          pending={send.isPending}
          onClick={whatsapp ? undefined : () => run()}
          className={whatsapp ? 'sm:mb-5' : undefined}
        >
          {!send.isPending && <Send className="size-4" aria-hidden />} Send Test Message
        </Button>
      </form>
      <div aria-live="polite">
        {send.isPending && <p className="mt-3 text-sm text-zinc-600">Sending…</p>}
        {send.isSuccess && <TestOutcome ok={send.data.success} message={send.data.message} />}
        {send.isError && !form.formState.errors.to && <TestOutcome ok={false} message={problemMessage(send.error)} />}
      </div>
    </section>
  )
}

function TestOutcome({ ok, message }: { ok: boolean; message: string }) {
  const Icon = ok ? CheckCircle2 : XCircle
  return (
    <p
      role={ok ? 'status' : 'alert'}
      className={ok ? 'mt-3 flex items-start gap-2 text-sm text-emerald-700' : 'mt-3 flex items-start gap-2 text-sm text-red-700'}
    >
      <Icon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <span>
        <span className="font-medium">{ok ? 'Test message sent. ' : 'The test message failed. '}</span>
        {message}
      </span>
    </p>
  )
}
