import { z } from '@/lib/zod'
import type { components } from '@/api/schema.gen'

type Tenant = components['schemas']['Tenant']
type TenantUpdate = components['schemas']['TenantUpdate']

// The budget is typed as text so an empty field can mean "no limit".
export const tenantSettingsSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(100, 'At most 100 characters'),
  budget_limit_usd: z
    .string()
    .trim()
    .refine((v) => v === '' || /^\d+(\.\d{1,2})?$/.test(v), 'Enter an amount in dollars, like 250 or 99.50')
    .refine((v) => v === '' || Number(v) <= 10_000_000, 'At most $10,000,000'),
})
export type TenantSettingsValues = z.infer<typeof tenantSettingsSchema>

export function tenantToSettings(t: Tenant): TenantSettingsValues {
  return { name: t.name, budget_limit_usd: t.budget_limit_usd === null ? '' : String(t.budget_limit_usd) }
}

export function settingsToUpdate(v: TenantSettingsValues): TenantUpdate {
  return { name: v.name, budget_limit_usd: v.budget_limit_usd === '' ? null : Number(v.budget_limit_usd) }
}
