import { Plus, Trash2 } from 'lucide-react'
import { useFieldArray, type UseFormReturn } from 'react-hook-form'
import { Button } from '@/components/ui/button'
import { FieldError } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { MAX_ESCALATION_RULES, type AgentFormValues } from './agent-form-schema'

export function EscalationRulesField({ form }: { form: UseFormReturn<AgentFormValues> }) {
  const { fields, append, remove } = useFieldArray({ control: form.control, name: 'escalation_rules' })
  const errors = form.formState.errors.escalation_rules
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-zinc-800">Escalation rules</legend>
      <p className="text-xs text-zinc-600">
        A human takes over when a rule matches, e.g. <code className="rounded bg-zinc-100 px-1">billing AND count &gt; 2</code> or{' '}
        <code className="rounded bg-zinc-100 px-1">"speak to a human" OR refund</code>.
      </p>
      {fields.length > 0 && (
        <ul className="space-y-2">
          {fields.map((field, i) => {
            const error = errors?.[i]?.value?.message
            const errorId = `rule-${field.id}-error`
            return (
              <li key={field.id}>
                <div className="flex items-center gap-2">
                  <Input
                    aria-label={`Escalation rule ${i + 1}`}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? errorId : undefined}
                    className="font-mono"
                    spellCheck={false}
                    {...form.register(`escalation_rules.${i}.value`)}
                  />
                  <Button variant="ghost" size="icon" aria-label={`Remove escalation rule ${i + 1}`} onClick={() => remove(i)}>
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                </div>
                {error && (
                  <p id={errorId} className="mt-1 text-sm text-red-600">
                    {error}
                  </p>
                )}
              </li>
            )
          })}
        </ul>
      )}
      <FieldError message={errors?.message ?? errors?.root?.message} />
      <Button
        variant="secondary"
        size="sm"
        disabled={fields.length >= MAX_ESCALATION_RULES}
        onClick={() => append({ value: '' }, { shouldFocus: true })}
      >
        <Plus className="size-4" aria-hidden /> Add rule
      </Button>
    </fieldset>
  )
}
