import { z } from '@/lib/zod'
import { amountText, required, rule } from '@/api/contract-rules'
import { zTenantUpdate } from '@/api/zod.gen'
import type { components } from '@/api/schema.gen'

type Tenant = components['schemas']['Tenant']
type TenantUpdate = components['schemas']['TenantUpdate']

// The budget is typed as text so an empty field can mean "no limit".
export const tenantSettingsSchema = z.object({
  name: rule(required(zTenantUpdate.shape.name), { required: 'Enter a name' }, { trim: true }),
  budget_limit_usd: amountText(zTenantUpdate.shape.budget_limit_usd, { invalid: 'Enter an amount in dollars, like 250 or 99.50' }),
})
export type TenantSettingsValues = z.infer<typeof tenantSettingsSchema>

export function tenantToSettings(t: Tenant): TenantSettingsValues {
  return { name: t.name, budget_limit_usd: t.budget_limit_usd === null ? '' : String(t.budget_limit_usd) }
}

export function settingsToUpdate(v: TenantSettingsValues): TenantUpdate {
  return { name: v.name, budget_limit_usd: v.budget_limit_usd === '' ? null : Number(v.budget_limit_usd) }
}
