import { zodResolver } from '@hookform/resolvers/zod'
import { useForm } from 'react-hook-form'
import { problemMessage } from '@/api/problem'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { applyProblemToForm, sameNames } from '@/lib/form-problem'
import { useSignUp } from '../api/sign-up'
import { FormAlert } from './auth-card'
import { signUpSchema, type SignUpValues } from './auth-schemas'

const resolveField = sameNames<SignUpValues>(['name', 'email', 'password', 'tenant_name'])

export function SignUpForm({ onSignedUp }: { onSignedUp: () => void }) {
  const form = useForm<SignUpValues>({
    resolver: zodResolver(signUpSchema),
    defaultValues: { name: '', email: '', password: '', tenant_name: '' },
  })
  const { errors } = form.formState
  const signUp = useSignUp({
    onSuccess: onSignedUp,
    onError: (error) => {
      const applied = applyProblemToForm(error, form.setError, resolveField)
      if (!applied || applied.matched === 0) form.setError('root', { message: problemMessage(error) })
    },
  })
  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={form.handleSubmit(({ tenant_name, ...rest }) => signUp.mutate({ ...rest, ...(tenant_name ? { tenant_name } : {}) }))}
    >
      <FormAlert message={errors.root?.message} />
      <Field label="Your name" error={errors.name?.message}>
        <Input autoComplete="name" autoFocus {...form.register('name')} />
      </Field>
      <Field label="Work email" error={errors.email?.message}>
        <Input type="email" autoComplete="email" {...form.register('email')} />
      </Field>
      <Field label="Password" hint="At least 10 characters." error={errors.password?.message}>
        <Input type="password" autoComplete="new-password" {...form.register('password')} />
      </Field>
      <Field label="Company" hint="Optional. Your workspace is named after it." error={errors.tenant_name?.message}>
        <Input autoComplete="organization" {...form.register('tenant_name')} />
      </Field>
      <Button type="submit" className="w-full" pending={signUp.isPending}>
        Create account
      </Button>
    </form>
  )
}
