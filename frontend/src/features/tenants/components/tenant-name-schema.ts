import { z } from '@/lib/zod'
import { rule } from '@/api/contract-rules'
import { zTenantCreate } from '@/api/zod.gen'

export const tenantNameSchema = z.object({
  name: rule(zTenantCreate.shape.name, { required: 'Enter a name' }, { trim: true }),
})
export type TenantNameValues = z.infer<typeof tenantNameSchema>
