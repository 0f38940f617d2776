import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react'
import type { ReactNode } from 'react'
import { useFieldArray, type UseFormReturn } from 'react-hook-form'
import { Button } from '@/components/ui/button'
import { FieldError } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { MAX_FALLBACK_MODELS, type AgentFormValues } from './agent-form-schema'

/** The ordered list of models tried when the primary one fails. */
export function FallbackModelsField({ form, hint }: { form: UseFormReturn<AgentFormValues>; hint?: ((id: string) => ReactNode) | undefined }) {
  const { fields, append, remove, move } = useFieldArray({ control: form.control, name: 'fallback_models' })
  const errors = form.formState.errors.fallback_models
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-zinc-800">Fallback models</legend>
      <p className="text-xs text-zinc-600">Tried in this order when the primary model fails or is rate-limited.</p>
      {fields.length > 0 && (
        <ol className="space-y-2">
          {fields.map((field, i) => {
            const error = errors?.[i]?.value?.message
            const errorId = `fallback-${field.id}-error`
            return (
              <li key={field.id}>
                <div className="flex items-center gap-2">
                  <span className="w-5 shrink-0 text-right text-xs text-zinc-600 tabular-nums" aria-hidden>
                    {i + 1}.
                  </span>
                  <Input
                    list="model-suggestions"
                    aria-label={`Fallback model ${i + 1}`}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? errorId : undefined}
                    placeholder="provider/model"
                    spellCheck={false}
                    autoCapitalize="off"
                    {...form.register(`fallback_models.${i}.value`)}
                  />
                  <Button variant="ghost" size="icon" aria-label={`Move fallback model ${i + 1} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>
                    <ArrowUp className="size-4" aria-hidden />
                  </Button>
                  <Button
                    variant="ghost"
                    size="icon"
                    aria-label={`Move fallback model ${i + 1} down`}
                    disabled={i === fields.length - 1}
                    onClick={() => move(i, i + 1)}
                  >
                    <ArrowDown className="size-4" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="icon" aria-label={`Remove fallback model ${i + 1}`} onClick={() => remove(i)}>
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                </div>
                {error && (
                  <p id={errorId} className="mt-1 ml-7 text-sm text-red-600">
                    {error}
                  </p>
                )}
                {!error && hint && <p className="mt-1 ml-7 text-xs">{hint(form.watch(`fallback_models.${i}.value`))}</p>}
              </li>
            )
          })}
        </ol>
      )}
      <FieldError message={errors?.message ?? errors?.root?.message} />
      <Button
        variant="secondary"
        size="sm"
        disabled={fields.length >= MAX_FALLBACK_MODELS}
        onClick={() => append({ value: '' }, { shouldFocus: true })}
      >
        <Plus className="size-4" aria-hidden /> Add fallback model
      </Button>
    </fieldset>
  )
}
