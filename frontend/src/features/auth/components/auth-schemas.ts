import { z } from '@/lib/zod'

export const signInSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(254),
  password: z.string().min(1, 'Enter your password').max(200),
})
export type SignInValues = z.infer<typeof signInSchema>

export const signUpSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(100, 'At most 100 characters'),
  email: z.email('Enter a valid email address').max(254),
  password: z.string().min(10, 'At least 10 characters').max(200, 'At most 200 characters'),
  tenant_name: z.string().trim().max(100, 'At most 100 characters'),
})
export type SignUpValues = z.infer<typeof signUpSchema>
