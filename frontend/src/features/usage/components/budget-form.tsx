import { zodResolver } from '@hookform/resolvers/zod'
import { Controller, useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { InlineError } from '@/components/ui/inline-error'
import { reportFormError } from '@/lib/notify'
import type { Budget } from '../api/get-usage'
import { useSetBudget } from '../api/set-budget'
import { budgetActions, budgetFieldFor, budgetSchema, toBudgetUpdate, type BudgetValues } from './budget-schema'

/** The monthly limit and what happens when it is reached (owners and admins). */
export function BudgetForm({ tenantId, budget, autoFocus = false }: { tenantId: string; budget: Pick<Budget, 'limit_usd' | 'action'>; autoFocus?: boolean }) {
  const form = useForm<BudgetValues>({
    resolver: zodResolver(budgetSchema),
    defaultValues: { limit: budget.limit_usd === null ? '' : String(budget.limit_usd), action: budget.action },
  })
  const { errors } = form.formState
  const save = useSetBudget(tenantId, {
    onSuccess: (saved) => {
      form.reset({ limit: saved.limit_usd === null ? '' : String(saved.limit_usd), action: saved.action })
      toast.success('Budget saved')
    },
    onError: (error) => reportFormError(error, form.setError, budgetFieldFor),
  })
  const submit = form.handleSubmit((values) => save.mutate(toBudgetUpdate(values)))
  return (
    <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-[1fr_1fr_auto] sm:items-start">
      <Field label="Monthly limit (USD)" hint="Leave empty for no limit." error={errors.limit?.message}>
        <Input inputMode="decimal" autoComplete="off" placeholder="No limit" autoFocus={autoFocus} {...form.register('limit')} />
      </Field>
      <Controller
        control={form.control}
        name="action"
        render={({ field }) => (
          <Field label="At the limit" error={errors.action?.message}>
            <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={budgetActions} />
          </Field>
        )}
      />
      <Button type="submit" className="sm:mt-6" pending={save.isPending}>
        Save budget
      </Button>
      <InlineError className="sm:col-span-3" error={errors.root?.message} />
    </form>
  )
}
