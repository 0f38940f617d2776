import { z } from '@/lib/zod'

export const tenantNameSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(100, 'At most 100 characters'),
})
export type TenantNameValues = z.infer<typeof tenantNameSchema>
