import { zodResolver } from '@hookform/resolvers/zod'
import { useForm } from 'react-hook-form'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { InlineError } from '@/components/ui/inline-error'
import { Input } from '@/components/ui/input'
import { reportFormError } from '@/lib/notify'
import { useConnectWhatsApp } from '../api/connect-whatsapp'
import type { Connection } from '../api/get-connections'
import { whatsAppConnectSchema, whatsAppFieldFor, type WhatsAppConnectValues } from './whatsapp-connect-schema'

/** The credentials form with Meta's instructions (loaded when the card opens). */
export function WhatsAppConnectForm({ tenantId, onConnected }: { tenantId: string; onConnected: (c: Connection) => void }) {
  const form = useForm<WhatsAppConnectValues>({
    resolver: zodResolver(whatsAppConnectSchema),
    defaultValues: { phone_number_id: '', waba_id: '', system_user_token: '' },
  })
  const { errors } = form.formState
  const connect = useConnectWhatsApp(tenantId, {
    onSuccess: (c) => onConnected(c),
    onError: (error) => reportFormError(error, form.setError, whatsAppFieldFor),
  })
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <ol className="list-decimal space-y-2 pl-5 text-sm text-zinc-700">
        <li>
          In <span className="font-medium">Meta Business Suite → WhatsApp Manager → API Setup</span>, copy the <span className="font-medium">Phone Number ID</span>{' '}
          and the <span className="font-medium">WhatsApp Business Account ID</span>.
        </li>
        <li>
          In <span className="font-medium">Business Settings → Users → System Users</span>, add a system user with access to your WhatsApp account.
        </li>
        <li>
          Generate a token for it with the <code className="text-xs">whatsapp_business_messaging</code> and{' '}
          <code className="text-xs">whatsapp_business_management</code> permissions, and paste it here.
        </li>
        <li>Konstruct checks them with Meta, subscribes to the number’s messages and stores the token encrypted.</li>
      </ol>
      <form noValidate aria-label="Connect WhatsApp" onSubmit={form.handleSubmit((v) => connect.mutate(v))} className="space-y-4">
        <Field label="Phone Number ID" error={errors.phone_number_id?.message}>
          <Input inputMode="numeric" autoComplete="off" className="font-mono" {...form.register('phone_number_id')} />
        </Field>
        <Field label="WhatsApp Business Account ID" error={errors.waba_id?.message}>
          <Input inputMode="numeric" autoComplete="off" className="font-mono" {...form.register('waba_id')} />
        </Field>
        <Field label="System User Token" hint="Never shown again." error={errors.system_user_token?.message}>
          <Input type="password" autoComplete="off" spellCheck={false} className="font-mono" {...form.register('system_user_token')} />
        </Field>
        <InlineError error={errors.root?.message} />
        <Button type="submit" pending={connect.isPending}>
          Connect number
        </Button>
      </form>
    </div>
  )
}
