import { zodResolver } from '@hookform/resolvers/zod'
import type { ReactNode } from 'react'
import { useForm } from 'react-hook-form'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { InlineError } from '@/components/ui/inline-error'
import { sameNames } from '@/lib/form-problem'
import { reportFormError } from '@/lib/notify'
import { useCreateTenant } from '../api/create-tenant'
import type { Tenant } from '../api/get-tenant'
import { tenantNameSchema, type TenantNameValues } from './tenant-name-schema'

interface CreateTenantFormProps {
  onCreated: (tenant: Tenant) => void
  /** Extra buttons next to submit (Cancel in a dialog). */
  secondary?: ReactNode
}

export function CreateTenantForm({ onCreated, secondary }: CreateTenantFormProps) {
  const form = useForm<TenantNameValues>({ resolver: zodResolver(tenantNameSchema), defaultValues: { name: '' } })
  const create = useCreateTenant({
    onSuccess: onCreated,
    onError: (error) => reportFormError(error, form.setError, sameNames<TenantNameValues>(['name'])),
  })
  return (
    <form noValidate onSubmit={form.handleSubmit((values) => create.mutate(values))} className="space-y-4">
      <Field label="Workspace name" hint="Usually your company or team." error={form.formState.errors.name?.message}>
        <Input autoFocus {...form.register('name')} />
      </Field>
      <InlineError error={form.formState.errors.root?.message} />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {secondary}
        <Button type="submit" pending={create.isPending}>
          Create workspace
        </Button>
      </div>
    </form>
  )
}
