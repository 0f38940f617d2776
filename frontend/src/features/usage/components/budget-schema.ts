import type { FieldPath } from 'react-hook-form'
import { z } from '@/lib/zod'
import { amountText } from '@/api/contract-rules'
import { zBudgetUpdate } from '@/api/zod.gen'

export const budgetActions = [
  { value: 'notify', label: 'Notify', description: 'Alert owners and admins; agents keep answering.' },
  { value: 'downgrade', label: 'Downgrade', description: 'Agents answer with the cheaper platform model.' },
  { value: 'stop', label: 'Stop', description: 'Agents stop answering; each chat user is told once.' },
] as const

/** The limit is typed as text: empty means no limit. */
export const budgetSchema = z.object({
  limit: amountText(zBudgetUpdate.shape.limit_usd, { invalid: 'Enter an amount in dollars, e.g. 250 or 99.50' }),
  action: zBudgetUpdate.shape.action,
})
export type BudgetValues = z.infer<typeof budgetSchema>

export function toBudgetUpdate(values: BudgetValues): { limit_usd: number | null; action: BudgetValues['action'] } {
  return { limit_usd: values.limit === '' ? null : Number(values.limit), action: values.action }
}

/** The form field for an API body location (`limit_usd` is typed into `limit`). */
export function budgetFieldFor(path: string): FieldPath<BudgetValues> | undefined {
  if (path === 'limit_usd') return 'limit'
  if (path === 'action') return 'action'
  return undefined
}
