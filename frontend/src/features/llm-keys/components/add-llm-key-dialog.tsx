import { zodResolver } from '@hookform/resolvers/zod'
import { Plus } from 'lucide-react'
import { useState } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { Button, buttonClass } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '@/components/ui/dialog'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { InlineError } from '@/components/ui/inline-error'
import { reportFormError } from '@/lib/notify'
import { useCreateLLMKey } from '../api/create-llm-key'
import { llmKeyFieldFor, llmKeyRequest, llmKeySchema, newLLMKeyValues, providerLabel, providers, type LLMKeyValues } from './llm-key-schema'

export function AddLLMKeyDialog({
  tenantId,
  initialProvider,
  defaultOpen = false,
  onOpenChange,
}: {
  tenantId: string
  /** The provider to start with (a readiness action asked for it). */
  initialProvider?: LLMKeyValues['provider'] | undefined
  defaultOpen?: boolean
  onOpenChange?: (open: boolean) => void
}) {
  const [open, setOpenState] = useState(defaultOpen)
  const setOpen = (next: boolean) => {
    setOpenState(next)
    onOpenChange?.(next)
  }
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger className={buttonClass('primary')}>
        <Plus className="size-4" aria-hidden /> Add API Key
      </DialogTrigger>
      <DialogContent title="Add API Key" description="Your agents use it instead of the platform’s key. It is stored encrypted and never shown again.">
        <AddLLMKeyForm tenantId={tenantId} initialProvider={initialProvider} onAdded={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  )
}

export function AddLLMKeyForm({
  tenantId,
  onAdded,
  initialProvider,
}: {
  tenantId: string
  onAdded: () => void
  initialProvider?: LLMKeyValues['provider'] | undefined
}) {
  const form = useForm<LLMKeyValues>({
    resolver: zodResolver(llmKeySchema),
    defaultValues: initialProvider ? { ...newLLMKeyValues, provider: initialProvider } : newLLMKeyValues,
  })
  const { errors } = form.formState
  const provider = form.watch('provider')
  const create = useCreateLLMKey(tenantId, {
    onSuccess: (key) => {
      toast.success(`${providerLabel(key.provider)} key “${key.label}” added`)
      onAdded()
    },
    onError: (error) => reportFormError(error, form.setError, llmKeyFieldFor),
  })
  return (
    <form noValidate onSubmit={form.handleSubmit((v) => create.mutate(llmKeyRequest(v)))} className="space-y-4">
      <Controller
        control={form.control}
        name="provider"
        render={({ field }) => (
          <Field label="Provider" error={errors.provider?.message}>
            <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={providers} />
          </Field>
        )}
      />
      {provider === 'custom' && (
        <Field label="Base URL" hint="The server’s OpenAI-compatible API, e.g. https://llm.example.com/v1" error={errors.base_url?.message}>
          <Input type="url" autoComplete="off" spellCheck={false} placeholder="https://" {...form.register('base_url')} />
        </Field>
      )}
      <Field label="Label" hint="What it is for, e.g. Production OpenAI." error={errors.label?.message}>
        <Input autoComplete="off" {...form.register('label')} />
      </Field>
      <Field label="API key" hint="Only its last four characters are shown afterwards." error={errors.api_key?.message}>
        <Input type="password" autoComplete="off" spellCheck={false} className="font-mono" {...form.register('api_key')} />
      </Field>
      <label className="flex items-start gap-3">
        <input type="checkbox" className="mt-0.5 size-4 rounded border-zinc-300 accent-brand-600" {...form.register('verify')} />
        <span>
          <span className="block text-sm font-medium text-zinc-800">Verify with the provider</span>
          <span className="block text-xs text-zinc-600">A free call that lists models, so a mistyped key is caught now.</span>
        </span>
      </label>
      <InlineError error={errors.root?.message} />
      <DialogFooter>
        <DialogClose className={buttonClass('secondary')} type="button">
          Cancel
        </DialogClose>
        <Button type="submit" pending={create.isPending}>
          Add key
        </Button>
      </DialogFooter>
    </form>
  )
}
