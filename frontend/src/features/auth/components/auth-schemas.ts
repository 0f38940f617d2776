import { z } from '@/lib/zod'
import { required, rule } from '@/api/contract-rules'
import { zSignInRequest, zSignUpRequest } from '@/api/zod.gen'

const In = zSignInRequest.shape
const Up = zSignUpRequest.shape

export const signInSchema = z.object({
  // The contract only bounds these; an empty field is the form's own rule.
  email: z.string().trim().min(1, 'Enter your email address').pipe(rule(In.email)),
  password: z.string().min(1, 'Enter your password').pipe(rule(In.password)),
})
export type SignInValues = z.infer<typeof signInSchema>

export const signUpSchema = z.object({
  name: rule(Up.name, { required: 'Enter your name' }, { trim: true }),
  email: rule(Up.email, { format: 'Enter a valid email address' }, { trim: true }),
  password: rule(Up.password),
  // Optional in the contract: empty means "named after you".
  tenant_name: z.string().trim().refine((v) => v === '' || required(Up.tenant_name).safeParse(v).success, 'At most 100 characters'),
})
export type SignUpValues = z.infer<typeof signUpSchema>
