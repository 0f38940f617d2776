import type { components } from '@/api/schema.gen'

type BudgetStatus = components['schemas']['Budget']['status']
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger'

const badges: Record<BudgetStatus, { label: string; tone: BadgeTone }> = {
  none: { label: 'No limit set', tone: 'neutral' },
  ok: { label: 'Within budget', tone: 'success' },
  warning: { label: 'Over 80% of budget', tone: 'warning' },
  exceeded: { label: 'Budget exceeded', tone: 'danger' },
}

export function budgetBadge(status: string): { label: string; tone: BadgeTone } {
  return (badges as Record<string, { label: string; tone: BadgeTone }>)[status] ?? { label: status, tone: 'neutral' }
}
