import { Controller, type UseFormReturn } from 'react-hook-form'
import type { ReactNode } from 'react'
import { Button } from '@/components/ui/button'
import { Field, FieldError } from '@/components/ui/field'
import { Input, Textarea } from '@/components/ui/input'
import { Section } from '@/components/ui/section'
import { Select } from '@/components/ui/select'
import { Switch } from '@/components/ui/switch'
import { InlineError } from '@/components/ui/inline-error'
import { modelState, type Model } from '../api/get-models'
import { agentTools, escalationTargetTypes, keyProviders, modelSuggestions, type AgentFormValues, type PinnableKey } from './agent-form-schema'
import { EscalationRulesField } from './escalation-rules-field'
import { FallbackModelsField } from './fallback-models-field'
import { HTTPToolsField } from './http-tools-field'

interface AgentFormProps {
  form: UseFormReturn<AgentFormValues>
  onSubmit: (values: AgentFormValues) => void
  submitLabel: string
  pending: boolean
  /** Members can look but not change. */
  readOnly?: boolean
  /** Cancel/back link next to submit. */
  secondary?: ReactNode
  /** The tenant's own LLM keys, for pinning one per provider (admins only). */
  keys?: readonly PinnableKey[] | undefined
  /** The model catalog: what the picker offers, marked callable or not. */
  models?: readonly Model[] | undefined
}

const AUTO = 'auto'

/** The Agent Designer's form, the same for creating and editing. */
export function AgentForm({ form, onSubmit, submitLabel, pending, readOnly = false, secondary, keys, models }: AgentFormProps) {
  const { errors } = form.formState
  const { register } = form
  const targetType = form.watch('escalation_target.type')
  const memoryForever = form.watch('memory_forever')
  const primary = models ? modelState(form.watch('model'), models) : null
  return (
    <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="max-w-3xl space-y-6" aria-label="Agent">
      <ModelOptions models={models} />
      <fieldset disabled={readOnly} className="min-w-0 space-y-6">
        <Section title="Identity" description="Who the AI employee is to your team and customers.">
          <div className="grid gap-5 sm:grid-cols-2">
            <Field label="Name" error={errors.name?.message}>
              <Input autoComplete="off" placeholder="Ada" {...register('name')} />
            </Field>
            <Field label="Role" hint="A job title, e.g. Customer support." error={errors.role_title?.message}>
              <Input autoComplete="off" {...register('role_title')} />
            </Field>
          </div>
          <label className="flex items-start gap-3">
            <Switch className="mt-0.5" {...register('is_active')} />
            <span>
              <span className="block text-sm font-medium text-zinc-800">Active</span>
              <span className="block text-xs text-zinc-600">Inactive agents stay configured but do not answer anyone.</span>
            </span>
          </label>
        </Section>

        <Section title="Behaviour" description="Konstruct always adds that the agent is an AI when asked; you don’t need to.">
          <Field label="Persona" hint="How it speaks: tone, style, language." error={errors.persona?.message}>
            <Textarea rows={3} placeholder="Warm, concise and precise." {...register('persona')} />
          </Field>
          <Field label="System prompt" hint="What it knows and must do." error={errors.system_prompt?.message}>
            <Textarea rows={8} placeholder="You answer questions about Acme’s products and orders…" {...register('system_prompt')} />
          </Field>
        </Section>

        <Section title="Model" description="Model ids are provider/model with provider openai, anthropic or custom.">
          <Field label="Primary model" hint={primary && <ModelHint state={primary} />} error={errors.model?.message}>
            <Input list="model-suggestions" spellCheck={false} autoCapitalize="off" className="font-mono" {...register('model')} />
          </Field>
          <FallbackModelsField form={form} hint={models ? (id) => {
            const st = modelState(id, models)
            return st && <ModelHint state={st} />
          } : undefined} />
          <div className="grid gap-5 sm:grid-cols-3">
            <Field label="Temperature" hint="0 is focused, 2 is creative." error={errors.temperature?.message}>
              <Input type="number" step="0.1" min={0} max={2} inputMode="decimal" {...register('temperature', { valueAsNumber: true })} />
            </Field>
            <Field label="Longest reply (characters)" error={errors.max_reply_chars?.message}>
              <Input type="number" step="50" min={50} max={40000} inputMode="numeric" {...register('max_reply_chars', { valueAsNumber: true })} />
            </Field>
            <Field label="Messages remembered" hint="Recent messages it reads." error={errors.window_size?.message}>
              <Input type="number" min={1} max={100} inputMode="numeric" {...register('window_size', { valueAsNumber: true })} />
            </Field>
          </div>
          {keys && (
            <div className="grid gap-5 sm:max-w-md">
              {keyProviders.map((p) => (
                <Controller
                  key={p.value}
                  control={form.control}
                  name={`pinned_keys.${p.value}`}
                  render={({ field }) => (
                    <Field label={`${p.label} key`} hint="Which of your keys its calls use." error={errors.pinned_keys?.[p.value]?.message}>
                      <Select
                        ref={field.ref}
                        value={field.value === '' ? AUTO : field.value}
                        onValueChange={(v) => field.onChange(v === AUTO ? '' : v)}
                        disabled={readOnly}
                        options={[
                          { value: AUTO, label: 'Automatic', description: 'Newest active key, else the platform’s' },
                          ...keys
                            .filter((k) => k.provider === p.value)
                            .map((k) => ({ value: k.id, label: `${k.label} (…${k.key_hint})`, description: k.status === 'failing' ? 'Failing' : undefined })),
                        ]}
                      />
                    </Field>
                  )}
                />
              ))}
            </div>
          )}
        </Section>

        <Section title="Memory" description="What the agent recalls from earlier conversations with the same person.">
          <div className="grid gap-5 sm:grid-cols-2 sm:items-end">
            <Field label="Remember messages for (days)" hint="1 to 3,650 days; older memories are forgotten." error={errors.memory_retention_days?.message}>
              <Input
                type="number"
                min={1}
                max={3650}
                inputMode="numeric"
                disabled={memoryForever}
                {...register('memory_retention_days', { valueAsNumber: true })}
              />
            </Field>
            <label className="flex items-center gap-2 pb-2 text-sm font-medium text-zinc-800">
              <input type="checkbox" className="size-4 rounded border-zinc-300 accent-brand-600" {...register('memory_forever')} />
              Remember for good
            </label>
          </div>
        </Section>

        <Section title="Tools" description="What the agent may do besides talking.">
          <fieldset>
            <legend className="sr-only">Tools</legend>
            <div className="space-y-3">
              {agentTools.map((tool) => (
                <label key={tool.value} className="flex items-start gap-3">
                  <input
                    type="checkbox"
                    value={tool.value}
                    className="mt-0.5 size-4 rounded border-zinc-300 accent-brand-600"
                    {...register('tools')}
                  />
                  <span>
                    <span className="block text-sm font-medium text-zinc-800">{tool.label}</span>
                    <span className="block text-xs text-zinc-600">{tool.description}</span>
                  </span>
                </label>
              ))}
            </div>
            <FieldError message={errors.tools?.message} />
          </fieldset>
          <HTTPToolsField form={form} readOnly={readOnly} />
        </Section>

        <Section title="Escalation" description="When and to whom a conversation is handed to a person.">
          <EscalationRulesField form={form} />
          <div className="grid gap-5 sm:grid-cols-2">
            <Controller
              control={form.control}
              name="escalation_target.type"
              render={({ field }) => (
                <Field label="Notify" error={errors.escalation_target?.type?.message}>
                  <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={escalationTargetTypes} disabled={readOnly} />
                </Field>
              )}
            />
            {targetType !== 'none' && (
              <Field
                label={targetType === 'slack_user' ? 'Slack user id' : 'Slack channel id'}
                hint={targetType === 'slack_user' ? 'Like U024BE7LH (profile → ⋮ → Copy member ID).' : 'Like C024BE91L (channel details, at the bottom).'}
                error={errors.escalation_target?.id?.message}
              >
                <Input spellCheck={false} autoCapitalize="off" className="font-mono" {...register('escalation_target.id')} />
              </Field>
            )}
          </div>
        </Section>
      </fieldset>

      <InlineError error={errors.root?.message} />
      {!readOnly && (
        <div className="flex flex-col-reverse gap-2 border-t border-zinc-200 pt-5 sm:flex-row sm:justify-end">
          {secondary}
          <Button type="submit" pending={pending}>
            {submitLabel}
          </Button>
        </div>
      )}
    </form>
  )
}

/**
 * The picker's list: models a key can call first (with whose key), then the
 * rest marked with why not. Without a catalog (members), the usual ids.
 */
function ModelOptions({ models }: { models: readonly Model[] | undefined }) {
  if (!models) {
    return (
      <datalist id="model-suggestions">
        {modelSuggestions.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    )
  }
  const sorted = [...models].sort((a, b) => Number(b.available) - Number(a.available) || a.id.localeCompare(b.id))
  return (
    <datalist id="model-suggestions">
      {sorted.map((m) => (
        <option key={m.id} value={m.id} label={m.available ? (m.key_source === 'tenant' ? 'Available · your key' : 'Available · platform key') : 'Unavailable · no key'} />
      ))}
    </datalist>
  )
}

function ModelHint({ state }: { state: NonNullable<ReturnType<typeof modelState>> }) {
  return <span className={state.tone === 'warn' ? 'text-amber-800' : 'text-emerald-800'}>{state.text}</span>
}
