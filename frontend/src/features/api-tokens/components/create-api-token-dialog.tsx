import { zodResolver } from '@hookform/resolvers/zod'
import { KeyRound, Plus } from 'lucide-react'
import { useState } from 'react'
import { Controller, useForm, type FieldPath } from 'react-hook-form'
import { RoleSelect } from '@/components/role-select'
import { Button, buttonClass } from '@/components/ui/button'
import { CopyButton } from '@/components/ui/copy-button'
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '@/components/ui/dialog'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { InlineError } from '@/components/ui/inline-error'
import { reportFormError } from '@/lib/notify'
import { hasRole, type Role } from '@/lib/roles'
import { useCreateAPIToken, type APITokenCreated } from '../api/create-api-token'
import { apiTokenSchema, expiresAt, tokenExpiries, type APITokenValues } from './api-token-schema'

/** A new token: the form, then its secret, shown this one time only. */
export function CreateAPITokenDialog({ tenantId, callerRole }: { tenantId: string; callerRole: Role }) {
  const [open, setOpen] = useState(false)
  const [created, setCreated] = useState<APITokenCreated | null>(null)
  const onOpenChange = (next: boolean) => {
    setOpen(next)
    // The secret must not survive the dialog.
    if (!next) setCreated(null)
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger className={buttonClass('primary')}>
        <Plus className="size-4" aria-hidden /> New token
      </DialogTrigger>
      {created ? (
        <DialogContent title="Copy your token now" description="This is the only time it is shown. Store it in your integration’s secret store.">
          <TokenSecret secret={created.secret} />
          <DialogFooter>
            <DialogClose className={buttonClass('primary')}>I’ve stored it</DialogClose>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title="New API token" description="Integrations use it as a Bearer token with the role you choose.">
          <CreateTokenForm tenantId={tenantId} callerRole={callerRole} onCreated={setCreated} />
        </DialogContent>
      )}
    </Dialog>
  )
}

function TokenSecret({ secret }: { secret: string }) {
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        <KeyRound className="size-4 shrink-0" aria-hidden /> You won’t be able to see it again.
      </div>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code
          data-testid="token-secret"
          aria-label="Token secret"
          className="block min-w-0 flex-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-sm break-all text-zinc-900 select-all"
        >
          {secret}
        </code>
        <CopyButton value={secret} />
      </div>
    </div>
  )
}

const fieldFor = (path: string): FieldPath<APITokenValues> | undefined =>
  path === 'name' || path === 'role' ? path : path === 'expires_at' ? 'expires' : undefined

function CreateTokenForm({ tenantId, callerRole, onCreated }: { tenantId: string; callerRole: Role; onCreated: (t: APITokenCreated) => void }) {
  const form = useForm<APITokenValues>({
    resolver: zodResolver(apiTokenSchema),
    defaultValues: { name: '', role: 'member', expires: '90' },
  })
  const { errors } = form.formState
  const create = useCreateAPIToken(tenantId, {
    onSuccess: onCreated,
    onError: (error) => reportFormError(error, form.setError, fieldFor),
  })
  const submit = form.handleSubmit(({ name, role, expires }) => {
    const at = expiresAt(expires)
    create.mutate({ name, role, ...(at ? { expires_at: at } : {}) })
  })
  return (
    <form noValidate onSubmit={submit} className="space-y-4">
      <Field label="Name" hint="What uses it, e.g. CRM sync." error={errors.name?.message}>
        <Input autoFocus autoComplete="off" {...form.register('name')} />
      </Field>
      <Controller
        control={form.control}
        name="role"
        render={({ field }) => (
          <Field label="Role" hint="A token can’t have more rights than you." error={errors.role?.message}>
            <RoleSelect ref={field.ref} value={field.value} onValueChange={field.onChange} allowed={(r) => hasRole(callerRole, r)} />
          </Field>
        )}
      />
      <Controller
        control={form.control}
        name="expires"
        render={({ field }) => (
          <Field label="Expires" error={errors.expires?.message}>
            <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={tokenExpiries} />
          </Field>
        )}
      />
      <InlineError error={errors.root?.message} />
      <DialogFooter>
        <DialogClose className={buttonClass('secondary')} type="button">
          Cancel
        </DialogClose>
        <Button type="submit" pending={create.isPending}>
          Create token
        </Button>
      </DialogFooter>
    </form>
  )
}
