import { Plus, Trash2 } from 'lucide-react'
import { Controller, useFieldArray, type UseFormReturn } from 'react-hook-form'
import { Button } from '@/components/ui/button'
import { Field, FieldError } from '@/components/ui/field'
import { Input, Textarea } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { httpMethods, MAX_HTTP_TOOLS, newHTTPTool, type AgentFormValues } from './agent-form-schema'

const methodOptions = httpMethods.map((m) => ({ value: m, label: m }))

/** The endpoints the agent may call when the HTTP request tool is on; each becomes a tool of its own. */
export function HTTPToolsField({ form, readOnly }: { form: UseFormReturn<AgentFormValues>; readOnly: boolean }) {
  const { fields, append, remove } = useFieldArray({ control: form.control, name: 'http_tools' })
  const errors = form.formState.errors.http_tools
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-medium text-zinc-800">HTTP tools</legend>
      <p className="text-xs text-zinc-600">
        Used when “HTTP request” is on. <code>{'{name}'}</code> placeholders in the URL are filled from the model’s arguments.
      </p>
      {fields.map((field, i) => (
        <HTTPToolCard key={field.id} form={form} index={i} readOnly={readOnly} onRemove={() => remove(i)} />
      ))}
      <FieldError message={errors?.message ?? errors?.root?.message} />
      <Button variant="secondary" size="sm" disabled={fields.length >= MAX_HTTP_TOOLS} onClick={() => append(newHTTPTool, { shouldFocus: true })}>
        <Plus className="size-4" aria-hidden /> Add HTTP tool
      </Button>
    </fieldset>
  )
}

function HTTPToolCard({ form, index: i, readOnly, onRemove }: { form: UseFormReturn<AgentFormValues>; index: number; readOnly: boolean; onRemove: () => void }) {
  const errors = form.formState.errors.http_tools?.[i]
  const n = i + 1
  return (
    <section aria-label={`HTTP tool ${n}`} className="space-y-4 rounded-md border border-zinc-200 p-3 sm:p-4">
      <div className="flex items-center justify-between">
        <h3 className="text-sm font-medium text-zinc-800">HTTP tool {n}</h3>
        <Button variant="ghost" size="icon" aria-label={`Remove HTTP tool ${n}`} onClick={onRemove}>
          <Trash2 className="size-4" aria-hidden />
        </Button>
      </div>
      <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_8rem]">
        <Field label="Tool name" hint="As the model sees it, e.g. get_order_status." error={errors?.name?.message}>
          <Input spellCheck={false} autoCapitalize="off" className="font-mono" {...form.register(`http_tools.${i}.name`)} />
        </Field>
        <Controller
          control={form.control}
          name={`http_tools.${i}.method`}
          render={({ field }) => (
            <Field label="Method" error={errors?.method?.message}>
              <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={methodOptions} disabled={readOnly} />
            </Field>
          )}
        />
      </div>
      <Field label="URL" error={errors?.url?.message}>
        <Input type="url" spellCheck={false} className="font-mono" placeholder="https://api.example.com/orders/{order_id}" {...form.register(`http_tools.${i}.url`)} />
      </Field>
      <Field label="When to call it" error={errors?.description?.message}>
        <Textarea rows={2} className="min-h-16" {...form.register(`http_tools.${i}.description`)} />
      </Field>
      <Field label="Arguments (JSON Schema)" hint="Optional; the model’s arguments are checked against it." error={errors?.parameters?.message}>
        <Textarea rows={3} spellCheck={false} className="min-h-16 font-mono text-xs" {...form.register(`http_tools.${i}.parameters`)} />
      </Field>
      <HeaderRows form={form} tool={i} kind="headers" />
      <HeaderRows form={form} tool={i} kind="secret_headers" />
    </section>
  )
}

function HeaderRows({ form, tool, kind }: { form: UseFormReturn<AgentFormValues>; tool: number; kind: 'headers' | 'secret_headers' }) {
  const { fields, append, remove } = useFieldArray({ control: form.control, name: `http_tools.${tool}.${kind}` })
  const errors = form.formState.errors.http_tools?.[tool]?.[kind]
  const secret = kind === 'secret_headers'
  const title = secret ? 'Secret headers' : 'Headers'
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-zinc-800">{title}</legend>
      {secret && <p className="text-xs text-zinc-600">Stored encrypted and never shown again; leave a value empty to keep the stored one.</p>}
      {fields.map((field, j) => {
        const kept = form.getValues(`http_tools.${tool}.${kind}.${j}.kept`)
        const rowError = errors?.[j]?.key?.message ?? errors?.[j]?.value?.message
        return (
          <div key={field.id}>
            <div className="flex items-center gap-2">
              <Input
                aria-label={`${title} ${j + 1} name, tool ${tool + 1}`}
                placeholder="Header"
                spellCheck={false}
                className="font-mono"
                aria-invalid={errors?.[j]?.key ? true : undefined}
                {...form.register(`http_tools.${tool}.${kind}.${j}.key`)}
              />
              <Input
                aria-label={`${title} ${j + 1} value, tool ${tool + 1}`}
                type={secret ? 'password' : 'text'}
                autoComplete="off"
                placeholder={secret && kept ? `${kept} (unchanged)` : 'Value'}
                className="font-mono"
                aria-invalid={errors?.[j]?.value ? true : undefined}
                {...form.register(`http_tools.${tool}.${kind}.${j}.value`)}
              />
              <Button variant="ghost" size="icon" aria-label={`Remove ${title.toLowerCase()} ${j + 1}, tool ${tool + 1}`} onClick={() => remove(j)}>
                <Trash2 className="size-4" aria-hidden />
              </Button>
            </div>
            {rowError && <p className="mt-1 text-sm text-red-600">{rowError}</p>}
          </div>
        )
      })}
      <FieldError message={errors?.message ?? errors?.root?.message} />
      <Button variant="ghost" size="sm" onClick={() => append({ key: '', value: '', kept: '' }, { shouldFocus: true })}>
        <Plus className="size-4" aria-hidden /> Add {secret ? 'secret header' : 'header'}
      </Button>
    </fieldset>
  )
}
