import { zodResolver } from '@hookform/resolvers/zod'
import { useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { InlineError } from '@/components/ui/inline-error'
import { sameNames } from '@/lib/form-problem'
import { reportFormError } from '@/lib/notify'
import type { Tenant } from '../api/get-tenant'
import { useUpdateTenant } from '../api/update-tenant'
import { settingsToUpdate, tenantSettingsSchema, tenantToSettings, type TenantSettingsValues } from './tenant-settings-schema'

const resolveField = sameNames<TenantSettingsValues>(['name', 'budget_limit_usd'])

export function TenantSettingsForm({ tenant, canEdit }: { tenant: Tenant; canEdit: boolean }) {
  const form = useForm<TenantSettingsValues>({ resolver: zodResolver(tenantSettingsSchema), values: tenantToSettings(tenant) })
  const { errors, isDirty } = form.formState
  const update = useUpdateTenant(tenant.id, {
    onSuccess: () => toast.success('Workspace saved'),
    onError: (error) => reportFormError(error, form.setError, resolveField),
  })
  return (
    <form noValidate onSubmit={form.handleSubmit((v) => update.mutate(settingsToUpdate(v)))} className="max-w-xl space-y-5">
      <fieldset disabled={!canEdit} className="space-y-5">
        <Field label="Workspace name" error={errors.name?.message}>
          <Input {...form.register('name')} />
        </Field>
        <Field
          label="Monthly budget (USD)"
          hint="Agents stop answering when the month’s LLM spend reaches it. Leave empty for no limit."
          error={errors.budget_limit_usd?.message}
        >
          <Input inputMode="decimal" placeholder="No limit" {...form.register('budget_limit_usd')} />
        </Field>
      </fieldset>
      <InlineError error={errors.root?.message} />
      {canEdit ? (
        <Button type="submit" pending={update.isPending} disabled={!isDirty}>
          Save changes
        </Button>
      ) : (
        <p className="text-sm text-zinc-600">Only owners and admins can change workspace settings.</p>
      )}
    </form>
  )
}
